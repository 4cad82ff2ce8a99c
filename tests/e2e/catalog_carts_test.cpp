// API.md's catalog, carts (with reservations), entity history and operator routes, over real
// sockets against a running node on PostgreSQL.
#include "e2e/api_fixture.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <thread>

using namespace commerce::test;

TEST_CASE_METHOD(api, "products: create, update, read, stock, ETag and If-Match", "[e2e][catalog]") {
  auto created = as_admin("PUT", "/v1/products/MUG-1", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"},"category":"kitchen"})");
  REQUIRE(created.status == 201);
  CHECK(json(created).at("version") == 1);
  CHECK(created.headers.at("etag") == "\"1\"");
  CHECK(json(created).at("inventory").at("on_hand") == 0);

  CHECK(as_admin("PUT", "/v1/products/MUG-1", R"({"name":"Big mug","price":{"amount":1500,"currency":"EUR"}})").status == 200);
  auto stocked = as_admin("POST", "/v1/products/MUG-1/stock", R"({"delta":10,"reason":"delivery"})");
  REQUIRE(stocked.status == 200);
  CHECK(json(stocked).at("inventory") == boost::json::parse(R"({"on_hand":10,"available":10,"reserved":0,"sold":0})"));
  auto read = call("GET", "/v1/products/MUG-1");
  CHECK(json(read).at("name") == "Big mug");
  CHECK(json(read).at("version") == 3);

  auto stale = call("PUT", "/v1/products/MUG-1", R"({"name":"X","price":{"amount":1,"currency":"EUR"}})",
                    {{"Authorization", "Bearer test-admin-token"}, {"If-Match", "\"2\""}});
  check_problem(stale, 412, "precondition_failed");
  auto fresh = call("PUT", "/v1/products/MUG-1", R"({"name":"X","price":{"amount":1,"currency":"EUR"}})",
                    {{"Authorization", "Bearer test-admin-token"}, {"If-Match", "\"3\""}});
  CHECK(fresh.status == 200);

  check_problem(as_admin("POST", "/v1/products/MUG-1/stock", R"({"delta":-11,"reason":"count"})"), 409, "insufficient_stock");
  check_problem(call("GET", "/v1/products/NOPE"), 404, "not_found");
  check_problem(call("GET", "/v1/products/bad%20sku"), 422, "validation_failed");
}

