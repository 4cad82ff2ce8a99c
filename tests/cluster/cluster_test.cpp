// The cluster (API.md, Cluster) with real commerced processes on one PostgreSQL: every node
// answers for every entity, the shard map covers each shard exactly once, a node killed with -9
// has its shards served again by the others once its lease has run out (also in the middle of
// a checkout load, with the provider's charges equal to the paid orders), a planned leave and a
// node joining under load fail no request.
#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

#include <signal.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

struct cluster {
  scratch_database db;
  std::map<std::string, std::string> settings;  // every node's, on top of the cluster's own
  std::vector<std::unique_ptr<node_process>> nodes;

  explicit cluster(int size, std::map<std::string, std::string> extra = {}) : settings(std::move(extra)) {
    settings.emplace("COMMERCED_PAYMENT_URL", "http://127.0.0.1:9");
    settings.emplace("COMMERCED_MESSAGING_URL", "http://127.0.0.1:9");
    for (int i = 0; i < size; ++i) add();
  }
  // One more node: node-a, node-b, ... in order.
  void add() {
    auto env = settings;
    env["COMMERCED_CLUSTER_ENABLED"] = "true";
    env["COMMERCED_CLUSTER_NODE_ID"] = "node-" + std::string(1, static_cast<char>('a' + nodes.size()));
    env["COMMERCED_CLUSTER_PORT"] = std::to_string(free_port());
    env["COMMERCED_CLUSTER_LEASE"] = "1500ms";
    env["COMMERCED_HTTP_PORT"] = std::to_string(free_port());
    nodes.push_back(std::make_unique<node_process>(on(db, std::move(env))));
  }
  std::uint16_t port(std::size_t i) const { return nodes[i]->port(); }
  http_reply call(std::size_t i, const std::string& method, const std::string& target, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
    return http_call(port(i), method, target, body, headers);
  }
  boost::json::value map_of(std::size_t i) {
    const auto r = call(i, "GET", "/admin/cluster", "", admin);
    REQUIRE(r.status == 200);
    return json(r);
  }
  // Every live node sees `expected` nodes up, and they agree on every shard's owner, each of
  // which is one of them.
  bool settled(const std::set<std::size_t>& live, std::size_t expected) {
    std::string first;
    for (const auto i : live) {
      const auto view = map_of(i);
      std::set<std::string> up;
      for (const auto& n : view.at("nodes").as_array())
        if (n.at("status") == "up") up.insert(std::string(n.at("id").as_string()));
      const auto& owners = view.at("shards").at("owners").as_object();
      if (up.size() != expected || static_cast<std::int64_t>(owners.size()) != view.at("shards").at("count").as_int64()) return false;
      for (const auto& [shard, owner] : owners)  // null while a shard moves
        if (!owner.is_string() || !up.count(std::string(owner.as_string()))) return false;
      const auto text = boost::json::serialize(owners);
      if (!first.empty() && text != first) return false;
      first = text;
    }
    return true;
  }
  void wait_settled(const std::set<std::size_t>& live, std::size_t expected, std::chrono::seconds within = 15s) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (!settled(live, expected)) {
      REQUIRE(std::chrono::steady_clock::now() < until);
      std::this_thread::sleep_for(100ms);
    }
  }
};

std::string cart_id(const http_reply& r) {
  INFO(r.status << " " << r.body);
  REQUIRE(r.status == 201);
  return std::string(json(r).at("id").as_string());
}

// One client per node in `through`, reading `carts` and setting a line of `sku` on them in turn
// until stopped, counting what did not answer 200.
struct background_load {
  std::atomic<bool> done{false};
  std::atomic<int> requests{0}, failed{0};
  std::mutex failure_mutex;
  std::string first_failure;
  std::vector<std::thread> clients;

