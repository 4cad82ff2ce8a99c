// Versioned schema migrations, compiled in from adapters/postgres/migrations/NNNN_name.sql and
// applied in order at start. Each runs in its own transaction under an advisory lock, so two
// nodes starting together apply each migration exactly once; applied versions are recorded in
// schema_migrations and skipped next time.
#pragma once

#include "adapters/postgres/connection.hpp"

#include <string>
#include <vector>

namespace commerce::adapters::postgres {

struct migration {
  int version;
  const char* name;
  const char* sql;
};

// All migrations of this build, in version order.
const std::vector<migration>& migrations();

// Applies what is pending; returns the versions applied now (empty when up to date).
std::vector<int> migrate(connection& db);

}  // namespace commerce::adapters::postgres
