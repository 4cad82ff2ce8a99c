// Migrations against a real PostgreSQL: applied once, idempotent, and the journal's key
// guarantees (unique stream version, writing transaction recorded) hold.
#include "adapters/postgres/migrations.hpp"

#include "support/test_env.hpp"

#include <catch2/catch.hpp>

using namespace commerce::adapters::postgres;

TEST_CASE("migrations apply in order once, and a second run applies nothing", "[postgres]") {
  commerce::test::scratch_database db;
  connection conn(db.conninfo());

  const auto first = migrate(conn);
  REQUIRE(first.size() == migrations().size());
  for (std::size_t i = 0; i < first.size(); ++i) CHECK(first[i] == migrations()[i].version);
  CHECK(migrate(conn).empty());
  CHECK(conn.query_value("SELECT count(*) FROM schema_migrations") == std::to_string(migrations().size()));
  for (const char* table : {"events", "snapshots", "subscription_checkpoints", "timers"})
    CHECK(conn.query_value(std::string("SELECT to_regclass('") + table + "') IS NOT NULL") == "t");
}

TEST_CASE("the journal refuses a second event with the same stream version", "[postgres]") {
  commerce::test::scratch_database db;
  connection conn(db.conninfo());
  migrate(conn);
  const std::string insert =
      "INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
      "VALUES ('cart', 'c-1', 1, 'CartCreated', 1, '{}')";
  conn.exec(insert);
  CHECK_THROWS_AS(conn.exec(insert), postgres_error);
  CHECK(conn.query_value("SELECT count(*) FROM events") == "1");
  // The writing transaction is recorded, for gap-free subscriptions.
  CHECK(conn.query_value("SELECT transaction_id::text <> '' FROM events") == "t");
  CHECK_THROWS_AS(conn.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
                            "VALUES ('cart', 'c-1', 0, 'CartCreated', 1, '{}')"),
                  postgres_error);
}

TEST_CASE("an unreachable PostgreSQL is a clear error within the timeout", "[postgres]") {
  const auto started = std::chrono::steady_clock::now();
  try {
    connection::wait_for("host=127.0.0.1 port=1 user=commerce dbname=postgres connect_timeout=1",
                         std::chrono::milliseconds(300));
    FAIL("connected to a port nobody listens on");
  } catch (const postgres_error& e) {
    CHECK(std::string(e.what()).find("cannot connect to PostgreSQL") != std::string::npos);
  }
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(5));
}