  background_load(cluster& c, const std::vector<std::size_t>& through, const std::vector<std::string>& carts,
                  const std::string& sku) {
    for (const auto node : through)
      clients.emplace_back([this, port = c.port(node), &carts, sku] {
        http_connection conn(port);
        for (std::size_t i = 0; !done; ++i) {
          const auto& cart = carts[i % carts.size()];
          const auto r = i % 2 ? conn.request("GET", "/v1/carts/" + cart)
                               : conn.request("PUT", "/v1/carts/" + cart + "/items/" + sku,
                                              R"({"quantity":)" + std::to_string(1 + i % 3) + "}");
          ++requests;
          if (r.status == 200) continue;
          ++failed;
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (first_failure.empty()) first_failure = std::to_string(r.status) + " " + r.body;
        }
      });
  }
  ~background_load() { stop(); }
  void stop() {
    done = true;
    for (auto& t : clients)
      if (t.joinable()) t.join();
  }
};

}  // namespace

TEST_CASE("three nodes answer for every entity, and the shard map covers each shard once", "[cluster]") {
  cluster c(3);
  c.wait_settled({0, 1, 2}, 3);
  const auto view = c.map_of(0);
  CHECK(view.at("self") == "node-a");
  CHECK(view.at("shards").at("count") == 256);
  std::map<std::string, int> shards_per_node;
  for (const auto& [shard, owner] : view.at("shards").at("owners").as_object())
    ++shards_per_node[std::string(owner.as_string())];
  CHECK(shards_per_node.size() == 3);
  for (const auto& n : view.at("nodes").as_array())
    CHECK(n.at("shards").as_int64() == shards_per_node[std::string(n.at("id").as_string())]);

  // A product written through one node reads the same through the others, served by its owner.
  REQUIRE(c.call(0, "PUT", "/v1/products/MUG-1", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c.call(1, "POST", "/v1/products/MUG-1/stock", R"({"delta":5000,"reason":"delivery"})", admin).status == 200);
  const auto a = c.call(0, "GET", "/v1/products/MUG-1"), b = c.call(1, "GET", "/v1/products/MUG-1"),
             third = c.call(2, "GET", "/v1/products/MUG-1");
  CHECK(a.body == b.body);
  CHECK(b.body == third.body);
  CHECK(a.headers.at("x-served-by") == b.headers.at("x-served-by"));
  CHECK(json(a).at("inventory").at("on_hand") == 5000);

  // 1,000 carts opened round the nodes live on all three, and each reads back through another.
  std::map<std::string, int> served;
  std::vector<std::pair<std::string, std::size_t>> carts;
  for (std::size_t i = 0; i < 1000; ++i) {
    const auto r = c.call(i % 3, "POST", "/v1/carts", R"({"currency":"EUR"})");
    REQUIRE(r.status == 201);
    ++served[r.headers.at("x-served-by")];
    carts.emplace_back(cart_id(r), i % 3);
  }
  CHECK(served.size() == 3);
  for (const auto& [node, count] : served) CHECK(count > 200);
  int read_back = 0;
  for (std::size_t i = 0; i < carts.size(); i += 7) {
    const auto r = c.call((carts[i].second + 1) % 3, "GET", "/v1/carts/" + carts[i].first);
    read_back += r.status == 200 && json(r).at("id") == carts[i].first.c_str();
  }
  CHECK(read_back == static_cast<int>((carts.size() + 6) / 7));
  // A line set through a node that does not own the cart reserves stock on the product's owner.
  const auto& [cart, opened_on] = carts.front();
  CHECK(c.call((opened_on + 2) % 3, "PUT", "/v1/carts/" + cart + "/items/MUG-1", R"({"quantity":2})").status == 200);
  CHECK(json(c.call(opened_on, "GET", "/v1/products/MUG-1")).at("inventory").at("reserved") == 2);
  // Carts opened through a node that does not own them went to their owner.
  long long forwarded = 0;
  for (std::size_t i = 0; i < 3; ++i)
    forwarded += std::max(0LL, metric(c.call(i, "GET", "/metrics").body, "commerce_cluster_forwarded_total{kind=\"cart\"}"));
  CHECK(forwarded > 300);
}

TEST_CASE("a node killed with -9 has its shards served again once its lease has run out", "[cluster]") {
  cluster c(3);
  c.wait_settled({0, 1, 2}, 3);
  REQUIRE(c.call(0, "PUT", "/v1/products/KILL-1", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c.call(0, "POST", "/v1/products/KILL-1/stock", R"({"delta":1000,"reason":"delivery"})", admin).status == 200);
  std::vector<std::string> carts;
  for (int i = 0; i < 60; ++i) {
    const auto r = c.call(i % 3, "POST", "/v1/carts", R"({"currency":"EUR"})");
    REQUIRE(r.status == 201);
    carts.push_back(cart_id(r));
    REQUIRE(c.call(i % 3, "PUT", "/v1/carts/" + carts.back() + "/items/KILL-1", R"({"quantity":1})").status == 200);
  }
  ::kill(c.nodes[2]->pid(), SIGKILL);
  const auto killed_at = std::chrono::steady_clock::now();
  // The survivors take over node-c's shards once its lease (1.5 s) has run out.
  c.wait_settled({0, 1}, 2);
  const auto failover = std::chrono::steady_clock::now() - killed_at;
  INFO("every shard owned again after " << std::chrono::duration<double>(failover).count() << " s");
  CHECK(failover >= 1s);  // not before the lease could have run out
  CHECK(failover < 1500ms + 5s);

  // Every cart answers through the survivors at the first try, with the line it was
  // acknowledged with: nothing acknowledged was lost with the node.
  for (const auto& cart : carts) {
    const auto r = c.call(0, "GET", "/v1/carts/" + cart);
    INFO(r.body);
    REQUIRE(r.status == 200);
    CHECK(r.headers.at("x-served-by") != "node-c");
    CHECK(json(r).at("items").at(0).at("quantity") == 1);
  }
  CHECK(json(c.call(1, "GET", "/v1/products/KILL-1")).at("inventory").at("reserved") == 60);
}

TEST_CASE("a planned leave under load hands every shard over without a failed request", "[cluster]") {
  cluster c(3);
  c.wait_settled({0, 1, 2}, 3);
  REQUIRE(c.call(0, "PUT", "/v1/products/LEAVE-1", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c.call(0, "POST", "/v1/products/LEAVE-1/stock", R"({"delta":100000,"reason":"delivery"})", admin).status == 200);
  std::vector<std::string> carts;
  for (int i = 0; i < 30; ++i) carts.push_back(cart_id(c.call(i % 2, "POST", "/v1/carts", R"({"currency":"EUR"})")));

  // Two clients on the nodes that stay: reads and line changes, all the while.
  background_load load(c, {0, 1}, carts, "LEAVE-1");
  std::this_thread::sleep_for(500ms);
  check_problem(c.call(0, "POST", "/admin/cluster/nodes/node-x/leave", "", admin), 404, "not_found");
  const auto asked = c.call(0, "POST", "/admin/cluster/nodes/node-c/leave", "", admin);
  CHECK(asked.status == 202);
  CHECK(json(asked).at("status") == "leaving");
  const int status = c.nodes[2]->wait_exit(15'000);  // it hands over, then stops by itself
  std::this_thread::sleep_for(500ms);
  load.stop();
  CHECK(status == 0);
  INFO(load.first_failure);
  CHECK(load.requests > 100);
  CHECK(load.failed == 0);
  c.wait_settled({0, 1}, 2);
  bool c_down = false;
  const auto view = c.map_of(0);
  for (const auto& n : view.at("nodes").as_array())
    if (n.at("id") == "node-c") c_down = n.at("status") == "down";
  CHECK(c_down);
}

TEST_CASE("a node stopped past its lease stops serving, and rejoins cleanly when it wakes", "[cluster]") {
  cluster c(3);
  c.wait_settled({0, 1, 2}, 3);
  std::vector<std::string> carts;
  for (int i = 0; i < 30; ++i) carts.push_back(cart_id(c.call(i % 3, "POST", "/v1/carts", R"({"currency":"EUR"})")));

  ::kill(c.nodes[2]->pid(), SIGSTOP);  // hung: no renewal, no answer
  c.wait_settled({0, 1}, 2);
  for (const auto& cart : carts) {
    const auto r = c.call(1, "GET", "/v1/carts/" + cart);
    REQUIRE(r.status == 200);
    CHECK(r.headers.at("x-served-by") != "node-c");
  }
  ::kill(c.nodes[2]->pid(), SIGCONT);
  // Awake, it serves nothing on its old view; it renews, reads the owners, takes its share back.
  c.wait_settled({0, 1, 2}, 3);
  std::set<std::string> served_by;
  for (const auto& cart : carts) {
    const auto r = c.call(2, "GET", "/v1/carts/" + cart);
    REQUIRE(r.status == 200);
    served_by.insert(r.headers.at("x-served-by"));
  }
  CHECK(served_by.count("node-c") == 1);  // it serves its shards again
  CHECK(served_by.size() == 3);
}

TEST_CASE("a fourth node joining under load takes its share of the shards without a failed request", "[cluster]") {
  cluster c(3);
  c.wait_settled({0, 1, 2}, 3);
  REQUIRE(c.call(0, "PUT", "/v1/products/JOIN-1", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c.call(0, "POST", "/v1/products/JOIN-1/stock", R"({"delta":100000,"reason":"delivery"})", admin).status == 200);
  std::vector<std::string> carts;
  for (int i = 0; i < 40; ++i) carts.push_back(cart_id(c.call(i % 3, "POST", "/v1/carts", R"({"currency":"EUR"})")));

  background_load load(c, {0, 1, 2}, carts, "JOIN-1");
  std::this_thread::sleep_for(500ms);
  c.add();  // node-d
  c.wait_settled({0, 1, 2, 3}, 4);
  std::this_thread::sleep_for(500ms);
  load.stop();
  INFO(load.first_failure);
  CHECK(load.requests > 100);
  CHECK(load.failed == 0);

  // Rendezvous hashing gives the newcomer about a quarter, taken from each of the others.
  std::map<std::string, int> shards_per_node;
  const auto view = c.map_of(3);
  for (const auto& [shard, owner] : view.at("shards").at("owners").as_object())
    ++shards_per_node[std::string(owner.as_string())];
  CHECK(shards_per_node.size() == 4);
  CHECK(shards_per_node["node-d"] > 30);
  std::set<std::string> served_by;
  for (const auto& cart : carts) {
    const auto r = c.call(3, "GET", "/v1/carts/" + cart);
    REQUIRE(r.status == 200);
    served_by.insert(r.headers.at("x-served-by"));
  }
  CHECK(served_by.count("node-d") == 1);
}

TEST_CASE("a node killed with -9 under checkout load: no acknowledged order lost, charges equal paid orders",
          "[cluster][checkout]") {
  sandbox_process sandbox(50);
  cluster c(3, {{"COMMERCED_PAYMENT_URL", sandbox.url()},
                {"COMMERCED_MESSAGING_URL", sandbox.url()},
                {"COMMERCED_CART_RESERVATION_TTL", "10m"},
                {"COMMERCED_CHECKOUT_RESUME_AFTER", "1s"},
                {"COMMERCED_TIMERS_POLL_INTERVAL", "50ms"}});
  c.wait_settled({0, 1, 2}, 3);
  constexpr int buyers = 90;
  constexpr std::int64_t stock = 1000;
  REQUIRE(c.call(0, "PUT", "/v1/products/hot", R"({"name":"Hot","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(c.call(1, "POST", "/v1/products/hot/stock", R"({"delta":1000,"reason":"delivery"})", admin).status == 200);
  std::vector<std::string> carts;
  for (int i = 0; i < buyers; ++i) {
    carts.push_back(cart_id(c.call(i % 3, "POST", "/v1/carts", R"({"currency":"EUR"})")));
    REQUIRE(c.call(i % 3, "PUT", "/v1/carts/" + carts.back() + "/items/hot", R"({"quantity":1})").status == 200);
  }

  // Buyers check out through the two nodes that stay; node-c, which owns a third of the carts,
  // checkouts and the product's neighbours, is killed once ten orders are acknowledged.
  const std::string checkout_body =
      R"({"email":"ann@example.com","shipping_address":{"city":"Berlin"},"payment":{"token":"tok_ok"}})";
  std::mutex mutex;
  std::vector<std::string> acknowledged;
  std::atomic<int> next{0};
  std::vector<std::thread> buyers_threads;
  for (int t = 0; t < 6; ++t)
    buyers_threads.emplace_back([&, t] {
      http_connection conn(c.port(static_cast<std::size_t>(t % 2)));
      for (int i; (i = next++) < buyers;) {
        const auto r = conn.request("POST", "/v1/carts/" + carts[static_cast<std::size_t>(i)] + "/checkout", checkout_body);
        std::lock_guard<std::mutex> lock(mutex);
        if (r.status == 201) acknowledged.push_back(std::string(json(r).at("id").as_string()));
      }
    });
  for (int i = 0; i < 1000; ++i) {
    {
      std::lock_guard<std::mutex> lock(mutex);
      if (acknowledged.size() >= 10) break;
    }
    std::this_thread::sleep_for(5ms);
  }
  ::kill(c.nodes[2]->pid(), SIGKILL);
  for (auto& t : buyers_threads) t.join();
  c.wait_settled({0, 1}, 2);
  INFO("acknowledged: " << acknowledged.size());
  REQUIRE(acknowledged.size() >= 10);

  // Interrupted checkouts resume on the shards' new owners (their timers fire there) and finish.
  std::map<std::string, std::string> status_of;
  for (int round = 0; round < 300; ++round) {
    bool settled = true;
    for (const auto& cart : carts) {
      const auto r = c.call(static_cast<std::size_t>(round % 2), "GET", "/v1/carts/" + cart);
      status_of[cart] = r.status == 200 ? std::string(json(r).at("status").as_string()) : "unanswered";
      settled = settled && status_of[cart] != "checking_out" && status_of[cart] != "unanswered";
    }
    if (settled) break;
    std::this_thread::sleep_for(100ms);
  }
  std::set<std::string> paid_orders;
  for (const auto& cart : carts) {
    INFO("cart " << cart << ": " << status_of[cart]);
    REQUIRE(status_of[cart] != "checking_out");
    REQUIRE(status_of[cart] != "unanswered");
    if (status_of[cart] != "converted") continue;
    const auto order_id = std::string(json(c.call(0, "GET", "/v1/carts/" + cart)).at("order_id").as_string());
    CHECK(json(c.call(1, "GET", "/v1/orders/" + order_id)).at("status") == "paid");
    paid_orders.insert(order_id);
  }
  for (const auto& id : acknowledged) CHECK(paid_orders.count(id) == 1);

  // Every charge at the provider belongs to a paid order, each once.
  std::set<std::string> charged_orders;
  for (const auto& charge : sandbox.charges()) {
    const auto key = std::string(charge.at("idempotency_key").as_string());  // chk_<cart>_<version>/charge
    const auto order_id = "ord_" + key.substr(4, key.find('/') - 4);
    CHECK(charged_orders.insert(order_id).second);
    CHECK(paid_orders.count(order_id) == 1);
  }
  CHECK(charged_orders.size() == paid_orders.size());

  const auto inventory = json(c.call(0, "GET", "/v1/products/hot")).at("inventory");
  CHECK(inventory.at("sold") == static_cast<std::int64_t>(paid_orders.size()));
  CHECK(inventory.at("on_hand") == stock - static_cast<std::int64_t>(paid_orders.size()));
  CHECK(inventory.at("on_hand").as_int64() == inventory.at("available").as_int64() + inventory.at("reserved").as_int64());
  CHECK(inventory.at("reserved") == static_cast<std::int64_t>(buyers - paid_orders.size()));
}