namespace {

// The SKUs of a list page; the read model catches up within its poll interval, so a test waits
// for `expected` a moment before it compares.
std::vector<std::string> listed(std::uint16_t port, const std::string& query, const std::vector<std::string>& expected,
                                boost::json::value* page = nullptr) {
  std::vector<std::string> skus;
  for (int i = 0; i < 100; ++i) {
    const auto r = http_call(port, "GET", "/v1/products" + query);
    REQUIRE(r.status == 200);
    const auto body = json(r);
    skus.clear();
    for (const auto& item : body.at("items").as_array()) skus.emplace_back(item.at("sku").as_string());
    if (page) *page = body;
    if (skus == expected) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  return skus;
}

}  // namespace

TEST_CASE_METHOD(api, "products list: by category, cursor-paginated, from the read model", "[e2e][catalog]") {
  for (const auto* sku : {"B-2", "A-1", "C-3", "E-5", "D-4"})
    product(sku, 1, std::string(sku) < "C" ? "kitchen" : "garden & patio");
  CHECK(listed(node.port(), "", {"A-1", "B-2", "C-3", "D-4", "E-5"}) == std::vector<std::string>{"A-1", "B-2", "C-3", "D-4", "E-5"});
  CHECK(listed(node.port(), "?category=kitchen", {"A-1", "B-2"}) == std::vector<std::string>{"A-1", "B-2"});
  CHECK(listed(node.port(), "?category=garden%20%26%20patio", {"C-3", "D-4", "E-5"}) == std::vector<std::string>{"C-3", "D-4", "E-5"});
  CHECK(listed(node.port(), "?category=none", {}).empty());

  boost::json::value page;
  CHECK(listed(node.port(), "?limit=2", {"A-1", "B-2"}, &page) == std::vector<std::string>{"A-1", "B-2"});
  CHECK(page.at("next_cursor") == "B-2");
  CHECK(listed(node.port(), "?limit=2&cursor=B-2", {"C-3", "D-4"}, &page) == std::vector<std::string>{"C-3", "D-4"});
  CHECK(listed(node.port(), "?limit=2&cursor=D-4", {"E-5"}, &page) == std::vector<std::string>{"E-5"});
  CHECK(page.at("next_cursor").is_null());
  CHECK(page.at("items").at(0).at("inventory").at("on_hand") == 1);

  // A write shows up in the list.
  REQUIRE(as_admin("POST", "/v1/products/E-5/stock", R"({"delta":4,"reason":"delivery"})").status == 200);
  bool updated = false;
  for (int i = 0; i < 100 && !updated; ++i) {
    updated = json(call("GET", "/v1/products?cursor=D-4")).at("items").at(0).at("inventory").at("on_hand") == 5;
    if (!updated) std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  CHECK(updated);

  for (const auto* bad : {"?limit=0", "?limit=201", "?limit=ten"}) {
    auto r = call("GET", std::string("/v1/products") + bad);
    check_problem(r, 422, "validation_failed");
    CHECK(json(r).at("field") == "limit");
  }
}

TEST_CASE("the products list is rebuilt from the journal when a node starts", "[e2e][catalog]") {
  scratch_database db;
  const std::map<std::string, std::string> env{{"COMMERCED_POSTGRES_DATABASE", db.name()}};
  {
    node_process first(env);
    for (const auto* sku : {"X-1", "X-2"})
      REQUIRE(http_call(first.port(), "PUT", std::string("/v1/products/") + sku,
                        R"({"name":"Mug","price":{"amount":1,"currency":"EUR"}})", admin).status == 201);
    CHECK(first.stop() == 0);
  }
  node_process second(env);
  CHECK(listed(second.port(), "", {"X-1", "X-2"}) == std::vector<std::string>{"X-1", "X-2"});
}

TEST_CASE_METHOD(api, "catalog writes need the admin token", "[e2e][catalog]") {
  const std::string body = R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})";
  auto none = call("PUT", "/v1/products/MUG-2", body);
  check_problem(none, 401, "unauthorized");
  CHECK(none.headers.at("www-authenticate") == "Bearer");
  check_problem(call("PUT", "/v1/products/MUG-2", body, {{"Authorization", "Bearer wrong"}}), 403, "forbidden");
  check_problem(call("GET", "/admin/actors"), 401, "unauthorized");
  check_problem(call("GET", "/v1/products/MUG-2"), 404, "not_found");  // nothing was written
}

TEST_CASE_METHOD(api, "bad bodies get 400 or 422 naming the field, and change nothing", "[e2e][catalog]") {
  check_problem(as_admin("PUT", "/v1/products/MUG-3", "{not json"), 400, "invalid_json");
  check_problem(as_admin("PUT", "/v1/products/MUG-3", "[1,2]"), 400, "invalid_json");
  auto missing = as_admin("PUT", "/v1/products/MUG-3", R"({"price":{"amount":1200,"currency":"EUR"}})");
  check_problem(missing, 422, "validation_failed");
  CHECK(json(missing).at("field") == "name");
  auto wrong_type = as_admin("PUT", "/v1/products/MUG-3", R"({"name":5,"price":{"amount":1200,"currency":"EUR"}})");
  CHECK(json(wrong_type).at("field") == "name");
  auto bad_money = as_admin("PUT", "/v1/products/MUG-3", R"({"name":"Mug","price":{"amount":"12","currency":"EUR"}})");
  CHECK(json(bad_money).at("field") == "price.amount");
  auto unknown = as_admin("PUT", "/v1/products/MUG-3", R"({"name":"Mug","price":{"amount":1,"currency":"EUR"},"colour":"red"})");
  check_problem(unknown, 422, "validation_failed");
  CHECK(json(unknown).at("field") == "colour");
  auto huge = as_admin("POST", "/v1/products/MUG-3/stock", R"({"delta":99999999999999999999,"reason":"x"})");
  check_problem(huge, 422, "validation_failed");
  check_problem(call("GET", "/v1/products/MUG-3"), 404, "not_found");
}

// Reservations that outlive a test's checks: with the suite's 1 s TTL, a loaded machine (or a
// sanitized build) took long enough that reservations lapsed while they were being checked.
struct api_long_ttl : api_node {
  api_long_ttl() : api_node(std::map<std::string, std::string>{{"COMMERCED_CART_RESERVATION_TTL", "10m"}}) {}
};
// Short enough to wait for, long enough that what is reserved again is still held when checked.
struct api_3s_ttl : api_node {
  api_3s_ttl() : api_node(std::map<std::string, std::string>{{"COMMERCED_CART_RESERVATION_TTL", "3s"}}) {}
};

