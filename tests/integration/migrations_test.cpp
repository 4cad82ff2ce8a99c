// Migrations against a real PostgreSQL: applied once, idempotent, and the journal's key
// guarantees (unique stream version, writing transaction recorded) hold.
#include "adapters/postgres/migrations.hpp"

#include "support/test_env.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>
#include <vector>

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

TEST_CASE("nodes started together on a fresh database migrate it once between them", "[postgres]") {
  commerce::test::scratch_database db;
  std::vector<std::thread> nodes;
  std::atomic<int> failed{0};
  std::atomic<std::size_t> applied{0};
  for (int i = 0; i < 4; ++i)
    nodes.emplace_back([&] {
      try {
        connection conn(db.conninfo());
        applied += migrate(conn).size();
      } catch (const std::exception&) {
        ++failed;
      }
    });
  for (auto& t : nodes) t.join();
  CHECK(failed == 0);
  CHECK(applied == migrations().size());  // each migration by exactly one of them
  connection conn(db.conninfo());
  CHECK(conn.query_value("SELECT count(*) FROM schema_migrations") == std::to_string(migrations().size()));
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

TEST_CASE("migration 0008 moves the card tokens of unfinished checkouts to the vault and leaves none behind",
          "[postgres]") {
  commerce::test::scratch_database db;
  connection conn(db.conninfo());
  migrate(conn);
  // The database as a build before 0008 left it: tokens in CheckoutBegun (schema 1), in a
  // checkout snapshot and in a stalled checkout's dead letter.
  conn.exec("DROP TABLE payment_tokens");
  conn.exec("DELETE FROM schema_migrations WHERE version = 8");
  const auto begun = [&](const std::string& id, const std::string& token) {
    conn.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) VALUES "
              "('checkout', '" + id + "', 1, 'CheckoutBegun', 1, '{\"cart_id\":\"c\",\"payment_token\":\"" + token +
              "\",\"client_key\":\"\"}')");
  };
  begun("chk_open", "tok_open");
  begun("chk_done", "tok_done");
  conn.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) VALUES "
            "('checkout', 'chk_done', 2, 'CheckoutCompleted', 1, '{}')");
  conn.exec("INSERT INTO snapshots (stream_type, stream_id, version, schema_version, data) VALUES "
            "('checkout', 'chk_open', 1, 2, '{\"payment_token\":\"tok_open\"}')");
  conn.exec("INSERT INTO dead_letters (target, message_type, payload, reason, attempts, first_failed_at, last_failed_at) "
            "VALUES ('checkout/chk_open', 'AbandonCheckout', '{\"id\":\"chk_open\",\"state\":{\"payment_token\":\"tok_open\",\"step\":\"charging\"}}', "
            "'stalled', 1, now(), now())");

  CHECK(migrate(conn) == std::vector<int>{8});
  CHECK(conn.query_value("SELECT string_agg(checkout_id || '=' || token, ',') FROM payment_tokens") == "chk_open=tok_open");
  CHECK(conn.query_value("SELECT count(*) FROM events WHERE data::text LIKE '%tok_%'") == "0");
  CHECK(conn.query_value("SELECT data->>'cart_id' FROM events WHERE stream_id = 'chk_open'") == "c");  // the rest stays
  CHECK(conn.query_value("SELECT count(*) FROM snapshots WHERE stream_type = 'checkout'") == "0");
  CHECK(conn.query_value("SELECT payload::text LIKE '%tok_%' FROM dead_letters") == "f");
  CHECK(conn.query_value("SELECT payload #>> '{state,step}' FROM dead_letters") == "charging");
}
