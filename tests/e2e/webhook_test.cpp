// The store platform's inventory webhook (API.md, Store platform) over sockets: the signature
// decides (a missing one, a wrong one, a body changed by one byte: 401, nothing recorded), one
// delivery id is taken once however often and however concurrently it comes, a count older
// than the last applied is ignored, a count below what is reserved keeps the reserved units and
// raises an alert, and the sandbox platform's own signed webhooks reach the product.
#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

#include "common/secure.hpp"

#include <atomic>
#include <chrono>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string secret = "test-webhook-secret";

std::string level(const std::string& sku, int available, const std::string& updated_at) {
  return R"({"sku":")" + sku + R"(","available":)" + std::to_string(available) + R"(,"updated_at":")" + updated_at +
         "\"}";
}

std::map<std::string, std::string> signed_headers(const std::string& id, const std::string& body) {
  return {{"X-Shopify-Webhook-Id", id},
          {"X-Shopify-Topic", "inventory_levels/update"},
          {"X-Shopify-Hmac-Sha256", secure::hmac_sha256_base64(secret, body)}};
}

struct webhook_node : api_node {
  webhook_node() : api_node({{"COMMERCED_WEBHOOKS_SECRET", secret}}) {}

  http_reply deliver(const std::string& id, const std::string& body) {
    return call("POST", "/webhooks/inventory", body, signed_headers(id, body));
  }
  // The product's events of `type`, from its history.
  int events_of(const std::string& sku, const std::string& type) {
    const auto history = json(as_admin("GET", "/v1/products/" + sku + "/events"));
    int n = 0;
    for (const auto& e : history.as_array()) n += e.at("type") == type.c_str();
    return n;
  }
  // Waits until the product's on_hand is `expected` (webhooks are applied after the answer).
  bool on_hand_becomes(const std::string& sku, std::int64_t expected) {
    for (int i = 0; i < 100; ++i) {
      if (inventory(sku).at("on_hand") == expected) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
};

}  // namespace

TEST_CASE("a webhook without the right signature is refused and changes nothing", "[e2e][webhooks]") {
  webhook_node n;
  n.product("MUG", 10);
  const auto body = level("MUG", 3, "2026-12-03T10:00:00Z");
  auto headers = signed_headers("wh-1", body);

  headers.erase("X-Shopify-Hmac-Sha256");
  check_problem(n.call("POST", "/webhooks/inventory", body, headers), 401, "invalid_signature");
  headers["X-Shopify-Hmac-Sha256"] = secure::hmac_sha256_base64("another secret", body);
  check_problem(n.call("POST", "/webhooks/inventory", body, headers), 401, "invalid_signature");
  auto changed = body;
  changed[changed.find('3')] = '4';  // one byte
  headers = signed_headers("wh-1", body);
  check_problem(n.call("POST", "/webhooks/inventory", changed, headers), 401, "invalid_signature");

  std::this_thread::sleep_for(300ms);
  CHECK(n.inventory("MUG").at("on_hand") == 10);
  CHECK(n.events_of("MUG", "StockCounted") == 0);
  // Signed but malformed: a 422 naming the field, still nothing recorded.
  const auto no_sku = R"({"available":3,"updated_at":"2026-12-03T10:00:00Z"})";
  check_problem(n.deliver("wh-2", no_sku), 422, "validation_failed");
  check_problem(n.deliver("wh 3", body), 422, "validation_failed");  // the id
  const auto bad_time = level("MUG", 3, "yesterday");
  check_problem(n.deliver("wh-4", bad_time), 422, "validation_failed");
  // The right one is taken.
  const auto r = n.deliver("wh-1", body);
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json(r).at("duplicate") == false);
  CHECK(n.on_hand_becomes("MUG", 3));
  const auto metrics = n.call("GET", "/metrics").body;
  CHECK(metric(metrics, R"(commerce_webhooks_total{outcome="refused"})") == 6);
  CHECK(metric(metrics, R"(commerce_webhooks_total{outcome="recorded"})") == 1);
}

TEST_CASE("the same webhook 20 times at once is taken once", "[e2e][webhooks]") {
  webhook_node n;
  n.product("MUG", 10);
  const auto body = level("MUG", 7, "2026-12-03T10:00:00Z");
  std::atomic<int> ok{0}, first{0}, other{0};
  std::vector<std::thread> senders;
  for (int i = 0; i < 20; ++i)
    senders.emplace_back([&] {
      http_connection c(n.node.port());
      const auto r = c.request("POST", "/webhooks/inventory", body, signed_headers("wh-same", body));
      if (r.status != 200) return void(++other);
      ++ok;
      if (json(r).at("duplicate") == false) ++first;
    });
  for (auto& t : senders) t.join();
  CHECK(ok == 20);
  CHECK(first == 1);
  CHECK(other == 0);
  REQUIRE(n.on_hand_becomes("MUG", 7));
  std::this_thread::sleep_for(300ms);
  CHECK(n.events_of("MUG", "StockCounted") == 1);
  // Later repeats too.
  CHECK(json(n.deliver("wh-same", body)).at("duplicate") == true);
  CHECK(metric(n.call("GET", "/metrics").body, R"(commerce_webhooks_total{outcome="duplicate"})") == 20);
}

