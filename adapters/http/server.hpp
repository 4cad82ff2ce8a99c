// The gateway's HTTP/1.1 server (Boost.Beast, kept inside server.cpp so that only one file pays
// for Beast's headers). It parses requests, enforces size limits and timeouts, and hands each
// request to a non-blocking handler; the answer may come back on any thread, whole or as a
// stream (server-sent events: common/http_message.hpp's http_stream).
#pragma once

#include "common/http_message.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::adapters::http {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see server::port)
  std::size_t body_limit = 1 << 20;     // larger bodies: 413
  std::size_t header_limit = 16 << 10;  // larger request line + headers: 431
  std::chrono::milliseconds read_timeout{10'000};  // from a request's first byte to its last
  std::chrono::milliseconds idle_timeout{30'000};  // between requests on a kept-alive connection
  std::size_t max_connections = 10'000;            // one more is answered 503 and closed
  std::size_t max_in_flight = 1'024;               // requests handed on and not yet answered; more: 503 at once
  std::chrono::milliseconds shutdown_grace{10'000};  // stop() waits this long for answers owed
  // A streamed answer (http_response::stream) whose reader lets more than this many bytes pile
  // up unsent is dropped: its connection is closed.
  std::size_t stream_buffer_limit = 1 << 20;
};

// One request read from raw bytes the way a connection reads it: Beast's parser with the
// options' body and header limits, the same error answers (400 malformed, 413 body too large,
// 431 headers too large) and the same conversion to http_request (header names in lower case).
// Exactly one of `request` and `error` is set, or neither when the bytes end before a whole
// request (a connection would wait for more, or close). Used by fuzz/http_request_fuzz.cpp.
struct parsed_request {
  std::optional<http_request> request;
  std::optional<http_response> error;
  std::size_t consumed = 0;  // bytes of `bytes` that the request took
  bool keep_alive = false;
};
parsed_request parse_request(std::string_view bytes, const server_options& options);

class server {
 public:
  server(server_options options, http_handler handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving on a thread of its own. Throws std::runtime_error naming the
  // address when it cannot bind.
  void start();
  // Stops accepting at once, closes idle connections, lets requests in flight be answered
  // (for up to shutdown_grace), then closes the rest and joins the I/O thread.
  void stop();
  // Open connections now.
  std::size_t connections() const;
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace commerce::adapters::http
