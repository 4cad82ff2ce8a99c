// A deliberately small blocking HTTP/1.1 client over POSIX sockets for the end-to-end suites:
// it sends exactly the bytes given, so tests can also send malformed or oversized requests.
#pragma once

#include <cstdint>
#include <map>
#include <string>

namespace commerce::test {

struct http_reply {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;
};

// A socket connected to 127.0.0.1:port (with that receive buffer, when > 0); throws when it
// cannot connect.
int connect_loopback(std::uint16_t port, int receive_buffer = 0);

// A loopback port free now (bound and released): good enough for a test machine.
std::uint16_t free_port();

class http_connection {
 public:
  // A reply that takes longer than `read_timeout_ms` throws (see read_reply).
  explicit http_connection(std::uint16_t port, int read_timeout_ms = 10'000);
  ~http_connection();
  http_connection(const http_connection&) = delete;
  http_connection& operator=(const http_connection&) = delete;

  void send_raw(const std::string& bytes);
  // Reads one response (Content-Length bodies). Throws std::runtime_error when the peer closes
  // first or nothing arrives within 10 s.
  http_reply read_reply();
  // True when the server has closed the connection (read returns 0).
  bool closed_by_peer();

  // Sends Content-Type: application/json with a body (and with any POST or PUT) unless `headers`
  // name a Content-Type; an empty one sends none.
  http_reply request(const std::string& method, const std::string& target, const std::string& body = "",
                     const std::map<std::string, std::string>& headers = {});

 private:
  int fd_ = -1;
  int read_timeout_ms_ = 10'000;
  std::string buffer_;
};

// One request on a fresh connection.
http_reply http_call(std::uint16_t port, const std::string& method, const std::string& target,
                     const std::string& body = "", const std::map<std::string, std::string>& headers = {});

}  // namespace commerce::test
