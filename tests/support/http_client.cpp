#include "support/http_client.hpp"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <stdexcept>

namespace commerce::test {

int connect_loopback(std::uint16_t port, int receive_buffer) {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  if (fd >= 0 && receive_buffer > 0) ::setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &receive_buffer, sizeof receive_buffer);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_port = htons(port);
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  if (fd < 0 || ::connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0) {
    if (fd >= 0) ::close(fd);
    throw std::runtime_error("cannot connect to 127.0.0.1:" + std::to_string(port));
  }
  return fd;
}

std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

http_connection::http_connection(std::uint16_t port, int read_timeout_ms)
    : fd_(connect_loopback(port)), read_timeout_ms_(read_timeout_ms) {}

http_connection::~http_connection() {
  if (fd_ >= 0) ::close(fd_);
}

void http_connection::send_raw(const std::string& bytes) {
  std::size_t sent = 0;
  while (sent < bytes.size()) {
    const auto n = ::send(fd_, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;  // the server may close early (e.g. after a 413); the reply tells
    sent += static_cast<std::size_t>(n);
  }
}

namespace {
// Waits up to `timeout_ms` for data; returns bytes read, 0 on close.
std::size_t read_some(int fd, std::string& into, int timeout_ms) {
  pollfd p{fd, POLLIN, 0};
  if (::poll(&p, 1, timeout_ms) <= 0) throw std::runtime_error("no answer within " + std::to_string(timeout_ms / 1000) + " s");
  char chunk[65536];
  const auto n = ::recv(fd, chunk, sizeof chunk, 0);
  if (n <= 0) return 0;
  into.append(chunk, static_cast<std::size_t>(n));
  return static_cast<std::size_t>(n);
}
}  // namespace

http_reply http_connection::read_reply() {
  std::size_t head_end;
  while ((head_end = buffer_.find("\r\n\r\n")) == std::string::npos)
    if (read_some(fd_, buffer_, read_timeout_ms_) == 0) throw std::runtime_error("connection closed before a response");
  http_reply reply;
  const std::string head = buffer_.substr(0, head_end);
  reply.status = std::stoi(head.substr(9, 3));
  std::size_t line_start = head.find("\r\n");
  while (line_start != std::string::npos && line_start < head.size()) {
    line_start += 2;
    const auto line_end = std::min(head.find("\r\n", line_start), head.size());
    const std::string line = head.substr(line_start, line_end - line_start);
    const auto colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = line.substr(0, colon);
      std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
      reply.headers[name] = line.substr(line.find_first_not_of(' ', colon + 1));
    }
    line_start = line_end == head.size() ? std::string::npos : line_end;
  }
  const std::size_t length = reply.headers.count("content-length") ? std::stoul(reply.headers["content-length"]) : 0;
  while (buffer_.size() < head_end + 4 + length)
    if (read_some(fd_, buffer_, read_timeout_ms_) == 0) throw std::runtime_error("connection closed inside a body");
  reply.body = buffer_.substr(head_end + 4, length);
  buffer_.erase(0, head_end + 4 + length);
  return reply;
}

bool http_connection::closed_by_peer() {
  try {
    return read_some(fd_, buffer_, read_timeout_ms_) == 0;
  } catch (const std::runtime_error&) {
    return false;
  }
}

http_reply http_connection::request(const std::string& method, const std::string& target, const std::string& body,
                                    const std::map<std::string, std::string>& headers) {
  std::string raw = method + " " + target + " HTTP/1.1\r\nHost: localhost\r\n";
  bool typed = false;  // a test may send a Content-Type of its own (or none, with an empty value)
  for (const auto& [name, value] : headers) {
    std::string lower = name;
    std::transform(lower.begin(), lower.end(), lower.begin(), [](unsigned char c) { return std::tolower(c); });
    if (lower == "content-type") {
      typed = true;
      if (value.empty()) continue;
    }
    raw += name + ": " + value + "\r\n";
  }
  if (!body.empty() || method == "POST" || method == "PUT") {
    if (!typed) raw += "Content-Type: application/json\r\n";
    raw += "Content-Length: " + std::to_string(body.size()) + "\r\n";
  }
  raw += "\r\n" + body;
  send_raw(raw);
  return read_reply();
}

http_reply http_call(std::uint16_t port, const std::string& method, const std::string& target, const std::string& body,
                     const std::map<std::string, std::string>& headers) {
  http_connection c(port);
  return c.request(method, target, body, headers);
}

}  // namespace commerce::test
