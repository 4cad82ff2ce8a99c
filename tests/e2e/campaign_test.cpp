// Pricing campaigns over sockets (API.md, Pricing jobs and campaigns): a campaign fires when a
// SKU's stock crosses its line — from a stock call, a sale or a webhook alike — and not on
// every change below it; the campaign of higher priority wins a SKU; a rollback restores the
// prices from before the campaign and leaves alone (and audits) one changed since by someone
// else.
#include "e2e/api_fixture.hpp"

#include "common/secure.hpp"

#include <chrono>
#include <functional>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string secret = "test-webhook-secret";

struct campaign_node : api_node {
  campaign_node() : api_node({{"COMMERCED_WEBHOOKS_SECRET", secret}}) {}

  std::string campaign(const std::string& body) {
    const auto r = as_admin("POST", "/v1/campaigns", body);
    INFO(r.body);
    REQUIRE(r.status == 201);
    CHECK(json(r).at("status") == "draft");
    const auto id = std::string(json(r).at("id").as_string());
    REQUIRE(as_admin("PATCH", "/v1/campaigns/" + id, R"({"status":"active"})").status == 200);
    return id;
  }
  std::int64_t price(const std::string& sku) { return json(call("GET", "/v1/products/" + sku)).at("price").at("amount").as_int64(); }
  // Waits (up to 5 s) until `done` holds.
  bool eventually(const std::function<bool()>& done) {
    for (int i = 0; i < 100; ++i) {
      if (done()) return true;
      std::this_thread::sleep_for(50ms);
    }
    return false;
  }
  void stock(const std::string& sku, int delta) {
    REQUIRE(as_admin("POST", "/v1/products/" + sku + "/stock", R"({"delta":)" + std::to_string(delta) + R"(,"reason":"count"})").status == 200);
  }
  void webhook(const std::string& id, const std::string& sku, int available, const std::string& at) {
    const auto body = R"({"sku":")" + sku + R"(","available":)" + std::to_string(available) + R"(,"updated_at":")" + at + "\"}";
    REQUIRE(call("POST", "/webhooks/inventory", body,
                 {{"X-Shopify-Webhook-Id", id}, {"X-Shopify-Hmac-Sha256", secure::hmac_sha256_base64(secret, body)}})
                .status == 200);
  }
  boost::json::value get(const std::string& id) { return json(as_admin("GET", "/v1/campaigns/" + id)); }
};

}  // namespace

TEST_CASE("a campaign fires on the crossing of its line, from any source, and not below it", "[e2e][campaigns]") {
  campaign_node n;
  n.product("MUG", 50);
  const auto id = n.campaign(R"({"name":"Scarce","skus":["MUG"],"trigger":{"inventory_below":10},"rule":{"type":"percent","percent":20}})");

  n.stock("MUG", -45);  // 5 left: the crossing
  CHECK(n.eventually([&] { return n.price("MUG") == 1440; }));
  n.stock("MUG", -1);  // still below: nothing more
  n.stock("MUG", -1);
  std::this_thread::sleep_for(500ms);
  CHECK(n.price("MUG") == 1440);
  auto c = n.get(id);
  CHECK(c.at("trigger_count") == 1);
  CHECK(c.at("rule") == boost::json::parse(R"({"type":"percent","percent":20})"));
  CHECK(!c.at("last_triggered_at").is_null());

  // Back above through a webhook, then below again through another: it fires again.
  n.webhook("wh-1", "MUG", 100, "2026-12-03T10:00:00Z");
  CHECK(n.eventually([&] { return n.inventory("MUG").at("on_hand") == 100; }));
  n.webhook("wh-2", "MUG", 4, "2026-12-03T10:00:01Z");
  CHECK(n.eventually([&] { return n.price("MUG") == 1728; }));
  CHECK(n.get(id).at("trigger_count") == 2);

  // The price moves first; the campaign records it after (its own write).
  const auto audited = [&] { return json(n.as_admin("GET", "/v1/campaigns/" + id + "/audit")); };
  REQUIRE(n.eventually([&] { return audited().at("items").as_array().size() == 2; }));
  const auto audit = audited();
  CHECK(audit.at("items").at(0).at("reason") == "trigger");
  CHECK(audit.at("items").at(0).at("old_price").at("amount") == 1200);
  CHECK(audit.at("items").at(1).at("new_price").at("amount") == 1728);
  // The product's history says why its price moved.
  const auto history = json(n.as_admin("GET", "/v1/products/MUG/events"));
  int by_campaign = 0;
  for (const auto& e : history.as_array())
    by_campaign += e.at("type") == "PriceChanged" && e.at("data").at("cause") == "campaign";
  CHECK(by_campaign == 2);

  // Paused, it does nothing.
  REQUIRE(n.as_admin("PATCH", "/v1/campaigns/" + id, R"({"status":"paused"})").status == 200);
  n.stock("MUG", 200);
  n.stock("MUG", -198);
  std::this_thread::sleep_for(500ms);
  CHECK(n.price("MUG") == 1728);
}

