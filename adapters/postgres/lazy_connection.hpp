// A PostgreSQL connection for the small adapter actors (dead letters, idempotency keys): it
// connects on first use and again after the connection was lost, and runs one parameterized
// statement at a time. Blocking: use it from a detached actor.
#pragma once

#include "adapters/postgres/libpq.hpp"

#include <initializer_list>
#include <memory>
#include <string>

namespace commerce::adapters::postgres {

class lazy_connection {
 public:
  // `owner` names the adapter in error messages ("dead-letter office").
  lazy_connection(std::string conninfo, std::string owner);

  // Runs `sql` with text parameters; throws std::runtime_error naming the owner on failure.
  result_ptr run(const std::string& sql, std::initializer_list<const char*> params);

 private:
  struct connection_deleter {
    void operator()(PGconn* c) const { PQfinish(c); }
  };
  std::string conninfo_;
  std::string owner_;
  std::unique_ptr<PGconn, connection_deleter> conn_;
};

}  // namespace commerce::adapters::postgres
