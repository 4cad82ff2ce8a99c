// A redis-server of the test's own, on a free port with its data under a temporary directory,
// so that a test can read exactly what it holds, stop it and start it again (its append-only
// file, fsynced on every write, keeps the data across).
#pragma once

#include "adapters/redis/redis_connection.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::test {

class redis_process {
 public:
  redis_process();
  ~redis_process();
  redis_process(const redis_process&) = delete;
  redis_process& operator=(const redis_process&) = delete;

  std::uint16_t port() const { return port_; }
  void stop();   // SIGTERM, waits: Redis writes its data and exits
  void start();  // again on the same port and data; waits until it answers PING

  adapters::redis::redis_reply command(const std::vector<std::string>& args);
  // The `position` field of every entry of a stream, in stream order.
  std::vector<std::string> positions(const std::string& stream);

 private:
  std::string dir_;
  std::uint16_t port_ = 0;
  int pid_ = -1;
};

}  // namespace commerce::test
