// The cluster (API.md, Cluster) with real commerced processes on one PostgreSQL: every node
// answers for every entity, the shard map covers each shard exactly once, a node killed with -9
// has its shards served again by the others once its lease has run out, and a planned leave
// under load fails no request.
#include "e2e/api_fixture.hpp"

#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <memory>
#include <set>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

// A port free now (bound and released): good enough for a test machine.
std::uint16_t free_port() {
  const int fd = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof addr);
  socklen_t length = sizeof addr;
  ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &length);
  ::close(fd);
  return ntohs(addr.sin_port);
}

struct cluster {
  scratch_database db;
  std::vector<std::string> ids;
  std::vector<std::unique_ptr<node_process>> nodes;

  explicit cluster(int size) {
    for (int i = 0; i < size; ++i) add("node-" + std::string(1, static_cast<char>('a' + i)));
  }
  void add(const std::string& id) {
    ids.push_back(id);
    nodes.push_back(std::make_unique<node_process>(on(db, {{"COMMERCED_CLUSTER_ENABLED", "true"},
                                                           {"COMMERCED_CLUSTER_NODE_ID", id},
                                                           {"COMMERCED_CLUSTER_PORT", std::to_string(free_port())},
                                                           {"COMMERCED_CLUSTER_LEASE", "1500ms"},
                                                           {"COMMERCED_HTTP_PORT", std::to_string(free_port())},
                                                           {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
                                                           {"COMMERCED_MESSAGING_URL", "http://127.0.0.1:9"}})));
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
      if (up.size() != expected || owners.size() != view.at("shards").at("count").as_int64()) return false;
      for (const auto& [shard, owner] : owners)
        if (!up.count(std::string(owner.as_string()))) return false;
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

std::string cart_id(const http_reply& r) { return std::string(json(r).at("id").as_string()); }

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
  std::atomic<bool> done{false};
  std::atomic<int> requests{0}, failed{0};
  std::string first_failure;
  std::mutex failure_mutex;
  std::vector<std::thread> clients;
  for (std::size_t node = 0; node < 2; ++node)
    clients.emplace_back([&, node] {
      http_connection conn(c.port(node));
      for (int i = 0; !done; ++i) {
        const auto& cart = carts[static_cast<std::size_t>(i) % carts.size()];
        const auto r = i % 2 ? conn.request("GET", "/v1/carts/" + cart)
                             : conn.request("PUT", "/v1/carts/" + cart + "/items/LEAVE-1",
                                            R"({"quantity":)" + std::to_string(1 + i % 3) + "}");
        ++requests;
        if (r.status != 200) {
          ++failed;
          std::lock_guard<std::mutex> lock(failure_mutex);
          if (first_failure.empty()) first_failure = std::to_string(r.status) + " " + r.body;
        }
      }
    });
  std::this_thread::sleep_for(500ms);
  check_problem(c.call(0, "POST", "/admin/cluster/nodes/node-x/leave", "", admin), 404, "not_found");
  const auto asked = c.call(0, "POST", "/admin/cluster/nodes/node-c/leave", "", admin);
  CHECK(asked.status == 202);
  CHECK(json(asked).at("status") == "leaving");
  const int status = c.nodes[2]->wait_exit(15'000);  // it hands over, then stops by itself
  std::this_thread::sleep_for(500ms);
  done = true;
  for (auto& t : clients) t.join();
  CHECK(status == 0);
  INFO(first_failure);
  CHECK(requests > 100);
  CHECK(failed == 0);
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
