// GET /v1/products/search (API.md, Streams and live updates): ranked full-text search over
// name, SKU and category with prefixes, pages, the Redis cache (hit, miss, TTL) and a renamed
// product dropping out of a cached page. Redis is a server of the test's own, so no other
// test's cached pages are seen.
#include "e2e/api_fixture.hpp"
#include "support/redis_process.hpp"

#include <atomic>
#include <optional>
#include <set>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

struct search_node {
  redis_process redis;
  api_node api{{{"COMMERCED_REDIS_PORT", std::to_string(redis.port())}, {"COMMERCED_SEARCH_CACHE_TTL", "3s"}}};

  void product(const std::string& sku, const std::string& name, const std::string& category) {
    const auto r = api.as_admin("PUT", "/v1/products/" + sku,
                                R"({"name":")" + name + R"(","price":{"amount":500,"currency":"EUR"},"category":")" +
                                    category + "\"}");
    REQUIRE((r.status == 201 || r.status == 200));
  }
  http_reply search(const std::string& query) { return api.call("GET", "/v1/products/search?" + query); }
  std::vector<std::string> skus(const http_reply& r) {
    std::vector<std::string> out;
    const auto body = json(r);  // kept: the loop reads into it
    for (const auto& item : body.at("items").as_array()) out.emplace_back(item.at("sku").as_string());
    return out;
  }
  // The index follows the journal: waits until `query` finds `total` products.
  http_reply search_until(const std::string& query, std::int64_t total) {
    auto r = search(query);
    for (int i = 0; i < 100 && !(r.status == 200 && json(r).at("total") == total); ++i) {
      std::this_thread::sleep_for(50ms);
      r = search(query);
    }
    INFO(r.body);
    REQUIRE(r.status == 200);
    REQUIRE(json(r).at("total") == total);
    return r;
  }
};

}  // namespace

TEST_CASE("search ranks name matches first, matches prefixes, SKUs and categories, and pages", "[e2e][search]") {
  search_node n;
  n.product("KIT-1", "Garden Kit", "tools");
  n.product("TOOL-1", "Hammer", "kit");
  n.product("MUG-1", "Blue Mug", "kitchen");
  for (int i = 1; i <= 25; ++i) n.product("LAMP-" + std::to_string(i), "Desk Lamp " + std::to_string(i), "lights");

  // "kit": a name (and SKU) match outranks a category match; "kitchen" matches as a prefix.
  const auto kit = n.search_until("q=kit", 3);
  CHECK(n.skus(kit).front() == "KIT-1");
  CHECK(n.skus(kit).back() != "KIT-1");
  CHECK(json(kit).at("query") == "kit");
  CHECK(n.skus(n.search_until("q=HAM", 1)) == std::vector<std::string>{"TOOL-1"});      // prefix, any case
  CHECK(n.skus(n.search_until("q=tools", 1)) == std::vector<std::string>{"KIT-1"});     // category
  CHECK(n.skus(n.search_until("q=mug-1", 1)) == std::vector<std::string>{"MUG-1"});     // SKU
  CHECK(n.search_until("q=blue%20lamp", 0).body.find("\"items\":[]") != std::string::npos);  // every term

  // Pages: 25 lamps, 10 a page, in a stable order without repeats.
  const auto first = n.search_until("q=lamp&per_page=10", 25);
  const auto third = n.search("q=lamp&per_page=10&page=3");
  const auto beyond = n.search("q=lamp&per_page=10&page=4");
  CHECK(n.skus(first).size() == 10);
  CHECK(n.skus(third).size() == 5);
  CHECK(json(beyond).at("total") == 25);
  CHECK(n.skus(beyond).empty());
  std::set<std::string> all;
  for (int page = 1; page <= 3; ++page)
    for (const auto& sku : n.skus(n.search("q=lamp&per_page=10&page=" + std::to_string(page)))) all.insert(sku);
  CHECK(all.size() == 25);
  // Items are products as GET /v1/products/{sku} shows them.
  CHECK(json(first).at("items").at(0).at("inventory").at("available") == 0);

  check_problem(n.search("q=%20%2A%20"), 422, "validation_failed");
  check_problem(n.search("q=lamp&per_page=0"), 422, "validation_failed");
  check_problem(n.search("q=lamp&page=x"), 422, "validation_failed");
}

