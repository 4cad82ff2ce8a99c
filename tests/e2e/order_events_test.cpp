// Order event handlers end to end (issue 6, part 4): the warehouse's pick lists, the customer's
// notifications through the outbox to the sandbox messaging provider, and analytics' counters
// in /metrics, each exactly once, also when every event is delivered to the handlers again.
#include "e2e/shop_fixture.hpp"

#include "adapters/postgres/connection.hpp"

#include <chrono>
#include <map>
#include <optional>
#include <set>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string checkout_body =
    R"({"email":"ann@example.com","shipping_address":{"city":"Berlin"},"payment":{"token":"tok_ok"}})";

}  // namespace

TEST_CASE("order events reach the warehouse, the customer and analytics once each, even delivered twice",
          "[e2e][checkout][order_events]") {
  scratch_database db;
  sandbox_process sandbox;
  const auto env = shop::with_providers(sandbox, {{"COMMERCED_POSTGRES_DATABASE", db.name()}});
  std::optional<node_process> node;
  node.emplace(env);
  std::optional<http_connection> c;
  c.emplace(node->port());
  REQUIRE(c->request("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c->request("POST", "/v1/products/mug/stock", R"({"delta":10,"reason":"delivery"})", admin).status == 200);
  auto buy = [&](std::int64_t quantity) {
    const auto cart = std::string(json(c->request("POST", "/v1/carts", R"({"currency":"EUR"})")).at("id").as_string());
    REQUIRE(c->request("PUT", "/v1/carts/" + cart + "/items/mug", R"({"quantity":)" + std::to_string(quantity) + "}").status == 200);
    const auto r = c->request("POST", "/v1/carts/" + cart + "/checkout", checkout_body);
    REQUIRE(r.status == 201);
    return std::string(json(r).at("id").as_string());
  };
  // Order a: paid, fulfilled, shipped, delivered, partly refunded. Order b: paid, then cancelled.
  const auto a = buy(2), b = buy(1);
  const auto order_a = "/v1/orders/" + a;
  REQUIRE(c->request("POST", order_a + "/fulfil", "", admin).status == 200);
  REQUIRE(c->request("POST", order_a + "/ship", R"({"carrier":"DHL","tracking":"JD01"})", admin).status == 200);
  REQUIRE(c->request("POST", order_a + "/deliver", "", admin).status == 200);
  REQUIRE(c->request("POST", order_a + "/refund", R"({"amount":500})", admin).status == 200);
  REQUIRE(c->request("POST", "/v1/orders/" + b + "/cancel", R"({"reason":"changed my mind"})", admin).status == 200);

  const std::multimap<std::string, std::string> expected{
      {a, "order_confirmation"}, {a, "order_shipped"}, {a, "order_delivered"}, {a, "refund_processed"},
      {b, "order_confirmation"}, {b, "order_cancelled"}, {b, "refund_processed"}};
  auto check_messages = [&] {
    const auto messages = sandbox.messages_once(expected.size());
    std::multimap<std::string, std::string> seen;
    std::set<std::string> keys;
    for (const auto& m : messages) {
      INFO(boost::json::serialize(m));
      CHECK(m.at("to") == "ann@example.com");
      CHECK(keys.insert(std::string(m.at("idempotency_key").as_string())).second);
      seen.emplace(std::string(m.at("data").at("order_id").as_string()), std::string(m.at("template").as_string()));
    }
    CHECK(seen == expected);
    return messages;
  };
  const auto first = check_messages();
  for (const auto& m : first)
    if (m.at("template") == "order_shipped") CHECK(m.at("data").at("tracking") == "JD01");

  commerce::adapters::postgres::connection sql(db.conninfo());
  CHECK(sql.query_value("SELECT count(*) FROM pick_lists") == "2");
  CHECK(sql.query_value("SELECT lines::text FROM pick_lists WHERE order_id = '" + a + "'") ==
        R"([{"sku": "mug", "quantity": 2}])");
  CHECK(sql.query_value("SELECT count(*) FROM outbox WHERE sent_at IS NULL") == "0");
  auto check_analytics = [&] {
    const auto text = c->request("GET", "/metrics").body;
    CHECK(metric(text, R"(commerce_orders_paid_total{currency="EUR"})") == 2);
    CHECK(metric(text, R"(commerce_revenue_minor_total{currency="EUR"})") == 3600);
    CHECK(metric(text, R"(commerce_refunds_minor_total{currency="EUR"})") == 500 + 1200);
  };
  check_analytics();

  // Forget the handlers' checkpoint and restart: every event is delivered to them again.
  c.reset();
  REQUIRE(node->stop() == 0);
  sql.exec("DELETE FROM subscription_checkpoints WHERE name = 'order_handlers'");
  node.emplace(env);
  c.emplace(node->port());
  const auto last_position = std::stoll(sql.query_value("SELECT max(position) FROM events"));
  auto checkpoint = [&] {
    const auto at = sql.query_value("SELECT position FROM subscription_checkpoints WHERE name = 'order_handlers'");
    return at.empty() ? -1 : std::stoll(at);
  };
  for (int i = 0; i < 200 && checkpoint() < last_position; ++i) std::this_thread::sleep_for(50ms);
  CHECK(checkpoint() == last_position);
  CHECK(check_messages().size() == first.size());
  CHECK(sql.query_value("SELECT count(*) FROM pick_lists") == "2");
  CHECK(sql.query_value("SELECT count(*) FROM outbox") == std::to_string(expected.size()));
  check_analytics();  // loaded from the stored facts, and nothing counted twice
}

TEST_CASE("notifications wait in the outbox while the messaging provider is down, then arrive once each",
          "[e2e][checkout][order_events]") {
  sandbox_process messaging;
  shop s(std::map<std::string, std::string>{{"COMMERCED_MESSAGING_URL", messaging.url()}});
  messaging.stop();
  s.n.product("mug", 10);
  std::set<std::string> orders;
  for (int i = 0; i < 3; ++i) {
    const auto r = s.checkout(s.cart_with("mug", 1), "tok_ok");
    REQUIRE(r.status == 201);
    orders.insert(id_of(r));
  }
  // The relay keeps trying, and says so in /metrics.
  long long failed = -1;
  for (int i = 0; i < 100 && failed <= 0; ++i, std::this_thread::sleep_for(50ms))
    failed = metric(s.n.call("GET", "/metrics").body, R"(commerce_messages_total{outcome="failed_attempt"})");
  CHECK(failed > 0);

  messaging.start();  // on the same port; the relay's backoff is at most 30 s, here far less
  const auto messages = messaging.messages_once(orders.size());
  std::set<std::string> confirmed;
  for (const auto& m : messages) {
    CHECK(m.at("template") == "order_confirmation");
    CHECK(confirmed.insert(std::string(m.at("data").at("order_id").as_string())).second);
  }
  CHECK(confirmed == orders);
  CHECK(s.sandbox.messages().empty());  // the payment provider got none of them
}

TEST_CASE("a notification the provider keeps failing does not hold up the ones behind it", "[e2e][checkout][order_events]") {
  shop s;
  s.n.product("mug", 10);
  const auto poisoned = s.n.call("POST", "/v1/carts/" + s.cart_with("mug", 1) + "/checkout",
                                 R"({"email":"nobody@unreachable.example","shipping_address":{"city":"Berlin"},)"
                                 R"("payment":{"token":"tok_ok"}})");
  REQUIRE(poisoned.status == 201);
  // Wait until its first attempt failed, so it is first in line.
  long long failed = -1;
  for (int i = 0; i < 100 && failed <= 0; ++i, std::this_thread::sleep_for(50ms))
    failed = metric(s.n.call("GET", "/metrics").body, R"(commerce_messages_total{outcome="failed_attempt"})");
  REQUIRE(failed > 0);
  const auto later = s.checkout(s.cart_with("mug", 1), "tok_ok");
  REQUIRE(later.status == 201);
  const auto messages = s.sandbox.messages_once(1);
  REQUIRE(messages.size() == 1);
  CHECK(messages[0].at("data").at("order_id") == id_of(later).c_str());
}
