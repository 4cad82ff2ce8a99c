// The saga rule from outside (issue 14): once a charge or a refund may have reached the provider,
// the node never assumes it did not. The sandbox misbehaves on purpose (slow, 409 for a key in
// flight, dying after it charged) and the node is killed between the call and its record; the
// provider's own list of charges must always match the paid orders.
#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"
#include "e2e/shop_fixture.hpp"

#include <atomic>
#include <chrono>
#include <optional>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string closed_port = "http://127.0.0.1:9";  // the discard port: nothing listens

std::string body_with(const std::string& token) {
  return R"({"email":"ann@example.com","shipping_address":{"city":"Berlin"},"payment":{"token":")" + token + "\"}}";
}

std::string text(const boost::json::value& v, const char* key) {
  const auto& field = v.at(key);
  return field.is_string() ? std::string(field.as_string()) : std::string();
}

// The charges at the provider whose idempotency key belongs to `cart`'s checkouts.
std::size_t charges_of_cart(sandbox_process& sandbox, const std::string& cart) {
  const auto suffix = cart.substr(cart.find('_') + 1);
  std::size_t n = 0;
  for (const auto& c : sandbox.charges()) n += text(c, "idempotency_key").rfind("chk_" + suffix + "_", 0) == 0;
  return n;
}

struct crash_shop {
  scratch_database db;
  sandbox_process sandbox;
  std::optional<node_process> node;

  explicit crash_shop(int slow_ms) : sandbox(slow_ms) {}

  std::map<std::string, std::string> env(const std::string& payment_url, const std::string& attempt_timeout) {
    return {{"COMMERCED_POSTGRES_DATABASE", db.name()},
            {"COMMERCED_PAYMENT_URL", payment_url},
            {"COMMERCED_PAYMENT_ATTEMPT_TIMEOUT", attempt_timeout},
            {"COMMERCED_PAYMENT_RETRY_BACKOFF", "50ms"},
            {"COMMERCED_PAYMENT_BREAKER_COOL_DOWN", "500ms"},
            {"COMMERCED_MESSAGING_URL", sandbox.url()},
            {"COMMERCED_CART_RESERVATION_TTL", "10m"},
            {"COMMERCED_CHECKOUT_RESUME_AFTER", "500ms"},
            {"COMMERCED_TIMERS_POLL_INTERVAL", "50ms"}};
  }
  http_reply call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
    return http_call(node->port(), method, target, body, headers);
  }
  std::string cart_of_one(const std::string& sku) {
    const auto cart = text(json(call("POST", "/v1/carts", R"({"currency":"EUR"})")), "id");
    REQUIRE(call("PUT", "/v1/carts/" + cart + "/items/" + sku, R"({"quantity":1})").status == 200);
    return cart;
  }
  std::string cart_status(const std::string& cart) { return text(json(call("GET", "/v1/carts/" + cart)), "status"); }
};

}  // namespace

