// One connection to Redis over hiredis 0.14 (RESP2, no TLS). Its calls block, so it belongs to
// a detached actor. It connects when first used, with a connect timeout, and every command has
// a timeout too; after an I/O error or a timeout the connection is dropped and the next call
// connects again, so callers recover by simply calling again later.
#pragma once

#include <chrono>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

struct redisContext;

namespace commerce::adapters::redis {

struct redis_options {
  std::string host = "127.0.0.1";
  std::uint16_t port = 6379;
  std::chrono::milliseconds connect_timeout{1000};
  std::chrono::milliseconds command_timeout{2000};
};

struct redis_reply {
  enum class type { string, array, integer, nil, status, error };
  type kind = type::nil;
  std::string text;  // string, status and error replies
  long long integer = 0;
  std::vector<redis_reply> elements;

  bool is_error() const { return kind == type::error; }
};

// Redis cannot be reached, or did not answer in time.
struct redis_unavailable : std::runtime_error {
  using std::runtime_error::runtime_error;
};

class redis_connection {
 public:
  explicit redis_connection(redis_options options);
  ~redis_connection();
  redis_connection(const redis_connection&) = delete;
  redis_connection& operator=(const redis_connection&) = delete;

  // Sends every command at once (pipelined: one round trip) and returns their replies in
  // order; a command Redis refuses comes back as an error reply. Throws redis_unavailable.
  std::vector<redis_reply> pipeline(const std::vector<std::vector<std::string>>& commands);
  redis_reply command(const std::vector<std::string>& args) { return pipeline({args}).front(); }

 private:
  redisContext* connected();
  [[noreturn]] void fail(const std::string& what);

  redis_options options_;
  redisContext* context_ = nullptr;
};

}  // namespace commerce::adapters::redis
