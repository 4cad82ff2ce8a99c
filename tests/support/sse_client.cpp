#include "support/sse_client.hpp"

#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace commerce::test {

sse_client::sse_client(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers,
                       int receive_buffer) {
  fd_ = connect_loopback(port, receive_buffer);
  std::string request = "GET " + target + " HTTP/1.1\r\nHost: 127.0.0.1\r\nAccept: text/event-stream\r\n";
  for (const auto& [name, value] : headers) request += name + ": " + value + "\r\n";
  request += "\r\n";
  if (::send(fd_, request.data(), request.size(), MSG_NOSIGNAL) != static_cast<ssize_t>(request.size()))
    throw std::runtime_error("cannot send the request");

  std::size_t head_end;
  while ((head_end = raw_.find("\r\n\r\n")) == std::string::npos)
    if (!read_more(std::chrono::seconds(10))) throw std::runtime_error("no answer head within 10 s");
  const std::string head = raw_.substr(0, head_end);
  raw_.erase(0, head_end + 4);
  head_.status = std::stoi(head.substr(9, 3));
  for (std::size_t at = head.find("\r\n"); at != std::string::npos;) {
    const auto end = head.find("\r\n", at + 2);
    const auto line = head.substr(at + 2, end == std::string::npos ? std::string::npos : end - at - 2);
    if (const auto colon = line.find(':'); colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      head_.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    at = end;
  }
  if (head_.headers.count("content-length")) {  // not a stream: a whole answer
    const auto length = std::stoul(head_.headers["content-length"]);
    while (raw_.size() < length && read_more(std::chrono::seconds(10))) {
    }
    head_.body = raw_.substr(0, length);
    ended_ = true;
  }
}

sse_client::~sse_client() {
  if (fd_ >= 0) ::close(fd_);
}

bool sse_client::read_more(std::chrono::milliseconds timeout) {
  if (ended_) return false;
  pollfd p{fd_, POLLIN, 0};
  if (::poll(&p, 1, static_cast<int>(timeout.count())) <= 0) return false;
  char chunk[16384];
  const auto n = ::recv(fd_, chunk, sizeof chunk, 0);
  if (n <= 0) {
    ended_ = true;
    return false;
  }
  raw_.append(chunk, static_cast<std::size_t>(n));
  return true;
}

void sse_client::decode_chunks() {
  for (;;) {
    const auto line_end = raw_.find("\r\n");
    if (line_end == std::string::npos) return;
    const auto size = std::stoul(raw_.substr(0, line_end), nullptr, 16);
    if (size == 0) {  // the last chunk: the server ended the stream
      ended_ = true;
      raw_.clear();
      return;
    }
    if (raw_.size() < line_end + 2 + size + 2) return;
    text_ += raw_.substr(line_end + 2, size);
    raw_.erase(0, line_end + 2 + size + 2);
  }
}

std::optional<sse_event> sse_client::next(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (;;) {
    decode_chunks();
    for (std::size_t end; (end = text_.find("\n\n")) != std::string::npos;) {
      const std::string block = text_.substr(0, end);
      text_.erase(0, end + 2);
      sse_event event;
      bool any = false;
      for (std::size_t at = 0; at <= block.size();) {
        const auto stop = std::min(block.find('\n', at), block.size());
        const auto line = block.substr(at, stop - at);
        at = stop + 1;
        if (line.rfind(':', 0) == 0) ++heartbeats_;
        else if (line.rfind("id: ", 0) == 0) event.id = line.substr(4), any = true;
        else if (line.rfind("data: ", 0) == 0) event.data += line.substr(6), any = true;
      }
      if (any && !event.data.empty()) return event;
    }
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0 || ended_) return std::nullopt;
    read_more(left);
  }
}

bool sse_client::wait_end(std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (!ended_) {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) return false;
    read_more(left);
    decode_chunks();
  }
  return true;
}

}  // namespace commerce::test
