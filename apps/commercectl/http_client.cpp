#include "apps/commercectl/http_client.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>

#include <netdb.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

namespace commercectl {
namespace {

using clock = std::chrono::steady_clock;
using std::chrono::milliseconds;

constexpr std::size_t max_head_bytes = 64 * 1024;
constexpr milliseconds stop_check_interval{200};

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return std::tolower(c); });
  return text;
}

std::string seconds_text(milliseconds d) { return std::to_string((d.count() + 999) / 1000) + " s"; }

class socket_fd {
 public:
  explicit socket_fd(int fd) : fd_(fd) {}
  ~socket_fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  socket_fd(const socket_fd&) = delete;
  socket_fd& operator=(const socket_fd&) = delete;
  int get() const { return fd_; }

 private:
  int fd_;
};

// `stop` said so while waiting (tail's Ctrl-C): the exchange is given up, quietly.
struct stopped_waiting {};

milliseconds left_until(clock::time_point deadline) {
  return std::max(milliseconds(0), std::chrono::duration_cast<milliseconds>(deadline - clock::now()));
}

// Waits until `fd` is ready for `events` (true) or `deadline` passes (false), checking `stop`
// (when given) every 200 ms; throws stopped_waiting when it says so. A signal only shortens a wait.
bool wait_for(int fd, short events, clock::time_point deadline, const std::function<bool()>* stop) {
  for (;;) {
    if (stop && *stop && (*stop)()) throw stopped_waiting{};
    const auto left = left_until(deadline);
    if (left.count() == 0) return false;
    pollfd p{fd, events, 0};
    const int ready = ::poll(&p, 1, static_cast<int>((stop ? std::min(left, stop_check_interval) : left).count()));
    if (ready > 0) return true;  // ready, or an error the next call on the socket reports
    if (ready < 0 && errno != EINTR) return true;
  }
}

// A connected, non-blocking socket to `to` by `deadline`; throws unreachable naming the URL. The
// name lookup itself (getaddrinfo) cannot be bounded; an IP address or /etc/hosts name takes none.
int connect_to(const base_url& to, clock::time_point deadline, const std::function<bool()>* stop) {
  addrinfo hints{};
  hints.ai_family = AF_UNSPEC;
  hints.ai_socktype = SOCK_STREAM;
  addrinfo* found = nullptr;
  if (const int rc = ::getaddrinfo(to.host.c_str(), to.port.c_str(), &hints, &found); rc != 0)
    throw unreachable("could not reach " + to.text + ": " + ::gai_strerror(rc), false);
  std::string why = "no address";
  for (auto* a = found; a; a = a->ai_next) {
    const int fd = ::socket(a->ai_family, a->ai_socktype | SOCK_CLOEXEC | SOCK_NONBLOCK, a->ai_protocol);
    if (fd < 0) {
      why = std::strerror(errno);
      continue;
    }
    int error = 0;
    if (::connect(fd, a->ai_addr, a->ai_addrlen) != 0) {
      error = errno;
      if (error == EINPROGRESS) {
        bool ready = false;
        try {
          ready = wait_for(fd, POLLOUT, deadline, stop);
        } catch (const stopped_waiting&) {
          ::close(fd);
          ::freeaddrinfo(found);
          throw;
        }
        socklen_t size = sizeof error;
        if (!ready) error = ETIMEDOUT;
        else if (::getsockopt(fd, SOL_SOCKET, SO_ERROR, &error, &size) != 0) error = errno;
      }
    }
    if (error == 0) {
      ::freeaddrinfo(found);
      return fd;
    }
    why = std::strerror(error);
    ::close(fd);
  }
  ::freeaddrinfo(found);
  throw unreachable("could not reach " + to.text + ": " + why, false);
}

std::string request_bytes(const base_url& to, const http_request& r) {
  std::string out = r.method + " " + to.base_path + r.target + " HTTP/1.1\r\n";
  out += "Host: " + to.host_header + "\r\nConnection: close\r\nUser-Agent: commercectl\r\n";
  for (const auto& [name, value] : r.headers) {
    if (name.find_first_of("\r\n:") != std::string::npos || value.find_first_of("\r\n") != std::string::npos)
      throw std::invalid_argument("header " + name + " holds a line break");
    out += name + ": " + value + "\r\n";
  }
  if (!r.body.empty()) out += "Content-Type: application/json\r\n";
  if (r.method != "GET" && r.method != "HEAD") out += "Content-Length: " + std::to_string(r.body.size()) + "\r\n";
  out += "\r\n" + r.body;
  return out;
}

// Writes the request on the non-blocking socket by `deadline` (a peer that stops reading cannot
// hold it up longer).
void write_all(int fd, const std::string& bytes, const base_url& to, clock::time_point deadline, milliseconds timeout,
               const std::function<bool()>* stop) {
  for (std::size_t sent = 0; sent < bytes.size();) {
    const auto n = ::send(fd, bytes.data() + sent, bytes.size() - sent, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) {
      if (!wait_for(fd, POLLOUT, deadline, stop))
        throw unreachable("could not send the request to " + to.text + " within " + seconds_text(timeout), sent > 0);
      continue;
    }
    // Part of the request may have gone out: the server may have it.
    if (n < 0) throw unreachable("connection to " + to.text + " lost while sending: " + std::strerror(errno), sent > 0);
    sent += static_cast<std::size_t>(n);
  }
}

