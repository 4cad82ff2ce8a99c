// The gateway's HTTP/1.1 server (Boost.Beast, kept inside server.cpp so that only one file pays
// for Beast's headers). It parses requests, enforces size limits and timeouts, and hands each
// request to a non-blocking handler; the answer may come back on any thread.
#pragma once

#include "common/http_message.hpp"

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>

namespace commerce::adapters::http {

struct server_options {
  std::string address = "127.0.0.1";
  std::uint16_t port = 8080;  // 0 picks a free port (see server::port)
  std::size_t body_limit = 1 << 20;
  std::size_t header_limit = 16 << 10;
  std::chrono::milliseconds idle_timeout{30'000};
};

class server {
 public:
  server(server_options options, http_handler handler);
  ~server();
  server(const server&) = delete;
  server& operator=(const server&) = delete;

  // Binds and starts serving on a thread of its own. Throws std::runtime_error naming the
  // address when it cannot bind.
  void start();
  // Stops accepting, closes connections and joins the I/O thread.
  void stop();
  std::uint16_t port() const;

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace commerce::adapters::http