TEST_CASE_METHOD(api_long_ttl, "carts: lines reserve stock, lowering and removing release it", "[e2e][carts]") {
  product("TEA", 5);
  const auto id = cart();
  auto got = call("GET", "/v1/carts/" + id);
  REQUIRE(got.status == 200);
  CHECK(json(got).at("status") == "open");
  CHECK(json(got).at("items").as_array().empty());

  auto set = call("PUT", "/v1/carts/" + id + "/items/TEA", R"({"quantity":3})");
  REQUIRE(set.status == 200);
  const auto set_body = json(set);
  const auto& line = set_body.at("items").at(0);
  CHECK(line.at("quantity") == 3);
  CHECK(line.at("reserved") == true);
  CHECK(line.at("unit_price") == boost::json::parse(R"({"amount":1200,"currency":"EUR"})"));
  CHECK(line.at("line_total").at("amount") == 3600);
  CHECK(set_body.at("subtotal").at("amount") == 3600);
  CHECK(inventory("TEA") == boost::json::parse(R"({"on_hand":5,"available":2,"reserved":3,"sold":0})"));

  auto too_many = call("PUT", "/v1/carts/" + id + "/items/TEA", R"({"quantity":6})");
  check_problem(too_many, 409, "insufficient_stock");
  CHECK(json(too_many).at("available") == 5);  // what this cart could hold: its own 3 + 2 free
  CHECK(inventory("TEA").at("reserved") == 3);

  REQUIRE(call("PUT", "/v1/carts/" + id + "/items/TEA", R"({"quantity":1})").status == 200);
  CHECK(inventory("TEA").at("reserved") == 1);
  auto removed = call("DELETE", "/v1/carts/" + id + "/items/TEA");
  REQUIRE(removed.status == 200);
  CHECK(json(removed).at("items").as_array().empty());
  CHECK(inventory("TEA").at("reserved") == 0);

  check_problem(call("PUT", "/v1/carts/" + id + "/items/NOPE", R"({"quantity":1})"), 404, "not_found");
  check_problem(call("PUT", "/v1/carts/nope/items/TEA", R"({"quantity":1})"), 404, "not_found");
  check_problem(call("PUT", "/v1/carts/" + id + "/items/TEA", R"({"quantity":-1})"), 422, "validation_failed");
  check_problem(call("POST", "/v1/carts", R"({"currency":"euro"})"), 422, "validation_failed");
  CHECK(inventory("TEA").at("reserved") == 0);
}

TEST_CASE_METHOD(api_3s_ttl, "a cart's reservations expire after the TTL and re-reserve on the next change", "[e2e][carts]") {
  product("CUP", 4);
  product("PLATE", 5);
  product("SPOON", 1);
  const auto id = cart();
  REQUIRE(call("PUT", "/v1/carts/" + id + "/items/CUP", R"({"quantity":2})").status == 200);
  REQUIRE(call("PUT", "/v1/carts/" + id + "/items/PLATE", R"({"quantity":3})").status == 200);
  REQUIRE(call("PUT", "/v1/carts/" + id + "/items/SPOON", R"({"quantity":1})").status == 200);
  // TTL 3 s, timers polled every 50 ms: wait for both actors to let go.
  bool expired = false;
  for (int i = 0; i < 300 && !expired; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    const auto items = json(call("GET", "/v1/carts/" + id)).at("items");
    expired = inventory("CUP").at("reserved") == 0 && inventory("PLATE").at("reserved") == 0 &&
              items.at(0).at("reserved") == false && items.at(1).at("reserved") == false;
  }
  REQUIRE(expired);
  // Meanwhile someone else takes the last spoon: that line cannot be reserved again.
  const auto other = cart();
  REQUIRE(call("PUT", "/v1/carts/" + other + "/items/SPOON", R"({"quantity":1})").status == 200);

  auto again = call("PUT", "/v1/carts/" + id + "/items/CUP", R"({"quantity":2})");
  REQUIRE(again.status == 200);
  const auto items = json(again).at("items");  // in SKU order
  CHECK(items.at(0).at("sku") == "CUP");
  CHECK(items.at(0).at("reserved") == true);
  CHECK(items.at(1).at("sku") == "PLATE");
  CHECK(items.at(1).at("reserved") == true);  // re-reserved with the change of another line
  CHECK(items.at(2).at("sku") == "SPOON");
  CHECK(items.at(2).at("reserved") == false);  // no stock for it now; checkout tries again
  CHECK(inventory("CUP").at("reserved") == 2);
  CHECK(inventory("PLATE").at("reserved") == 3);
  CHECK(inventory("SPOON") == boost::json::parse(R"({"on_hand":1,"available":0,"reserved":1,"sold":0})"));
}


