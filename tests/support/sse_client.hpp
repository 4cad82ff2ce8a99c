// A client of server-sent events for the end-to-end suites: one GET on a connection of its own,
// the answer's head read at once, then events (and heartbeat comments) as they come, decoded
// from HTTP/1.1 chunks.
#pragma once

#include "support/http_client.hpp"

#include <chrono>
#include <cstdint>
#include <map>
#include <optional>
#include <string>

namespace commerce::test {

struct sse_event {
  std::string id;
  std::string data;
};

class sse_client {
 public:
  // `receive_buffer` > 0 shrinks the socket's receive buffer first (a slow reader's).
  sse_client(std::uint16_t port, const std::string& target, const std::map<std::string, std::string>& headers = {},
             int receive_buffer = 0);
  ~sse_client();
  sse_client(const sse_client&) = delete;
  sse_client& operator=(const sse_client&) = delete;

  // The answer's status and headers; its body too when it is not a stream.
  const http_reply& head() const { return head_; }
  // The next event within `timeout`; nullopt when none came or the stream ended (see ended()).
  std::optional<sse_event> next(std::chrono::milliseconds timeout = std::chrono::seconds(5));
  // Reads until the server closes the stream or `timeout` passes; true when it closed.
  bool wait_end(std::chrono::milliseconds timeout);
  bool ended() const { return ended_; }
  // Heartbeat comment lines seen so far.
  int heartbeats() const { return heartbeats_; }

 private:
  bool read_more(std::chrono::milliseconds timeout);  // false: nothing within timeout, or closed
  void decode_chunks();

  int fd_ = -1;
  http_reply head_;
  std::string raw_;   // bytes after the head, still chunked
  std::string text_;  // decoded event text
  bool ended_ = false;
  int heartbeats_ = 0;
};

}  // namespace commerce::test
