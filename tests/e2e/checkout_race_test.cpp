// Checkout under contention and under a crash (issue 6): many buyers at once over sockets, and
// a node killed with SIGKILL in the middle of a checkout load. The invariants are checked from
// outside: the orders, the stock and the provider's own list of charges must agree.
#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

#include <atomic>
#include <chrono>
#include <mutex>
#include <optional>
#include <set>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string checkout_body =
    R"({"email":"ann@example.com","shipping_address":{"city":"Berlin"},"payment":{"token":"tok_ok"}})";

std::string text_at(const boost::json::value& v, const char* key) {
  const auto& field = v.at(key);
  return field.is_string() ? std::string(field.as_string()) : std::string();
}

// Runs `work(i)` for i in [0, n) on `threads` threads, each with its own connections.
template <class Work>
void in_parallel(int n, int threads, Work work) {
  std::atomic<int> next{0};
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&] {
      for (int i; (i = next++) < n;) work(i);
    });
  for (auto& t : pool) t.join();
}

}  // namespace

TEST_CASE("200 buyers race for 100 units: 100 paid orders, every loser told insufficient_stock", "[e2e][checkout][race]") {
  sandbox_process sandbox;
  api_node n({{"COMMERCED_PAYMENT_URL", sandbox.url()}, {"COMMERCED_CART_RESERVATION_TTL", "10m"}});
  n.product("hot", 100);

  std::mutex mutex;
  std::vector<std::string> paid;
  std::map<std::string, int> losers;  // by where they lost
  std::vector<std::string> unexpected;
  in_parallel(200, 16, [&](int) {  // no Catch assertions on these threads: they are not thread-safe
    http_connection c(n.node.port());
    const auto cart = c.request("POST", "/v1/carts", R"({"currency":"EUR"})");
    const auto id = std::string(json(cart).at("id").as_string());
    const auto added = c.request("PUT", "/v1/carts/" + id + "/items/hot", R"({"quantity":1})");
    std::optional<http_reply> bought;
    if (added.status == 200) bought = c.request("POST", "/v1/carts/" + id + "/checkout", checkout_body);
    std::lock_guard<std::mutex> lock(mutex);
    if (added.status != 200) {
      if (added.status == 409 && json(added).at("code") == "insufficient_stock") ++losers["add to cart"];
      else unexpected.push_back("add: " + std::to_string(added.status) + " " + added.body);
    } else if (bought->status == 201) {
      paid.push_back(std::string(json(*bought).at("id").as_string()));
    } else if (bought->status == 409 && json(*bought).at("code") == "insufficient_stock") {
      ++losers["checkout"];
    } else {
      unexpected.push_back("checkout: " + std::to_string(bought->status) + " " + bought->body);
    }
  });

  INFO("unexpected answers: " << unexpected.size() << (unexpected.empty() ? "" : " first: " + unexpected.front()));
  CHECK(unexpected.empty());  // no 5xx, no other refusal
  CHECK(paid.size() == 100);
  CHECK(losers["add to cart"] + losers["checkout"] == 100);
  const auto stock = n.inventory("hot");
  CHECK(stock.at("sold") == 100);
  CHECK(stock.at("on_hand") == 0);
  CHECK(stock.at("reserved") == 0);
  CHECK(stock.at("available") == 0);
  const auto charges = sandbox.charges();
  CHECK(charges.size() == paid.size());
  for (const auto& id : paid) CHECK(json(n.call("GET", "/v1/orders/" + id)).at("status") == "paid");
}

