// A small blocking HTTP/1.1 client over POSIX sockets, one request per connection. The project's
// client (adapters/http) is asynchronous and its library brings CAF, PostgreSQL and Redis with
// it; a command-line tool needs none of that, but it does need to read a body as it streams in
// (server-sent events for `tail`), which that client does not offer.
#pragma once

#include <chrono>
#include <functional>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commercectl {

// Where the node is: http://host[:port][/base path]. https is not spoken (the gateway binds to
// loopback unless told otherwise; a TLS proxy in front is the place for that).
struct base_url {
  std::string text;       // as given, without a trailing slash
  std::string host;       // without brackets for IPv6
  std::string port = "80";
  std::string host_header;  // host[:port], as the URL wrote it
  std::string base_path;    // "" or "/prefix", prepended to every call's path
};

std::optional<base_url> parse_base_url(const std::string& text);

// The node could not be reached, or did not answer in time. `maybe_delivered`: the request was
// written before things went wrong, so the server may have acted on it.
struct unreachable : std::runtime_error {
  unreachable(const std::string& what, bool delivered) : std::runtime_error(what), maybe_delivered(delivered) {}
  bool maybe_delivered;
};

struct http_answer {
  int status = 0;
  std::map<std::string, std::string> headers;  // names in lower case
  std::string body;

  std::string header(const std::string& lower_name) const {
    const auto found = headers.find(lower_name);
    return found == headers.end() ? std::string() : found->second;
  }
};

struct http_request {
  std::string method = "GET";
  std::string target;  // path and query, without the base path
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;  // sent with Content-Type: application/json when not empty
};

// Sends `request` and reads the whole answer (Content-Length, chunked, or up to the close).
// `timeout` is one deadline for the whole exchange: connecting, sending and receiving (only the
// name lookup is outside it). Throws unreachable.
http_answer send_request(const base_url& to, const http_request& request, std::chrono::milliseconds timeout);

// Sends `request` and hands the body to `on_body` piece by piece as it arrives, until the server
// ends it, `stop()` turns true (checked at least every 200 ms), or nothing at all arrives for
// `idle_timeout` (throws unreachable; connecting and sending must be done within one such time).
// An answer other than 200 is read whole into the returned answer's body instead. The returned
// answer carries the status and headers (status 0 when stopped before they came).
http_answer stream_request(const base_url& to, const http_request& request, std::chrono::milliseconds idle_timeout,
                           const std::function<void(std::string_view)>& on_body, const std::function<bool()>& stop);

// Percent-encodes everything but RFC 3986's unreserved characters: for a path segment or a
// query value.
std::string url_encode(std::string_view text);

}  // namespace commercectl
