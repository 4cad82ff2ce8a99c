#include "adapters/postgres/migrations.hpp"

namespace commerce::adapters::postgres {

namespace {
// Any fixed number: it names "the migration lock" among PostgreSQL's advisory locks.
constexpr const char* lock_key = "7306183025";
}  // namespace

std::vector<int> migrate(connection& db) {
  // A schema change may take long, and so may waiting for another node's: the connection's
  // statement_timeout (postgres.statement_timeout) is for the hot path, not for this.
  db.exec("SET statement_timeout = 0");
  // One node at a time, from the first statement on: nodes of a cluster started together on a
  // fresh database would otherwise race to create schema_migrations itself.
  db.exec(std::string("SELECT pg_advisory_lock(") + lock_key + ")");
  std::vector<int> applied;
  try {
    db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
            " version integer PRIMARY KEY,"
            " name text NOT NULL,"
            " applied_at timestamptz NOT NULL DEFAULT now())");
    for (const auto& m : migrations()) {
      if (!db.query_value("SELECT 1 FROM schema_migrations WHERE version = " + std::to_string(m.version)).empty())
        continue;
      db.exec("BEGIN");
      try {
        db.exec(m.sql);
        db.exec("INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) + ", '" +
                m.name + "')");
        db.exec("COMMIT");
      } catch (...) {
        db.exec("ROLLBACK");
        throw;
      }
      applied.push_back(m.version);
    }
  } catch (...) {
    db.exec(std::string("SELECT pg_advisory_unlock(") + lock_key + ")");
    throw;
  }
  db.exec(std::string("SELECT pg_advisory_unlock(") + lock_key + ")");
  return applied;
}

}  // namespace commerce::adapters::postgres