TEST_CASE("a node killed during a checkout load resumes every checkout: no lost order, no stray charge",
          "[e2e][checkout][crash]") {
  scratch_database db;
  sandbox_process sandbox;
  const std::map<std::string, std::string> env{{"COMMERCED_POSTGRES_DATABASE", db.name()},
                                               {"COMMERCED_PAYMENT_URL", sandbox.url()},
                                               {"COMMERCED_MESSAGING_URL", sandbox.url()},
                                               {"COMMERCED_MESSAGING_POLL_INTERVAL", "50ms"},
                                               {"COMMERCED_CART_RESERVATION_TTL", "10m"},
                                               {"COMMERCED_CHECKOUT_RESUME_AFTER", "1s"},
                                               {"COMMERCED_TIMERS_POLL_INTERVAL", "50ms"}};
  std::optional<node_process> node;
  node.emplace(env);
  constexpr int buyers = 80;
  constexpr std::int64_t stock = 1000;
  {
    http_connection c(node->port());
    REQUIRE(c.request("PUT", "/v1/products/hot", R"({"name":"Hot","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
    REQUIRE(c.request("POST", "/v1/products/hot/stock", R"({"delta":1000,"reason":"delivery"})", admin).status == 200);
  }
  std::vector<std::string> carts(buyers);
  std::atomic<int> filled{0};
  in_parallel(buyers, 8, [&](int i) {
    http_connection c(node->port());
    carts[i] = std::string(json(c.request("POST", "/v1/carts", R"({"currency":"EUR"})")).at("id").as_string());
    filled += c.request("PUT", "/v1/carts/" + carts[i] + "/items/hot", R"({"quantity":1})").status == 200;
  });
  REQUIRE(filled == buyers);

  // Checkouts on 8 threads; the node is killed once a few have been answered.
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<bool> killed{false};
  const auto port = node->port();
  std::thread killer([&] {
    for (int i = 0; i < 500; ++i) {
      {
        std::lock_guard<std::mutex> lock(mutex);
        if (acknowledged.size() >= 10) break;
      }
      std::this_thread::sleep_for(5ms);
    }
    node.reset();  // SIGKILL, mid-load
    killed = true;
  });
  in_parallel(buyers, 8, [&](int i) {
    if (killed) return;
    try {
      const auto r = http_call(port, "POST", "/v1/carts/" + carts[i] + "/checkout", checkout_body);
      if (r.status == 201) {
        std::lock_guard<std::mutex> lock(mutex);
        acknowledged.push_back(std::string(json(r).at("id").as_string()));
      }
    } catch (const std::exception&) {
      // the node died under this request: its outcome is for the restarted node to settle
    }
  });
  killer.join();
  REQUIRE(acknowledged.size() >= 10);
  INFO("acknowledged before the kill: " << acknowledged.size());

  node.emplace(env);
  http_connection c(node->port());
  // Interrupted checkouts resume from their durable deadline (1 s here) and finish.
  std::map<std::string, std::string> status_of;  // cart → status
  for (int round = 0; round < 200; ++round) {
    status_of.clear();
    bool settled = true;
    for (const auto& cart : carts) {
      const auto s = text_at(json(c.request("GET", "/v1/carts/" + cart)), "status");
      status_of[cart] = s;
      settled = settled && s != "checking_out";
    }
    if (settled) break;
    std::this_thread::sleep_for(100ms);
  }
  std::set<std::string> paid_orders;
  for (const auto& cart : carts) {
    INFO("cart " << cart);
    REQUIRE(status_of[cart] != "checking_out");
    if (status_of[cart] != "converted") continue;
    const auto order_id = text_at(json(c.request("GET", "/v1/carts/" + cart)), "order_id");
    const auto order = json(c.request("GET", "/v1/orders/" + order_id));
    CHECK(order.at("status") == "paid");
    paid_orders.insert(order_id);
  }
  for (const auto& id : acknowledged) CHECK(paid_orders.count(id) == 1);  // no acknowledged order lost

  // Every charge belongs to a paid order, each once.
  std::set<std::string> charged_orders;
  for (const auto& charge : sandbox.charges()) {
    const auto key = text_at(charge, "idempotency_key");  // chk_<cart>_<version>/charge
    const auto order_id = "ord_" + key.substr(4, key.find('/') - 4);
    CHECK(charged_orders.insert(order_id).second);
    CHECK(paid_orders.count(order_id) == 1);
  }
  CHECK(charged_orders.size() == paid_orders.size());

  const auto inventory = json(c.request("GET", "/v1/products/hot")).at("inventory");
  CHECK(inventory.at("sold") == static_cast<std::int64_t>(paid_orders.size()));
  CHECK(inventory.at("on_hand") == stock - static_cast<std::int64_t>(paid_orders.size()));
  CHECK(inventory.at("on_hand").as_int64() == inventory.at("available").as_int64() + inventory.at("reserved").as_int64());
  CHECK(inventory.at("reserved") == static_cast<std::int64_t>(buyers - paid_orders.size()));  // the open carts still hold theirs

  // Each paid order's confirmation sent once, whatever the kill interrupted, and counted once.
  std::set<std::string> confirmed;
  for (const auto& m : sandbox.messages_once(paid_orders.size())) {
    CHECK(m.at("template") == "order_confirmation");
    CHECK(confirmed.insert(text_at(m.at("data"), "order_id")).second);
  }
  CHECK(confirmed == paid_orders);
  CHECK(metric(c.request("GET", "/metrics").body, R"(commerce_orders_paid_total{currency="EUR"})") ==
        static_cast<long long>(paid_orders.size()));
}