// Reads from a connected socket into `buffer` with a deadline: the exchange's, fixed, or for a
// stream one moved on by every byte (idle). `stop` is polled meanwhile.
struct socket_reader {
  socket_reader(int fd, const base_url& to, milliseconds timeout, clock::time_point deadline, bool idle_deadline,
                const std::function<bool()>* stop)
      : fd(fd), to(to), timeout(timeout), idle_deadline(idle_deadline), stop(stop), deadline(deadline) {}

  int fd;
  const base_url& to;
  milliseconds timeout;
  bool idle_deadline;  // the deadline moves with every read
  const std::function<bool()>* stop;
  clock::time_point deadline;
  std::string buffer;
  bool stopped = false;

  // More bytes appended; false when the peer closed or `stop` said so (then `stopped`).
  bool fill() {
    for (;;) {
      if (stop && *stop && (*stop)()) {
        stopped = true;
        return false;
      }
      const auto left = std::chrono::duration_cast<milliseconds>(deadline - clock::now());
      if (left.count() <= 0)
        throw unreachable(std::string(idle_deadline ? "nothing" : "no answer") + " from " + to.text +
                              " within " + seconds_text(timeout),
                          true);
      pollfd p{fd, POLLIN, 0};
      const int ready = ::poll(&p, 1, static_cast<int>(std::min(left, stop_check_interval).count()));
      if (ready <= 0) continue;  // a time-out slice, or a signal: check stop and the deadline again
      char chunk[16 * 1024];
      const auto n = ::recv(fd, chunk, sizeof chunk, 0);
      if (n < 0 && (errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)) continue;
      if (n < 0) throw unreachable("connection to " + to.text + " lost: " + std::strerror(errno), true);
      if (n == 0) return false;
      buffer.append(chunk, static_cast<std::size_t>(n));
      if (idle_deadline) deadline = clock::now() + timeout;
      return true;
    }
  }

  [[noreturn]] void lost() const { throw unreachable("connection to " + to.text + " closed in the middle of an answer", true); }

  // The answer's status and headers, consumed from the buffer; false when stopped first.
  bool read_head(http_answer& out) {
    std::size_t end;
    while ((end = buffer.find("\r\n\r\n")) == std::string::npos) {
      if (buffer.size() > max_head_bytes) throw unreachable(to.text + " sent an answer head over 64 KiB", true);
      if (!fill()) {
        if (stopped) return false;
        if (buffer.empty()) throw unreachable(to.text + " closed the connection without answering", true);
        lost();
      }
    }
    const std::string head = buffer.substr(0, end);
    buffer.erase(0, end + 4);
    const auto first_line_end = head.find("\r\n");
    const auto status_line = head.substr(0, first_line_end);
    const auto space = status_line.find(' ');
    int status = 0;
    if (status_line.rfind("HTTP/1.", 0) != 0 || space == std::string::npos ||
        std::from_chars(status_line.data() + space + 1, status_line.data() + status_line.size(), status).ec != std::errc())
      throw unreachable(to.text + " did not answer in HTTP/1.1", true);
    out.status = status;
    for (auto at = first_line_end; at != std::string::npos && at < head.size();) {
      const auto start = at + 2;
      const auto next = head.find("\r\n", start);
      const auto line = head.substr(start, next == std::string::npos ? std::string::npos : next - start);
      if (const auto colon = line.find(':'); colon != std::string::npos) {
        auto value = line.substr(colon + 1);
        value.erase(0, value.find_first_not_of(" \t"));
        value.erase(value.find_last_not_of(" \t") + 1);
        out.headers[lower(line.substr(0, colon))] = value;
      }
      at = next;
    }
    return true;
  }

  // Bytes of the buffer up to `limit`, handed over and consumed.
  std::size_t hand_over(std::size_t limit, const std::function<void(std::string_view)>& sink) {
    const auto n = std::min(limit, buffer.size());
    if (n > 0) sink(std::string_view(buffer).substr(0, n));
    buffer.erase(0, n);
    return n;
  }

  // One CRLF-terminated line, consumed; false when stopped.
  bool read_line(std::string& line) {
    std::size_t end;
    while ((end = buffer.find("\r\n")) == std::string::npos) {
      if (buffer.size() > max_head_bytes) throw unreachable(to.text + " sent a malformed chunked answer", true);
      if (!fill()) {
        if (stopped) return false;
        lost();
      }
    }
    line = buffer.substr(0, end);
    buffer.erase(0, end + 2);
    return true;
  }