TEST_CASE("the campaign of higher priority wins a SKU both cover", "[e2e][campaigns]") {
  campaign_node n;
  n.product("LAMP", 50);
  const auto low = n.campaign(R"({"name":"Up","skus":["LAMP"],"trigger":{"inventory_below":10},"rule":{"type":"percent","percent":10},"priority":1})");
  const auto high = n.campaign(R"({"name":"Down","skus":["LAMP"],"trigger":{"inventory_below":20},"rule":{"type":"percent","percent":-10},"priority":5})");
  n.stock("LAMP", -45);  // both lines crossed at once
  CHECK(n.eventually([&] { return n.price("LAMP") == 1080; }));
  std::this_thread::sleep_for(500ms);
  CHECK(n.price("LAMP") == 1080);  // the lower one did not apply on top
  CHECK(json(n.as_admin("GET", "/v1/campaigns/" + low + "/audit")).at("items").as_array().empty());
  CHECK(n.eventually([&] { return json(n.as_admin("GET", "/v1/campaigns/" + high + "/audit")).at("items").as_array().size() == 1; }));
}

TEST_CASE("a rollback restores the prices from before the campaign and skips one changed since", "[e2e][campaigns]") {
  campaign_node n;
  n.product("MUG", 50);
  n.product("LAMP", 50);
  const auto id = n.campaign(R"({"name":"Scarce","skus":["MUG","LAMP"],"trigger":{"inventory_below":10},"rule":{"type":"amount","amount":300}})");
  n.stock("MUG", -45);
  n.stock("LAMP", -45);
  REQUIRE(n.eventually([&] { return n.price("MUG") == 1500 && n.price("LAMP") == 1500; }));
  // Someone sets the lamp's price by hand.
  REQUIRE(n.as_admin("PUT", "/v1/products/LAMP", R"({"name":"Mug","price":{"amount":1700,"currency":"EUR"}})").status == 200);

  const auto r = n.as_admin("POST", "/v1/campaigns/" + id + "/rollback");
  REQUIRE(r.status == 202);
  CHECK(json(r).at("status") == "rolling_back");
  CHECK(n.eventually([&] { return n.get(id).at("status") == "rolled_back"; }));
  CHECK(n.price("MUG") == 1200);   // restored: the price before the campaign
  CHECK(n.price("LAMP") == 1700);  // left alone
  std::map<std::string, std::string> reasons;
  const auto audit = json(n.as_admin("GET", "/v1/campaigns/" + id + "/audit"));
  for (const auto& e : audit.at("items").as_array())
    if (e.at("reason") != "trigger") reasons[std::string(e.at("sku").as_string())] = std::string(e.at("reason").as_string());
  CHECK(reasons == std::map<std::string, std::string>{{"LAMP", "rollback_skipped"}, {"MUG", "rollback"}});
  // Rolled back, it acts no more and cannot be activated again.
  n.stock("MUG", 100);
  n.stock("MUG", -105);
  std::this_thread::sleep_for(300ms);
  CHECK(n.price("MUG") == 1200);
  check_problem(n.as_admin("PATCH", "/v1/campaigns/" + id, R"({"status":"active"})"), 409, "invalid_transition");
}

TEST_CASE("campaign requests that make no sense are refused", "[e2e][campaigns]") {
  campaign_node n;
  const auto rule = R"("rule":{"type":"percent","percent":5})";
  check_problem(n.as_admin("POST", "/v1/campaigns", R"({"name":"X","skus":["A"],"trigger":{"inventory_sideways":3},)" + std::string(rule) + "}"),
                422, "validation_failed");
  check_problem(n.as_admin("POST", "/v1/campaigns", R"({"name":"X","trigger":{"inventory_below":3},)" + std::string(rule) + "}"),
                422, "validation_failed");
  check_problem(n.as_admin("POST", "/v1/campaigns", R"({"name":"X","skus":["A"],"trigger":{"inventory_below":3},"rule":{"type":"percent"}})"),
                422, "validation_failed");
  check_problem(n.as_admin("GET", "/v1/campaigns/cmp_nope"), 404, "not_found");
  const auto draft = n.as_admin("POST", "/v1/campaigns", R"({"name":"X","skus":["A"],"trigger":{"inventory_below":3},)" + std::string(rule) + "}");
  REQUIRE(draft.status == 201);
  const auto id = std::string(json(draft).at("id").as_string());
  check_problem(n.as_admin("POST", "/v1/campaigns/" + id + "/rollback"), 409, "invalid_transition");
  check_problem(n.as_admin("PATCH", "/v1/campaigns/" + id, R"({"status":"rolled_back"})"), 422, "validation_failed");
  // Listed from the read model, which follows the journal closely.
  CHECK(n.eventually([&] { return json(n.as_admin("GET", "/v1/campaigns?status=draft")).at("items").as_array().size() == 1; }));
  CHECK(json(n.as_admin("GET", "/v1/campaigns?status=active")).at("items").as_array().empty());
  CHECK(n.call("GET", "/v1/campaigns").status == 401);
}
