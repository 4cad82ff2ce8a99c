// The HTTP/1.1 client for calls to the outside world (the payment provider, messaging). Async
// on an I/O thread of its own, so callers (actors) never block: `send` returns at once and the
// callback runs on that thread. Each call has one deadline covering connect, write and read.
// Kept-alive connections are reused; a reused one that turns out closed is replaced once,
// transparently (requests carry Idempotency-Keys, so a resend is safe). Beast stays in client.cpp.
#pragma once

#include "common/http_message.hpp"

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>

namespace commerce::adapters::http {

struct endpoint {
  std::string host;
  std::uint16_t port = 80;
};

// "http://host:port" (an optional trailing path is ignored); nullopt for anything else.
std::optional<endpoint> parse_http_url(const std::string& url);

struct client_result {
  enum class failure { none, timeout, connection };
  failure error = failure::none;
  // Whether the request may have reached the server (false: it certainly did not, e.g. the
  // connection was refused). A caller that must never double-act reads this.
  bool maybe_delivered = false;
  http_response response;  // when error == none
  std::string detail;      // what went wrong, for logs and dead letters
};

class client {
 public:
  client();
  ~client();  // stops the I/O thread; callbacks of calls still pending are not run
  client(const client&) = delete;
  client& operator=(const client&) = delete;

  void send(const endpoint& to, http_request request, std::chrono::milliseconds timeout,
            std::function<void(client_result)> done);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace commerce::adapters::http