TEST_CASE_METHOD(api_long_ttl, "200 concurrent carts racing for the last 100 units: exactly 100 reserved", "[e2e][carts]") {
  product("LAST", 100);
  std::vector<std::string> carts;
  for (int i = 0; i < 200; ++i) carts.push_back(cart());
  std::atomic<int> ok{0}, out_of_stock{0}, other{0};
  std::vector<std::thread> clients;
  for (int t = 0; t < 8; ++t)
    clients.emplace_back([&, t] {
      http_connection own(node.port());
      for (int i = t; i < 200; i += 8) {
        const auto r = own.request("PUT", "/v1/carts/" + carts[i] + "/items/LAST", R"({"quantity":1})");
        if (r.status == 200) ++ok;
        else if (r.status == 409 && boost::json::parse(r.body).at("code") == "insufficient_stock") ++out_of_stock;
        else ++other;
      }
    });
  for (auto& t : clients) t.join();
  CHECK(ok == 100);
  CHECK(out_of_stock == 100);
  CHECK(other == 0);
  CHECK(inventory("LAST") == boost::json::parse(R"({"on_hand":100,"available":0,"reserved":100,"sold":0})"));
}

TEST_CASE_METHOD(api, "entity history and the supervision tree for operators", "[e2e][operations]") {
  product("BOWL", 3);
  auto history = as_admin("GET", "/v1/products/BOWL/events");
  REQUIRE(history.status == 200);
  const auto events = json(history).as_array();
  REQUIRE(events.size() == 2);
  CHECK(events[0].at("type") == "ProductCreated");
  CHECK(events[1].at("type") == "StockAdjusted");
  CHECK(events[1].at("data").at("delta") == 3);
  CHECK(events[1].at("version") == 2);
  CHECK(json(as_admin("GET", "/v1/products/BOWL/events?from=2")).as_array().size() == 1);

  auto tree = as_admin("GET", "/admin/actors");
  REQUIRE(tree.status == 200);
  const auto root = json(tree);
  CHECK(root.at("id") == "commerced");
  CHECK(root.at("strategy") == "one_for_one");
  std::vector<std::string> children;
  for (const auto& c : root.at("children").as_array()) children.emplace_back(c.at("id").as_string());
  CHECK(children == std::vector<std::string>{"storage", "payments", "entities", "read_models", "timer_service", "live_hub",
                                            "gateway", "event_handlers", "pricing", "customers", "search", "streams"});
  std::vector<std::string> handlers;
  for (const auto& c : root.at("children").at(7).at("children").as_array()) handlers.emplace_back(c.at("id").as_string());
  CHECK(handlers == std::vector<std::string>{"order_effects_store", "order_handlers", "order_handlers_feed",
                                            "alert_notifier", "alert_notifier_feed", "outbox_relay"});
  std::vector<std::string> kinds;
  for (const auto& c : root.at("children").at(2).at("children").as_array()) kinds.emplace_back(c.at("id").as_string());
  CHECK(kinds == std::vector<std::string>{"alert", "product", "cart", "order", "checkout", "webhook", "pricing_job", "campaign",
                                                "reconciliation", "identity", "profile", "profile_merge",
                                                "merge_review", "audit"});
  std::vector<std::string> pricing;
  for (const auto& c : root.at("children").at(8).at("children").as_array()) pricing.emplace_back(c.at("id").as_string());
  CHECK(pricing == std::vector<std::string>{"webhook_processor", "webhook_processor_feed", "pricing_job_runner",
                                           "pricing_job_runner_feed", "campaign_driver", "campaign_driver_feed"});

  auto letters = as_admin("GET", "/admin/dead-letters");
  REQUIRE(letters.status == 200);
  CHECK(json(letters).at("items").as_array().empty());
  check_problem(as_admin("POST", "/admin/dead-letters/999/retry"), 404, "not_found");
  check_problem(as_admin("DELETE", "/admin/dead-letters/999"), 404, "not_found");
}

