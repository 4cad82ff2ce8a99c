// Idempotency-Key on POST (API.md, Conventions) over real sockets: replay, reuse, in flight,
// concurrency, durability across a restart, retention.
#include "adapters/postgres/connection.hpp"
#include "e2e/api_fixture.hpp"

#include <catch2/catch.hpp>

#include <set>
#include <thread>

using namespace commerce::test;

namespace {

const std::string eur_cart = R"({"currency":"EUR"})";

std::map<std::string, std::string> keyed(const std::string& key) {
  return {{"Idempotency-Key", key}};
}

std::string id_of(const http_reply& r) { return std::string(json(r).at("id").as_string()); }

}  // namespace

TEST_CASE_METHOD(api, "the same key and body replay the first answer, a different body is refused", "[e2e][idempotency]") {
  const auto first = call("POST", "/v1/carts", eur_cart, keyed("k-1"));
  REQUIRE(first.status == 201);
  CHECK(first.headers.count("idempotent-replayed") == 0);

  const auto again = call("POST", "/v1/carts", eur_cart, keyed("k-1"));
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(again.headers.at("etag") == first.headers.at("etag"));
  CHECK(again.headers.at("idempotent-replayed") == "true");

  check_problem(call("POST", "/v1/carts", R"({"currency":"USD"})", keyed("k-1")), 422, "idempotency_key_reused");
  // The key belongs to the method, path and body together.
  product("MUG", 5);
  check_problem(call("POST", "/v1/products/MUG/stock", eur_cart, {{"Idempotency-Key", "k-1"}, {"Authorization", "Bearer test-admin-token"}}),
                422, "idempotency_key_reused");

  // Without a key, every POST runs.
  CHECK(id_of(call("POST", "/v1/carts", eur_cart)) != id_of(call("POST", "/v1/carts", eur_cart)));
  auto too_long = call("POST", "/v1/carts", eur_cart, keyed(std::string(256, 'k')));
  check_problem(too_long, 422, "validation_failed");
  CHECK(json(too_long).at("field") == "Idempotency-Key");
}

TEST_CASE_METHOD(api, "a replayed stock adjustment is applied once", "[e2e][idempotency]") {
  product("BAG", 0);
  auto headers = admin;
  headers["Idempotency-Key"] = "delivery-42";
  for (int i = 0; i < 3; ++i)
    CHECK(call("POST", "/v1/products/BAG/stock", R"({"delta":7,"reason":"delivery"})", headers).status == 200);
  CHECK(inventory("BAG").at("on_hand") == 7);
}

TEST_CASE_METHOD(api, "a key still being run answers 409 idempotency_in_progress, a stale claim is taken over", "[e2e][idempotency]") {
  // A claim as a node leaves it while it runs the request: the same request's hash, no answer yet.
  commerce::adapters::postgres::connection db_connection(db.conninfo());
  const auto claim = [&](const std::string& key, const std::string& age) {
    db_connection.exec("INSERT INTO idempotency_keys (key, request_hash, state, created_at, updated_at) VALUES ('" + key +
                       "', encode(sha256(convert_to('POST /v1/carts' || chr(10) || '" + eur_cart + "', 'UTF8')), 'hex'), "
                       "'in_progress', now() - interval '" + age + "', now() - interval '" + age + "')");
  };
  claim("running", "1 second");
  auto busy = call("POST", "/v1/carts", eur_cart, keyed("running"));
  check_problem(busy, 409, "idempotency_in_progress");
  CHECK(busy.headers.at("retry-after") == "1");

  claim("orphaned", "5 minutes");  // its node died long ago
  CHECK(call("POST", "/v1/carts", eur_cart, keyed("orphaned")).status == 201);
  CHECK(call("POST", "/v1/carts", eur_cart, keyed("orphaned")).headers.at("idempotent-replayed") == "true");
}

TEST_CASE_METHOD(api, "an answer that cannot be stored releases the claim: the retry runs again", "[e2e][idempotency]") {
  // The store refuses to complete these keys, as it would while PostgreSQL is failing.
  commerce::adapters::postgres::connection db_connection(db.conninfo());
  db_connection.exec(R"sql(
    CREATE FUNCTION refuse_completion() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN RAISE EXCEPTION 'refused for the test'; END $$;
    CREATE TRIGGER refuse_completion BEFORE UPDATE ON idempotency_keys FOR EACH ROW
      WHEN (NEW.state = 'completed' AND NEW.key LIKE 'unstorable-%') EXECUTE FUNCTION refuse_completion())sql");
  const auto first = call("POST", "/v1/carts", eur_cart, keyed("unstorable-1"));
  CHECK(first.status == 201);  // the work is done and the client hears so
  // Not "409 in progress" for a minute: the claim is gone and the request runs again.
  const auto retry = call("POST", "/v1/carts", eur_cart, keyed("unstorable-1"));
  CHECK(retry.status == 201);
  CHECK(retry.headers.count("idempotent-replayed") == 0);
  // The retry's claim is released too (asynchronously, so give it a moment).
  std::string left = "1";
  for (int i = 0; i < 100 && left != "0"; ++i, std::this_thread::sleep_for(std::chrono::milliseconds(20)))
    left = db_connection.query_value("SELECT count(*) FROM idempotency_keys WHERE key = 'unstorable-1'");
  CHECK(left == "0");
}

TEST_CASE_METHOD(api, "concurrent requests with one key create one cart", "[e2e][idempotency]") {
  std::mutex mutex;
  std::set<std::string> carts;
  std::map<int, int> statuses;
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&] {
      http_connection own(node.port());
      for (int i = 0; i < 5; ++i) {
        const auto r = own.request("POST", "/v1/carts", eur_cart, keyed("burst"));
        std::lock_guard<std::mutex> lock(mutex);
        ++statuses[r.status];
        if (r.status == 201) carts.insert(id_of(r));
      }
    });
  for (auto& t : clients) t.join();
  CHECK(carts.size() == 1);
  CHECK(statuses[201] + statuses[409] == 40);  // 409: asked while the first was still running
  CHECK(statuses[201] >= 1);
}

TEST_CASE("an answer is replayed by the next node after a restart", "[e2e][idempotency]") {
  scratch_database db;
  const std::map<std::string, std::string> env{{"COMMERCED_POSTGRES_DATABASE", db.name()}};
  std::string body;
  {
    node_process node(env);
    const auto r = http_call(node.port(), "POST", "/v1/carts", eur_cart, keyed("across-restart"));
    REQUIRE(r.status == 201);
    body = r.body;
    CHECK(node.stop() == 0);
  }
  node_process next(env);
  const auto replay = http_call(next.port(), "POST", "/v1/carts", eur_cart, keyed("across-restart"));
  CHECK(replay.status == 201);
  CHECK(replay.body == body);
}

struct short_retention : api_node {
  short_retention() : api_node(std::map<std::string, std::string>{{"COMMERCED_IDEMPOTENCY_RETENTION", "1s"}}) {}
};

TEST_CASE_METHOD(short_retention, "after the retention period a key is new again", "[e2e][idempotency]") {
  const auto first = call("POST", "/v1/carts", eur_cart, keyed("short-lived"));
  REQUIRE(first.status == 201);
  std::this_thread::sleep_for(std::chrono::milliseconds(1200));
  const auto later = call("POST", "/v1/carts", R"({"currency":"USD"})", keyed("short-lived"));
  CHECK(later.status == 201);
  CHECK(id_of(later) != id_of(first));
}