  // The body as the head describes it, handed to `sink` as it arrives. False when stopped.
  bool read_body(const http_answer& head, const std::string& method, const std::function<void(std::string_view)>& sink) {
    if (method == "HEAD" || head.status == 204 || head.status == 304 || head.status / 100 == 1) return true;
    if (lower(head.header("transfer-encoding")).find("chunked") != std::string::npos) {
      std::string line;
      for (;;) {
        if (!read_line(line)) return false;
        std::size_t size = 0;
        const auto digits = line.substr(0, line.find(';'));
        if (digits.empty() || std::from_chars(digits.data(), digits.data() + digits.size(), size, 16).ec != std::errc())
          throw unreachable(to.text + " sent a malformed chunk size", true);
        if (size == 0) {
          do
            if (!read_line(line)) return false;
          while (!line.empty());  // trailers, then the empty line
          return true;
        }
        for (std::size_t left = size; left > 0;) {
          if (buffer.empty() && !fill()) {
            if (stopped) return false;
            lost();
          }
          left -= hand_over(left, sink);
        }
        if (!read_line(line)) return false;  // the CRLF after the chunk's data
      }
    }
    const auto length = head.header("content-length");
    if (!length.empty()) {
      std::size_t left = 0;
      if (std::from_chars(length.data(), length.data() + length.size(), left).ec != std::errc())
        throw unreachable(to.text + " sent a malformed Content-Length", true);
      while (left > 0) {
        if (buffer.empty() && !fill()) {
          if (stopped) return false;
          lost();
        }
        left -= hand_over(left, sink);
      }
      return true;
    }
    for (;;) {  // up to the close
      hand_over(buffer.size(), sink);
      if (!fill()) return !stopped;
    }
  }
};

}  // namespace

std::optional<base_url> parse_base_url(const std::string& text) {
  const std::string scheme = "http://";
  if (text.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  base_url out;
  out.text = text;
  while (!out.text.empty() && out.text.back() == '/') out.text.pop_back();
  const auto rest = out.text.substr(scheme.size());
  const auto slash = rest.find('/');
  out.host_header = rest.substr(0, slash);
  if (slash != std::string::npos) out.base_path = rest.substr(slash);
  if (out.host_header.empty() || out.host_header.find_first_of("@?#") != std::string::npos ||
      out.base_path.find_first_of("?#") != std::string::npos)
    return std::nullopt;
  std::string port;
  if (out.host_header.front() == '[') {  // [IPv6]:port
    const auto close = out.host_header.find(']');
    if (close == std::string::npos) return std::nullopt;
    out.host = out.host_header.substr(1, close - 1);
    const auto after = out.host_header.substr(close + 1);
    if (!after.empty() && after.front() != ':') return std::nullopt;
    if (!after.empty()) port = after.substr(1);
    if (after == ":") return std::nullopt;
  } else {
    const auto colon = out.host_header.rfind(':');
    out.host = out.host_header.substr(0, colon);
    if (colon != std::string::npos) {
      port = out.host_header.substr(colon + 1);
      if (port.empty()) return std::nullopt;
    }
  }
  if (out.host.empty()) return std::nullopt;
  if (!port.empty()) {
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535) return std::nullopt;
    out.port = port;
  }
  return out;
}

http_answer send_request(const base_url& to, const http_request& request, milliseconds timeout) {
  // One deadline for the whole exchange: connecting, sending and reading the answer.
  const auto deadline = clock::now() + timeout;
  const socket_fd fd(connect_to(to, deadline, nullptr));
  write_all(fd.get(), request_bytes(to, request), to, deadline, timeout, nullptr);
  socket_reader reader{fd.get(), to, timeout, deadline, false, nullptr};
  http_answer out;
  reader.read_head(out);
  reader.read_body(out, request.method, [&out](std::string_view bytes) { out.body.append(bytes); });
  return out;
}

http_answer stream_request(const base_url& to, const http_request& request, milliseconds idle_timeout,
                           const std::function<void(std::string_view)>& on_body, const std::function<bool()>& stop) {
  http_answer out;
  try {
    // Connecting and sending within one idle time; then the deadline moves with every byte.
    const auto deadline = clock::now() + idle_timeout;
    const socket_fd fd(connect_to(to, deadline, &stop));
    write_all(fd.get(), request_bytes(to, request), to, deadline, idle_timeout, &stop);
    socket_reader reader{fd.get(), to, idle_timeout, clock::now() + idle_timeout, true, &stop};
    if (!reader.read_head(out)) return out;
    if (out.status != 200) {
      reader.read_body(out, request.method, [&out](std::string_view bytes) { out.body.append(bytes); });
      return out;
    }
    reader.read_body(out, request.method, on_body);
  } catch (const stopped_waiting&) {
    // Stopped before an answer: status 0, as when stopped while reading the head.
  }
  return out;
}

std::string url_encode(std::string_view text) {
  static const char* hex = "0123456789ABCDEF";
  std::string out;
  for (const unsigned char c : text) {
    if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
      out += static_cast<char>(c);
    } else {
      out += '%';
      out += hex[c >> 4];
      out += hex[c & 15];
    }
  }
  return out;
}

}  // namespace commercectl