TEST_CASE("a count older than the last applied is ignored; one below the reservations keeps them and alerts",
          "[e2e][webhooks]") {
  webhook_node n;
  n.product("MUG", 10);
  REQUIRE(n.deliver("wh-new", level("MUG", 8, "2026-12-03T10:00:05Z")).status == 200);
  REQUIRE(n.on_hand_becomes("MUG", 8));
  // Delivered late: taken (200), applied as nothing.
  REQUIRE(n.deliver("wh-old", level("MUG", 2, "2026-12-03T10:00:01Z")).status == 200);
  std::this_thread::sleep_for(500ms);
  CHECK(n.inventory("MUG").at("on_hand") == 8);
  CHECK(n.events_of("MUG", "StockCounted") == 1);

  // A cart holds 5; the warehouse counts 2.
  const auto cart = n.cart();
  REQUIRE(n.call("PUT", "/v1/carts/" + cart + "/items/MUG", R"({"quantity":5})").status == 200);
  REQUIRE(n.deliver("wh-short", level("MUG", 2, "2026-12-03T10:00:09Z")).status == 200);
  REQUIRE(n.on_hand_becomes("MUG", 5));
  const auto stock = n.inventory("MUG");
  CHECK(stock.at("reserved") == 5);
  CHECK(stock.at("available") == 0);
  bool alerted = false;
  for (int i = 0; i < 40 && !alerted; ++i) {
    const auto open = json(n.as_admin("GET", "/admin/alerts?status=open"));
    for (const auto& a : open.at("items").as_array())
      alerted = alerted || (a.at("topic") == "stock_shortfall" && a.at("subject") == "product/MUG");
    if (!alerted) std::this_thread::sleep_for(50ms);
  }
  CHECK(alerted);
  // A product not in the catalog: taken at the door, skipped when applied, nothing breaks.
  CHECK(n.deliver("wh-unknown", level("NOPE", 4, "2026-12-03T10:00:09Z")).status == 200);
  CHECK(n.call("GET", "/v1/products/NOPE").status == 404);
  REQUIRE(n.deliver("wh-after", level("MUG", 30, "2026-12-03T10:00:20Z")).status == 200);
  CHECK(n.on_hand_becomes("MUG", 30));  // the ones after it are applied
  // The late one and the same count again still changed nothing: one count per delivery applied.
  CHECK(n.events_of("MUG", "StockCounted") == 3);
}

TEST_CASE("the sandbox platform's signed webhook sets the count, and a dropped one does not", "[e2e][webhooks]") {
  const auto node_port = free_port();
  sandbox_process platform(300, {"--webhook-url", "http://127.0.0.1:" + std::to_string(node_port), "--webhook-secret", secret});
  scratch_database db;  // a node of its own, on the port the platform sends to
  node_process node(on(db, {{"COMMERCED_HTTP_PORT", std::to_string(node_port)},
                            {"COMMERCED_WEBHOOKS_SECRET", secret},
                            {"COMMERCED_PAYMENT_URL", platform.url()},
                            {"COMMERCED_MESSAGING_URL", platform.url()}}));
  http_connection c(node.port());
  REQUIRE(c.request("PUT", "/v1/products/LAMP", R"({"name":"Lamp","price":{"amount":4000,"currency":"EUR"}})", admin).status == 201);
  const auto set = http_call(platform.port, "POST", "/admin/api/inventory_levels/set", R"({"sku":"LAMP","available":12})");
  REQUIRE(set.status == 200);
  bool counted = false;
  for (int i = 0; i < 100 && !counted; ++i) {
    counted = json(c.request("GET", "/v1/products/LAMP")).at("inventory").at("on_hand") == 12;
    if (!counted) std::this_thread::sleep_for(50ms);
  }
  CHECK(counted);
  const auto deliveries = json(http_call(platform.port, "GET", "/admin/api/webhooks")).at("webhooks").as_array();
  REQUIRE(deliveries.size() == 1);
  CHECK(deliveries[0].at("status") == "delivered");
  CHECK(deliveries[0].at("attempts") == 1);

  // Dropped at the platform: the count changes there, not here.
  REQUIRE(http_call(platform.port, "POST", "/admin/api/webhooks/drop", R"({"drop":true})").status == 200);
  REQUIRE(http_call(platform.port, "POST", "/admin/api/inventory_levels/set", R"({"sku":"LAMP","available":3})").status == 200);
  std::this_thread::sleep_for(500ms);
  CHECK(json(c.request("GET", "/v1/products/LAMP")).at("inventory").at("on_hand") == 12);
  const auto levels = json(http_call(platform.port, "GET", "/admin/api/inventory_levels?skus=LAMP")).at("inventory_levels");
  CHECK(levels.at(0).at("available") == 3);
}
