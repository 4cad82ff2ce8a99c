// The node and the store platform (API.md, Store platform) from outside, against the sandbox's.
// Price sync: every price reaches the platform in the order it was set, through 429s waited out
// as Retry-After says and a node killed with -9 in the middle; a price the platform keeps failing
// or refuses lands in the dead-letter office with an alert, and retrying it from there sends it.
// Reconciliation: counts whose webhooks were dropped are found, on request and on schedule, and
// applied once; a campaign they fire audits them as reconciliation.
#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

#include <algorithm>
#include <optional>
#include <set>

using namespace commerce;
using namespace commerce::test;

namespace {

std::string price_body(std::int64_t amount) {
  return R"({"name":"Lamp","price":{"amount":)" + std::to_string(amount) + R"(,"currency":"EUR"}})";
}

struct platform_and_node {
  sandbox_process platform;
  scratch_database db;
  std::map<std::string, std::string> env;
  std::optional<node_process> node;

  // The platform sends its webhooks to the node's port, chosen before either starts.
  explicit platform_and_node(std::vector<std::string> platform_args = {}, std::map<std::string, std::string> extra = {},
                             std::uint16_t node_port = free_port())
      : platform(300, with_webhooks_to(node_port, std::move(platform_args))) {
    env = on(db, {{"COMMERCED_STORE_URL", platform.url()},
                  {"COMMERCED_HTTP_PORT", std::to_string(node_port)},
                  {"COMMERCED_WEBHOOKS_SECRET", "sandbox-webhook-secret"},
                  {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
                  {"COMMERCED_MESSAGING_URL", platform.url()}});
    for (auto& [key, value] : extra) env[key] = value;
    node.emplace(env);
    // A node sweeps once as it starts. Waiting for that sweep (of no products yet) keeps it from
    // racing the test: it could otherwise find a count a webhook is about to bring.
    REQUIRE(eventually([&] { return metric(call("GET", "/metrics").body, "commerce_reconciliation_sweeps_total") >= 1; }));
  }
  http_reply call(const std::string& method, const std::string& target, const std::string& body = "") {
    return http_connection(node->port()).request(method, target, body, admin);
  }
  http_reply at_platform(const std::string& method, const std::string& target, const std::string& body = "") {
    return http_call(platform.port, method, target, body);
  }
  // The prices the platform was given for `sku`, oldest first (none: never given one).
  std::vector<std::int64_t> platform_prices(const std::string& sku) {
    const auto r = at_platform("GET", "/admin/api/variants/" + sku);
    std::vector<std::int64_t> out;
    if (r.status != 200) return out;
    const auto variant = json(r);
    for (const auto& p : variant.at("variant").at("price_history").as_array()) out.push_back(p.at("amount").as_int64());
    return out;
  }
  boost::json::value faults() { return json(at_platform("GET", "/admin/api/sandbox/faults")); }
  std::int64_t on_hand(const std::string& sku) { return json(call("GET", "/v1/products/" + sku)).at("inventory").at("on_hand").as_int64(); }
  // A sweep run now, once finished.
  boost::json::value reconciled() {
    const auto started = call("POST", "/admin/reconcile");
    REQUIRE(started.status == 202);
    const auto id = std::string(json(started).at("id").as_string());
    boost::json::value sweep;
    REQUIRE(eventually([&] {
      sweep = json(call("GET", "/admin/reconcile/" + id));
      return sweep.at("status") == "finished";
    }));
    return sweep;
  }

 private:
  static std::vector<std::string> with_webhooks_to(std::uint16_t port, std::vector<std::string> args) {
    args.insert(args.end(), {"--webhook-url", "http://127.0.0.1:" + std::to_string(port)});
    return args;
  }
};

// Whether `sent` is `set` with some left out (a price superseded before it could be sent) and
// some repeated (sent again after a restart: setting a price is idempotent), in the same order,
// ending with the last.
bool in_order_ending_at_last(const std::vector<std::int64_t>& sent, const std::vector<std::int64_t>& set) {
  std::size_t at = 0;  // just past the last price matched
  for (const auto price : sent) {
    if (at > 0 && set[at - 1] == price) continue;  // the same again
    while (at < set.size() && set[at] != price) ++at;
    if (at == set.size()) return false;
    ++at;
  }
  return !sent.empty() && sent.back() == set.back();
}

}  // namespace

TEST_CASE("every price reaches the store platform in order, through 429s and a node killed with -9",
          "[e2e][pricing][sync]") {
  // A small bucket (5 calls, 2 a second) so that the node runs into the platform's limit at once.
  platform_and_node s({"--bucket-size", "5", "--bucket-leak", "2"});
  REQUIRE(s.at_platform("POST", "/admin/api/sandbox/faults", R"({"throttle_ms":3000})").status == 200);
  const std::vector<std::string> skus{"A", "B", "C", "D"};
  std::map<std::string, std::vector<std::int64_t>> set;
  auto set_prices = [&](int from, int to) {
    for (int round = from; round < to; ++round)
      for (std::size_t i = 0; i < skus.size(); ++i) {
        const std::int64_t amount = 1000 + 100 * round + static_cast<std::int64_t>(i);
        REQUIRE(s.call("PUT", "/v1/products/" + skus[i], price_body(amount)).status / 100 == 2);
        set[skus[i]].push_back(amount);
      }
  };
  set_prices(0, 6);
  // The node has been told to wait, waited as long as Retry-After said and been told again; it
  // is killed there, before the platform took any price, between its call and its record.
  REQUIRE(eventually([&] { return s.faults().at("throttled_answers").as_int64() >= 2; }));
  CHECK(s.faults().at("early_calls") == 0);
  REQUIRE(s.platform_prices("A").empty());
  s.node.reset();  // SIGKILL
  s.node.emplace(s.env);
  set_prices(6, 9);
  for (const auto& sku : skus) {
    INFO(sku);
    REQUIRE(eventually([&] { const auto p = s.platform_prices(sku); return !p.empty() && p.back() == set[sku].back(); }, 60));
    CHECK(in_order_ending_at_last(s.platform_prices(sku), set[sku]));
  }
  const auto faults = s.faults();
  CHECK(faults.at("throttled_answers").as_int64() > 0);
  // The restarted node does not know the wait asked of the one killed: its first call may come
  // early; after that, none (its calls go out one at a time, the sweep's and the sync's alike).
  CHECK(faults.at("early_calls").as_int64() <= 1);
  CHECK(metric(s.call("GET", "/metrics").body, "commerce_price_sync_throttled_total") > 0);
  CHECK(json(s.call("GET", "/admin/dead-letters")).at("items").as_array().empty());
}

TEST_CASE("a price the platform keeps failing or refuses is parked with an alert, and retrying it sends it",
          "[e2e][pricing][sync][faults]") {
  platform_and_node s({}, {{"COMMERCED_PRICING_SYNC_GIVE_UP_AFTER", "2s"}, {"COMMERCED_ALERTS_NOTIFY", "shop@example.com"}});
  // Unavailable (503) for longer than the 2 s the sync keeps trying; refused (422) for good.
  REQUIRE(s.at_platform("POST", "/admin/api/sandbox/faults", R"({"fail_skus":["DOWN"],"refuse_skus":["NO"]})").status == 200);
  REQUIRE(s.call("PUT", "/v1/products/DOWN", price_body(700)).status == 201);
  REQUIRE(s.call("PUT", "/v1/products/NO", price_body(800)).status == 201);
  REQUIRE(s.call("PUT", "/v1/products/FINE", price_body(900)).status == 201);

  boost::json::array letters;
  REQUIRE(eventually([&] {
    letters = json(s.call("GET", "/admin/dead-letters")).at("items").as_array();
    return letters.size() == 2;
  }));
  for (const auto& letter : letters) CHECK(letter.at("target") == "subscription/price_sync");
  // The ones behind them went on.
  REQUIRE(eventually([&] { return s.platform_prices("FINE") == std::vector<std::int64_t>{900}; }));
  CHECK(s.platform_prices("DOWN").empty());
  CHECK(s.platform_prices("NO").empty());
  std::set<std::string> alerted;
  CHECK(eventually([&] {  // the alerts' list is a read model: it may lag a moment
    alerted.clear();
    const auto alerts = json(s.call("GET", "/admin/alerts?status=open"));
    for (const auto& a : alerts.at("items").as_array())
      if (a.at("topic") == "price_sync_failed") alerted.insert(std::string(a.at("subject").as_string()));
    return alerted == std::set<std::string>{"product/DOWN", "product/NO"};
  }));
  // Counted once the office confirmed the letter, a moment after the list shows it.
  CHECK(eventually([&] {
    return metric(s.call("GET", "/metrics").body, R"(commerce_subscription_parked_total{subscription="price_sync"})") == 2;
  }));
  // The merchant hears of each alert once, through the messaging provider.
  std::multiset<std::string> told;
  CHECK(eventually([&] {
    told.clear();
    for (const auto& m : s.platform.messages())
      if (m.at("template") == "merchant_alert" && m.at("to") == "shop@example.com")
        told.insert(std::string(m.at("data").at("subject").as_string()));
    return told == std::multiset<std::string>{"product/DOWN", "product/NO"};
  }));

  // A retry the platform still refuses is not lost as retried: the letter is pending again.
  const auto refused_again = std::find_if(letters.begin(), letters.end(), [](const boost::json::value& l) {
    return l.at("reason").as_string().starts_with("price NO ");
  });
  REQUIRE(refused_again != letters.end());
  const auto refused_id = std::to_string(refused_again->at("id").as_int64());
  const auto again = s.call("POST", "/admin/dead-letters/" + refused_id + "/retry");
  INFO(again.body);
  check_problem(again, 503, "unavailable");
  CHECK(json(again).at("detail").as_string().find("pending again") != boost::json::string::npos);
  CHECK(json(s.call("GET", "/admin/dead-letters/count?status=pending")).at("count") == 2);
  CHECK(json(s.call("GET", "/admin/dead-letters")).at("items").as_array().size() == 2);  // no letter more

  // The platform is well again: each retry from the dead-letter office sends its price.
  REQUIRE(s.at_platform("POST", "/admin/api/sandbox/faults", R"({"fail_skus":[],"refuse_skus":[]})").status == 200);
  for (const auto& letter : letters)
    CHECK(s.call("POST", "/admin/dead-letters/" + std::to_string(letter.at("id").as_int64()) + "/retry").status == 200);
  CHECK(s.platform_prices("DOWN") == std::vector<std::int64_t>{700});
  CHECK(s.platform_prices("NO") == std::vector<std::int64_t>{800});
}

TEST_CASE("counts whose webhooks were dropped are found by a reconciliation asked for, and applied once",
          "[e2e][pricing][reconciliation]") {
  platform_and_node s({}, {{"COMMERCED_PRICING_RECONCILE_INTERVAL", "1h"}});  // the schedule's is tested below
  for (const auto& sku : {"A", "B", "C"}) REQUIRE(s.call("PUT", "/v1/products/" + std::string(sku), price_body(1000)).status == 201);
  REQUIRE(s.call("POST", "/v1/products/A/stock", R"({"delta":5,"reason":"delivery"})").status == 200);
  // A webhook that arrives is applied as ever; then the platform drops them.
  REQUIRE(s.at_platform("POST", "/admin/api/inventory_levels/set", R"({"sku":"B","available":3})").status == 200);
  REQUIRE(eventually([&] { return s.on_hand("B") == 3; }));
  REQUIRE(s.at_platform("POST", "/admin/api/webhooks/drop", R"({"drop":true})").status == 200);
  REQUIRE(s.at_platform("POST", "/admin/api/inventory_levels/set", R"({"sku":"A","available":10})").status == 200);
  REQUIRE(s.at_platform("POST", "/admin/api/inventory_levels/set", R"({"sku":"C","available":7})").status == 200);

  const auto sweep = s.reconciled();
  INFO(boost::json::serialize(sweep));
  CHECK(sweep.at("reason") == "operator");
  CHECK(sweep.at("checked") == 3);
  std::map<std::string, std::pair<std::int64_t, std::int64_t>> found;
  for (const auto& d : sweep.at("differences").as_array())
    found[std::string(d.at("sku").as_string())] = {d.at("was").as_int64(), d.at("now").as_int64()};
  CHECK(found == std::map<std::string, std::pair<std::int64_t, std::int64_t>>{{"A", {5, 10}}, {"C", {0, 7}}});
  REQUIRE(eventually([&] { return s.on_hand("A") == 10 && s.on_hand("C") == 7; }));
  CHECK(s.on_hand("B") == 3);
  // Applied as a webhook, once: the product's history names the sweep as the count's source,
  // and the next sweep finds nothing new.
  auto counted_by_sweeps = [&](const std::string& sku) {
    int n = 0;
    const auto history = json(s.call("GET", "/v1/products/" + sku + "/events"));
    for (const auto& e : history.as_array())
      n += e.at("type") == "StockCounted" &&
           std::string(e.at("data").at("source").as_string()).rfind("reconciliation:reconcile-", 0) == 0;
    return n;
  };
  CHECK(s.reconciled().at("differences").as_array().empty());
  CHECK(counted_by_sweeps("A") == 1);
  CHECK(counted_by_sweeps("B") == 0);
  CHECK(counted_by_sweeps("C") == 1);
  CHECK(metric(s.call("GET", "/metrics").body, "commerce_reconciliation_differences_total") == 2);
}

TEST_CASE("the reconciliation schedule finds a dropped count without being asked", "[e2e][pricing][reconciliation]") {
  platform_and_node s({}, {{"COMMERCED_PRICING_RECONCILE_INTERVAL", "2s"}});
  REQUIRE(s.call("PUT", "/v1/products/S", price_body(1000)).status == 201);
  REQUIRE(s.at_platform("POST", "/admin/api/inventory_levels/set", R"({"sku":"S","available":4,"silent":true})").status == 200);
  CHECK(eventually([&] { return s.on_hand("S") == 4; }, 10));
  CHECK(metric(s.call("GET", "/metrics").body, "commerce_reconciliation_sweeps_total") >= 2);
}

TEST_CASE("without a store platform a reconciliation is refused, not left waiting", "[e2e][pricing][reconciliation]") {
  api_node n;
  check_problem(n.as_admin("POST", "/admin/reconcile"), 503, "unavailable");
  CHECK(n.call("POST", "/admin/reconcile").status == 401);
}

TEST_CASE("a campaign fired by a count reconciliation found audits it as reconciliation", "[e2e][pricing][reconciliation]") {
  platform_and_node s;
  REQUIRE(s.call("PUT", "/v1/products/R", price_body(1000)).status == 201);
  REQUIRE(s.call("POST", "/v1/products/R/stock", R"({"delta":10,"reason":"delivery"})").status == 200);
  const auto created = s.call("POST", "/v1/campaigns", R"({"name":"Scarce","skus":["R"],"trigger":{"inventory_below":5},)"
                                                       R"("rule":{"type":"percent","percent":20}})");
  REQUIRE(created.status == 201);
  const auto id = std::string(json(created).at("id").as_string());
  REQUIRE(s.call("PATCH", "/v1/campaigns/" + id, R"({"status":"active"})").status == 200);
  // The platform counts 2 and says nothing: only the sweep finds it.
  REQUIRE(s.at_platform("POST", "/admin/api/inventory_levels/set", R"({"sku":"R","available":2,"silent":true})").status == 200);
  s.reconciled();
  boost::json::value audit;
  REQUIRE(eventually([&] {
    audit = json(s.call("GET", "/v1/campaigns/" + id + "/audit"));
    return !audit.at("items").as_array().empty();
  }));
  const auto& entry = audit.at("items").at(0);
  CHECK(entry.at("reason") == "reconciliation");
  CHECK(entry.at("new_price").at("amount") == 1200);
  CHECK(json(s.call("GET", "/v1/products/R")).at("price").at("amount") == 1200);
}
