// An HTTP exchange as plain values: what the HTTP server (adapters/http) hands to the gateway
// actor (actors/) and what comes back. Neither side sees the other's headers.
#pragma once

#include <cstddef>
#include <functional>
#include <memory>
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

// The writing end of an answer sent piece by piece (server-sent events). Safe from any thread.
class http_stream {
 public:
  virtual ~http_stream() = default;
  // Queues bytes to send. False once the stream is closed: the client left, the server is
  // stopping, or more than the server's stream buffer was queued unsent (a reader too slow is
  // dropped, not buffered without bound). Then the writer should stop and let go.
  virtual bool write(std::string bytes) = 0;
  // Ends the stream after what was queued.
  virtual void close() = 0;
  // Bytes queued and not yet sent: a writer with a backlog waits while this is high.
  virtual std::size_t queued() const = 0;
  // Called once, on the server's thread, when the stream closes for any reason (at once if it
  // already has).
  virtual void on_close(std::function<void()> callback) = 0;
};

struct http_response {
  int status = 200;
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  // Set for an answer streamed after its headers: the server sends the status and headers
  // (no body; chunked on HTTP/1.1), then hands the stream to this, on its I/O thread.
  std::function<void(std::shared_ptr<http_stream>)> stream;
};

// Completes one request. Callable from any thread, exactly once.
using http_responder = std::function<void(http_response)>;

// Receives every request; must not block (it runs on the server's I/O thread).
using http_handler = std::function<void(http_request, http_responder)>;

}  // namespace commerce