TEST_CASE("killed after the provider charged, provider unreachable at resume: one charge, one paid order",
          "[e2e][saga][crash]") {
  crash_shop shop(1500);  // tok_slow: charged at once, answered 1.5 s later
  shop.node.emplace(shop.env(shop.sandbox.url(), "5s"));
  REQUIRE(shop.call("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":777,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(shop.call("POST", "/v1/products/mug/stock", R"({"delta":5,"reason":"delivery"})", admin).status == 200);
  const auto cart = shop.cart_of_one("mug");
  const auto port = shop.node->port();
  std::thread buyer([port, cart] {
    try {
      http_call(port, "POST", "/v1/carts/" + cart + "/checkout", body_with("tok_slow"));
    } catch (const std::exception&) {  // the node dies under it
    }
  });
  REQUIRE(eventually([&] { return shop.sandbox.charges().size() == 1; }, 10));
  shop.node.reset();  // SIGKILL: the charge is made, its answer not yet recorded
  buyer.join();

  // Back up with the provider unreachable: the checkout must keep waiting, not reopen the cart.
  shop.node.emplace(shop.env(closed_port, "200ms"));
  std::this_thread::sleep_for(3s);
  CHECK(shop.cart_status(cart) == "checking_out");
  check_problem(shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_ok")), 503, "payment_pending");
  shop.node.reset();

  // The provider is back: the same key is asked again and the one charge becomes the order.
  shop.node.emplace(shop.env(shop.sandbox.url(), "200ms"));
  REQUIRE(eventually([&] { return shop.cart_status(cart) == "converted"; }));
  const auto order_id = text(json(shop.call("GET", "/v1/carts/" + cart)), "order_id");
  CHECK(text(json(shop.call("GET", "/v1/orders/" + order_id)), "status") == "paid");
  check_problem(shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_ok")), 409, "cart_not_open");
  CHECK(charges_of_cart(shop.sandbox, cart) == 1);
  CHECK(shop.sandbox.charges().size() == 1);
  const auto inventory = json(shop.call("GET", "/v1/products/mug")).at("inventory");
  CHECK(inventory.at("sold") == 1);
  CHECK(inventory.at("on_hand") == 4);
}

TEST_CASE("a provider answering 409 for the key in flight is not a decline: one charge, paid", "[e2e][saga]") {
  crash_shop shop(1500);  // tok_slow answers after 1.5 s, 409 to the same key meanwhile
  shop.node.emplace(shop.env(shop.sandbox.url(), "200ms"));
  REQUIRE(shop.call("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":900,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(shop.call("POST", "/v1/products/mug/stock", R"({"delta":5,"reason":"delivery"})", admin).status == 200);
  const auto cart = shop.cart_of_one("mug");
  const auto r = shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_slow"));
  INFO(r.body);
  CHECK(r.status != 402);  // never a decline: the card was charged
  REQUIRE(eventually([&] { return shop.cart_status(cart) == "converted"; }));
  CHECK(charges_of_cart(shop.sandbox, cart) == 1);
  CHECK(json(shop.call("GET", "/v1/products/mug")).at("inventory").at("sold") == 1);
}

TEST_CASE("a pooled connection reset after the request was written: asked again, never charged twice",
          "[e2e][saga][crash]") {
  crash_shop shop(300);
  shop.node.emplace(shop.env(shop.sandbox.url(), "500ms"));
  REQUIRE(shop.call("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":900,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(shop.call("POST", "/v1/products/mug/stock", R"({"delta":5,"reason":"delivery"})", admin).status == 200);
  // A first checkout leaves a kept-alive connection to the provider in the node's pool.
  REQUIRE(shop.call("POST", "/v1/carts/" + shop.cart_of_one("mug") + "/checkout", body_with("tok_ok")).status == 201);

  // tok_crash: the provider charges, then dies before answering; the reconnect is refused.
  const auto cart = shop.cart_of_one("mug");
  const auto r = shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_crash"));
  INFO(r.body);
  CHECK(r.status == 503);
  CHECK(shop.cart_status(cart) == "checking_out");  // not reopened: the charge may have happened
  check_problem(shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_ok")), 503, "payment_pending");

  shop.sandbox.start();  // back, on the same port, with its record of the charge
  REQUIRE(eventually([&] { return shop.cart_status(cart) == "converted"; }));
  CHECK(charges_of_cart(shop.sandbox, cart) == 1);
  CHECK(shop.sandbox.charges().size() == 2);
}

TEST_CASE("a checkout stuck past its bound raises an alert and a dead letter, and the operator retrying it releases it",
          "[e2e][saga]") {
  crash_shop shop(300);
  auto env = shop.env(shop.sandbox.url(), "300ms");
  env["COMMERCED_CHECKOUT_GIVE_UP_AFTER"] = "2s";
  shop.node.emplace(env);
  REQUIRE(shop.call("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":900,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(shop.call("POST", "/v1/products/mug/stock", R"({"delta":5,"reason":"delivery"})", admin).status == 200);
  const auto cart = shop.cart_of_one("mug");
  shop.call("POST", "/v1/carts/" + cart + "/checkout", body_with("tok_crash"));  // the provider is gone for good

  boost::json::value letter;
  REQUIRE(eventually([&] {
    const auto letters = json(shop.call("GET", "/admin/dead-letters", "", admin));
    for (const auto& l : letters.at("items").as_array())
      if (text(l, "target").rfind("checkout/", 0) == 0) letter = l;
    return letter.is_object();
  }));
  INFO(boost::json::serialize(letter));
  CHECK(text(letter, "message_type") == "AbandonCheckout");
  CHECK(metric(shop.call("GET", "/metrics").body, R"(commerce_sagas_stalled_total{kind="checkout"})") == 1);
  // The operator's alert names the checkout, once, and can be acknowledged.
  const auto subject = text(letter, "target");
  boost::json::array open;
  REQUIRE(eventually([&] {
    open = json(shop.call("GET", "/admin/alerts?status=open", "", admin)).at("items").as_array();
    return !open.empty();
  }));
  REQUIRE(open.size() == 1);
  CHECK(text(open[0], "topic") == "checkout_stalled");
  CHECK(text(open[0], "subject") == subject);
  const auto alert_id = text(open[0], "id");
  const auto acknowledged = shop.call("POST", "/admin/alerts/" + alert_id + "/acknowledge", R"({"note":"on it"})", admin);
  CHECK(acknowledged.status == 200);
  CHECK(text(json(acknowledged), "status") == "acknowledged");
  CHECK(shop.call("GET", "/admin/alerts/" + alert_id).status == 401);  // the operator's only
  check_problem(shop.call("POST", "/admin/alerts/no-such/acknowledge", "", admin), 404, "not_found");
  check_problem(shop.call("GET", "/admin/alerts?status=closed", "", admin), 422, "validation_failed");
  REQUIRE(eventually([&] {
    return json(shop.call("GET", "/admin/alerts?status=open", "", admin)).at("items").as_array().empty() &&
           json(shop.call("GET", "/admin/alerts?status=acknowledged", "", admin)).at("items").as_array().size() == 1;
  }));
  // Stalled, it holds its stock and retries no more, until an operator decides.
  std::this_thread::sleep_for(1s);
  CHECK(shop.cart_status(cart) == "checking_out");
  CHECK(json(shop.call("GET", "/v1/products/mug")).at("inventory").at("reserved") == 1);

  const auto id = std::to_string(letter.at("id").as_int64());
  REQUIRE(shop.call("POST", "/admin/dead-letters/" + id + "/retry", "", admin).status == 200);
  REQUIRE(eventually([&] { return shop.cart_status(cart) == "open"; }));
  const auto order_id = "ord_" + cart.substr(cart.find('_') + 1) + "_2";
  CHECK(text(json(shop.call("GET", "/v1/orders/" + order_id)), "status") == "cancelled");
}

TEST_CASE("racing changes to a line and checkout: stock sold equals the paid orders' quantities", "[e2e][saga][race]") {
  shop s;
  s.n.product("hot", 1000);
  constexpr int carts = 40;
  std::vector<std::string> ids;
  for (int i = 0; i < carts; ++i) ids.push_back(s.cart_with("hot", 2));
  const std::int64_t quantities[] = {8, 2, 5, 1, 7, 3, 8, 2, 5, 1, 7, 3};
  std::vector<std::thread> threads;
  for (const auto q : quantities)
    threads.emplace_back([&, q] {
      http_connection c(s.n.node.port());
      for (const auto& cart : ids) c.request("PUT", "/v1/carts/" + cart + "/items/hot", R"({"quantity":)" + std::to_string(q) + "}");
    });
  for (auto& t : threads) t.join();

  std::int64_t ordered = 0;
  for (const auto& cart : ids) {
    const auto r = s.checkout(cart, "tok_ok");
    INFO(r.body);
    REQUIRE(r.status == 201);
    ordered += json(r).at("items").as_array().at(0).at("quantity").as_int64();
  }
  const auto inventory = s.n.inventory("hot");
  CHECK(inventory.at("sold") == ordered);
  CHECK(inventory.at("reserved") == 0);
  CHECK(inventory.at("on_hand") == 1000 - ordered);
  CHECK(inventory.at("available") == 1000 - ordered);
}

TEST_CASE("a free order is paid without a charge", "[e2e][saga]") {
  shop s;
  REQUIRE(s.n.as_admin("PUT", "/v1/products/gift", R"({"name":"Gift","price":{"amount":0,"currency":"EUR"}})").status == 201);
  REQUIRE(s.n.as_admin("POST", "/v1/products/gift/stock", R"({"delta":3,"reason":"delivery"})").status == 200);
  const auto r = s.checkout(s.cart_with("gift", 1), "tok_ok");
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(json(r).at("status") == "paid");
  CHECK(s.sandbox.charges().empty());
  CHECK(s.stock("gift", "sold") == 1);
}

TEST_CASE("a cancel with the provider down refunds once when it is back, also across a kill -9", "[e2e][saga][orders]") {
  crash_shop shop(300);
  shop.node.emplace(shop.env(shop.sandbox.url(), "200ms"));
  REQUIRE(shop.call("PUT", "/v1/products/mug", R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})", admin).status == 201);
  REQUIRE(shop.call("POST", "/v1/products/mug/stock", R"({"delta":5,"reason":"delivery"})", admin).status == 200);
  const auto paid = shop.call("POST", "/v1/carts/" + shop.cart_of_one("mug") + "/checkout", body_with("tok_ok"));
  REQUIRE(paid.status == 201);
  const auto order = "/v1/orders/" + text(json(paid), "id");

  shop.sandbox.stop();
  const auto cancelled = shop.call("POST", order + "/cancel", R"({"reason":"changed my mind"})", admin);
  INFO(cancelled.body);
  REQUIRE(cancelled.status == 202);  // cancelled; the refund is pending, not lost
  CHECK(text(json(cancelled), "status") == "cancelled");
  CHECK(json(cancelled).at("payment").at("refunds_pending").as_array().size() == 1);
  CHECK(json(cancelled).at("payment").at("refunded").at("amount") == 0);
  shop.node.reset();  // SIGKILL with the refund still owed

  shop.sandbox.start();
  shop.node.emplace(shop.env(shop.sandbox.url(), "200ms"));
  REQUIRE(eventually([&] {
    return json(shop.call("GET", order)).at("payment").at("refunded").at("amount") == 1200;
  }));
  CHECK(shop.sandbox.charges().at(0).at("amount_refunded") == 1200);
  const auto again = shop.call("POST", order + "/cancel", "", admin);
  CHECK(again.status == 200);
  CHECK(json(shop.call("GET", "/v1/products/mug")).at("inventory").at("on_hand") == 5);  // restocked once
  std::this_thread::sleep_for(500ms);
  CHECK(shop.sandbox.charges().at(0).at("amount_refunded") == 1200);
}

TEST_CASE("a refund retried without a key while the provider is down refunds once", "[e2e][saga][orders]") {
  // Its breaker opens while the provider is down; a short cool-down lets the refund go soon after.
  shop s(std::map<std::string, std::string>{{"COMMERCED_CHECKOUT_RESUME_AFTER", "500ms"},
                                            {"COMMERCED_PAYMENT_BREAKER_COOL_DOWN", "500ms"}});
  s.n.product("mug", 5);
  const auto paid = s.checkout(s.cart_with("mug", 2), "tok_ok");
  REQUIRE(paid.status == 201);
  const auto order = "/v1/orders/" + id_of(paid);
  s.sandbox.stop();
  for (int i = 0; i < 2; ++i) {
    const auto r = s.n.as_admin("POST", order + "/refund", R"({"amount":1000})");
    INFO(r.body);
    CHECK(r.status == 202);
    CHECK(json(r).at("payment").at("refunds_pending").as_array().size() == 1);
  }
  s.sandbox.start();
  REQUIRE(eventually([&] { return json(s.n.call("GET", order)).at("payment").at("refunded").at("amount") == 1000; }));
  std::this_thread::sleep_for(500ms);
  CHECK(json(s.n.call("GET", order)).at("payment").at("refunded").at("amount") == 1000);
  CHECK(s.sandbox.charges().at(0).at("amount_refunded") == 1000);
  // A second refund asked for on purpose, once the first is done, is a new one.
  const auto second = s.n.as_admin("POST", order + "/refund", R"({"amount":400})");
  CHECK(second.status == 200);
  CHECK(s.sandbox.charges().at(0).at("amount_refunded") == 1400);
}