// Both the index (a table) and the catalog's read model (in memory, read again from the journal's
// start at every start) follow the journal. After a restart the index holds a product that the
// read model reaches only after every event before it: a page must show it all the same.
TEST_CASE("a product the index holds before the catalog's read model does is still on its page", "[e2e][search]") {
  scratch_database db;
  redis_process redis;
  const auto env = on(db, {{"COMMERCED_REDIS_PORT", std::to_string(redis.port())}});
  std::optional<node_process> node(std::in_place, env);
  REQUIRE(http_call(node->port(), "PUT", "/v1/products/FILLER-1",
                    R"({"name":"Filler","price":{"amount":100,"currency":"EUR"}})", admin).status == 201);
  // Thousands of events ahead of the product in the journal.
  std::atomic<int> failed{0};
  std::vector<std::thread> writers;
  for (int t = 0; t < 4; ++t)
    writers.emplace_back([&] {
      http_connection c(node->port());
      for (int i = 0; i < 750; ++i)
        failed += c.request("POST", "/v1/products/FILLER-1/stock", R"({"delta":1,"reason":"delivery"})", admin)
                      .status != 200;
    });
  for (auto& w : writers) w.join();
  REQUIRE(failed == 0);
  REQUIRE(http_call(node->port(), "PUT", "/v1/products/LATE-1",
                    R"({"name":"Brass Lantern","price":{"amount":900,"currency":"EUR"}})", admin).status == 201);
  const auto indexed = [&] { return json(http_call(node->port(), "GET", "/v1/products/search?q=lantern")).at("total") == 1; };
  bool found = indexed();
  for (int i = 0; i < 300 && !found; ++i, found = indexed()) std::this_thread::sleep_for(50ms);
  REQUIRE(found);  // the index has it before the restart

  node.reset();
  node.emplace(env);
  const auto r = http_call(node->port(), "GET", "/v1/products/search?q=lantern");
  INFO(r.body);
  REQUIRE(r.status == 200);
  CHECK(json(r).at("total") == 1);
  REQUIRE(json(r).at("items").as_array().size() == 1);
  CHECK(json(r).at("items").at(0).at("sku") == "LATE-1");
  CHECK(json(r).at("items").at(0).at("name") == "Brass Lantern");
}

TEST_CASE("search pages are cached in Redis until their TTL or a product change", "[e2e][search][redis]") {
  search_node n;
  n.product("P-1", "Blue Mug", "kitchen");
  n.product("P-2", "Red Mug", "kitchen");
  n.search_until("q=mug", 2);

  const auto miss = n.search("q=%20MUG%20");  // the same normalised query as "mug"
  const auto hit = n.search("q=mug");
  CHECK((miss.headers.at("x-cache") == "miss" || miss.headers.at("x-cache") == "hit"));
  CHECK(hit.headers.at("x-cache") == "hit");
  CHECK(n.redis.command({"EXISTS", "search:mug:page:1"}).integer == 1);

  // Renamed out of the query: no stale hit lists it.
  n.product("P-2", "Red Cup", "kitchen");
  const auto after = n.search_until("q=mug", 1);
  CHECK(n.skus(after) == std::vector<std::string>{"P-1"});
  CHECK(after.headers.at("x-cache") == "miss");
  CHECK(n.search("q=mug").headers.at("x-cache") == "hit");

  // search.cache_ttl = 3s here.
  std::this_thread::sleep_for(3500ms);
  CHECK(n.search("q=mug").headers.at("x-cache") == "miss");

  const auto metrics = n.api.call("GET", "/metrics").body;
  CHECK(metric(metrics, R"(commerce_search_requests_total{cache="hit"})") >= 2);
  CHECK(metrics.find("commerce_search_cache_hit_ratio ") != std::string::npos);
}