TEST_CASE_METHOD(api, "readyz answers 200 only while PostgreSQL answers, healthz regardless", "[e2e][operations][outage]") {
  auto ready = call("GET", "/readyz");
  for (int i = 0; i < 100 && ready.status != 200; ++i) {  // 503 until the read models caught up
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    ready = call("GET", "/readyz");
  }
  REQUIRE(ready.status == 200);
  CHECK(json(ready).at("status") == "ready");

  const auto control = required_env("COMMERCE_TEST_PG_CONTROL");
  REQUIRE(std::system((control + " kill >/dev/null 2>&1").c_str()) == 0);
  const auto down = call("GET", "/readyz");
  CHECK(std::system((control + " start >/dev/null 2>&1").c_str()) == 0);  // before any REQUIRE can leave it down
  check_problem(down, 503, "not_ready");
  CHECK(down.headers.at("retry-after") == "1");
  CHECK(call("GET", "/healthz").status == 200);

  bool back = false;
  std::string last;
  for (int i = 0; i < 100 && !back; ++i) {
    const auto r = call("GET", "/readyz");
    back = r.status == 200;
    last = r.body;
    if (!back) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  INFO(last);
  CHECK(back);  // the node reconnects by itself
}

TEST_CASE_METHOD(api, "metrics: requests by route and status, latencies, journal batches, mailboxes, restarts", "[e2e][operations]") {
  product("PEN", 2);
  const auto id = cart();
  REQUIRE(call("PUT", "/v1/carts/" + id + "/items/PEN", R"({"quantity":1})").status == 200);
  check_problem(call("PUT", "/v1/carts/" + id + "/items/PEN", R"({"quantity":9})"), 409, "insufficient_stock");
  check_problem(call("GET", "/nowhere"), 404, "not_found");

  const auto openapi = call("GET", "/openapi.json");
  REQUIRE(openapi.status == 200);
  CHECK(json(openapi).at("paths").as_object().contains("/v1/carts/{id}/items/{sku}"));

  const auto scraped = call("GET", "/metrics");
  REQUIRE(scraped.status == 200);
  CHECK(scraped.headers.at("content-type") == "text/plain; version=0.0.4; charset=utf-8");
  const auto& text = scraped.body;
  const auto has = [&](const std::string& line) {
    INFO(line);
    CHECK(text.find(line + "\n") != std::string::npos);
  };
  has(R"(commerce_http_requests_total{route="/v1/carts/{id}/items/{sku}",method="PUT",status="200"} 1)");
  has(R"(commerce_http_requests_total{route="/v1/carts/{id}/items/{sku}",method="PUT",status="409"} 1)");
  has(R"(commerce_http_requests_total{route="/v1/carts",method="POST",status="201"} 1)");
  has(R"(commerce_http_requests_total{route="unmatched",method="GET",status="404"} 1)");
  has(R"(commerce_http_requests_total{route="/openapi.json",method="GET",status="200"} 1)");
  has(R"(commerce_http_request_duration_seconds_count{route="/v1/carts",method="POST",status="201"} 1)");
  has(R"(commerce_http_request_duration_seconds_bucket{route="/v1/carts",method="POST",status="201",le="+Inf"} 1)");
  has("# TYPE commerce_journal_batch_size histogram");
  has(R"(commerce_supervisor_restarts_total{supervisor="storage",child="journal_writer"} 0)");
  has(R"(commerce_supervisor_restarts_total{supervisor="entities",child="cart"} 0)");
  has("commerce_dead_letters_total 0");
  CHECK(text.find(R"(commerce_mailbox_size{actor="gateway"})") != std::string::npos);
  CHECK(text.find(R"(commerce_mailbox_size{actor="journal_writer"})") != std::string::npos);
  CHECK(text.find(R"(commerce_mailbox_size{actor="region/cart"})") != std::string::npos);
  CHECK(text.find(R"(commerce_entities_active{kind="product"} 1)") != std::string::npos);
  CHECK(text.find(R"(commerce_entity_restarts_total{kind="cart"} 0)") != std::string::npos);
  // Events so far: product created, stock, cart opened, line reserved at the SKU, line set.
  const auto count_at = text.find("commerce_journal_batch_size_count ");
  REQUIRE(count_at != std::string::npos);
  CHECK(std::stoi(text.substr(count_at + 34)) >= 1);
}
