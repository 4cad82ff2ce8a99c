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
  db.exec("CREATE TABLE IF NOT EXISTS schema_migrations ("
          " version integer PRIMARY KEY,"
          " name text NOT NULL,"
          " applied_at timestamptz NOT NULL DEFAULT now())");
  std::vector<int> applied;
  for (const auto& m : migrations()) {
    db.exec("BEGIN");
    try {
      db.exec(std::string("SELECT pg_advisory_xact_lock(") + lock_key + ")");
      const bool done = !db.query_value("SELECT 1 FROM schema_migrations WHERE version = " +
                                        std::to_string(m.version)).empty();
      if (!done) {
        db.exec(m.sql);
        db.exec("INSERT INTO schema_migrations (version, name) VALUES (" + std::to_string(m.version) + ", '" +
                m.name + "')");
        applied.push_back(m.version);
      }
      db.exec("COMMIT");
    } catch (...) {
      db.exec("ROLLBACK");
      throw;
    }
  }
  return applied;
}

}  // namespace commerce::adapters::postgres
