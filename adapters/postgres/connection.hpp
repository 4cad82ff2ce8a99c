// A libpq connection that throws instead of returning error codes. Blocking: use it from a
// detached actor or a thread of its own, never on a CAF scheduler worker.
#pragma once

#include <chrono>
#include <memory>
#include <stdexcept>
#include <string>

struct pg_conn;
struct pg_result;

namespace commerce::adapters::postgres {

class postgres_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

class connection {
 public:
  // Connects once; throws postgres_error with libpq's reason.
  explicit connection(const std::string& conninfo);
  // Retries until `timeout` has passed, for start-up while PostgreSQL is still coming up.
  static connection wait_for(const std::string& conninfo, std::chrono::milliseconds timeout);

  // Runs one or more statements without parameters; throws on error.
  void exec(const std::string& sql);
  // Runs a query and returns the first column of the first row ("" if none).
  std::string query_value(const std::string& sql);

 private:
  struct closer {
    void operator()(pg_conn* c) const;
  };
  std::unique_ptr<pg_conn, closer> conn_;
};

}  // namespace commerce::adapters::postgres
