// An HTTP exchange as plain values: what the HTTP server (adapters/http) hands to the gateway
// actor (actors/) and what comes back. Neither side sees the other's headers.
#pragma once

#include <functional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commerce {

struct http_request {
  std::string method;  // "GET", "PUT", ...
  std::string target;  // path and query, as received
  std::vector<std::pair<std::string, std::string>> headers;  // names in lower case
  std::string body;

  // The first header of that (lower-case) name, or "".
  const std::string& header(std::string_view name) const {
    static const std::string none;
    for (const auto& [key, value] : headers)
      if (key == name) return value;
    return none;
  }
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
};

// Completes one request. Callable from any thread, exactly once.
using http_responder = std::function<void(http_response)>;

// Receives every request; must not block (it runs on the server's I/O thread).
using http_handler = std::function<void(http_request, http_responder)>;

}  // namespace commerce
