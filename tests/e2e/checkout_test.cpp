// Checkout end to end (issue 6): a running node, its PostgreSQL and the sandbox payment
// provider as separate processes, everything over sockets. What a bug here would cost is
// money, so each test also looks at the provider's own list of charges.
#include "adapters/postgres/connection.hpp"
#include "e2e/shop_fixture.hpp"

#include <chrono>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

TEST_CASE("a checkout charges once, sells the stock, converts the cart and answers the paid order", "[e2e][checkout]") {
  shop s(std::map<std::string, std::string>{{"COMMERCED_ENTITIES_SNAPSHOT_EVERY", "2"}});  // the checkout's state is snapshotted too
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 2);
  const auto r = s.checkout(cart, "tok_ok");
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto order = json(r);
  CHECK(order.at("status") == "paid");
  CHECK(order.at("cart_id") == cart.c_str());
  CHECK(order.at("total").at("amount") == 2400);
  CHECK(order.at("items").as_array().size() == 1);
  CHECK(order.at("email") == "ann@example.com");
  CHECK(order.at("shipping_address").at("city") == "Berlin");
  CHECK(!order.at("payment").at("transaction_id").as_string().empty());
  CHECK(order.at("history").as_array().size() == 2);  // pending_payment, paid
  CHECK(r.headers.at("location") == "/v1/orders/" + id_of(r));

  const auto fetched = s.n.call("GET", "/v1/orders/" + id_of(r));
  REQUIRE(fetched.status == 200);
  CHECK(json(fetched).at("status") == "paid");
  CHECK(s.cart_status(cart) == "converted");
  CHECK(s.stock("mug", "on_hand") == 8);
  CHECK(s.stock("mug", "reserved") == 0);
  CHECK(s.stock("mug", "sold") == 2);
  CHECK(s.stock("mug", "available") == 8);
  const auto charges = s.sandbox.charges();
  REQUIRE(charges.size() == 1);
  CHECK(charges[0].at("amount") == 2400);
  CHECK(charges[0].at("id") == order.at("payment").at("transaction_id"));
  CHECK(s.charges_for(id_of(r)) == 1);

  // The saga's steps are in its journal; its history is there for an operator.
  const auto steps = s.n.as_admin("GET", "/v1/checkouts/chk_" + id_of(r).substr(4) + "/events");
  REQUIRE(steps.status == 200);
  std::vector<std::string> types;
  const auto events = json(steps);
  for (const auto& e : events.as_array()) types.emplace_back(e.at("type").as_string());
  CHECK(types == std::vector<std::string>{"CheckoutBegun", "CheckoutCartClaimed", "CheckoutStockHeld",
                                          "CheckoutOrderPlaced", "CheckoutChargeAttempted", "CheckoutCharged",
                                     "CheckoutCompleted"});
  // The card token is never journaled, and the vault that held it lets it go once it is over.
  commerce::adapters::postgres::connection sql(s.n.db.conninfo());
  CHECK(sql.query_value("SELECT count(*) FROM events WHERE data::text LIKE '%tok_ok%' OR metadata::text LIKE '%tok_ok%'") ==
        "0");
  for (int i = 0; i < 50 && sql.query_value("SELECT count(*) FROM snapshots WHERE stream_type = 'checkout'") == "0"; ++i)
    std::this_thread::sleep_for(100ms);  // snapshots are saved after the answer
  CHECK(sql.query_value("SELECT count(*) FROM snapshots WHERE stream_type = 'checkout'") != "0");
  CHECK(sql.query_value("SELECT count(*) FROM snapshots WHERE data::text LIKE '%tok_ok%'") == "0");
  auto vault_rows = sql.query_value("SELECT count(*) FROM payment_tokens");
  for (int i = 0; i < 50 && vault_rows != "0"; ++i) {  // let go of just after the answer
    std::this_thread::sleep_for(100ms);
    vault_rows = sql.query_value("SELECT count(*) FROM payment_tokens");
  }
  CHECK(vault_rows == "0");

  // A converted cart cannot check out again.
  check_problem(s.checkout(cart, "tok_ok"), 409, "cart_not_open");
  CHECK(s.sandbox.charges().size() == 1);
}

TEST_CASE("a declined card leaves the cart open with its stock held, and the next try can pay", "[e2e][checkout]") {
  shop s;
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 3);
  const auto declined = s.checkout(cart, "tok_declined");
  check_problem(declined, 402, "payment_declined");
  const auto order_id = std::string(json(declined).at("order_id").as_string());
  CHECK(s.cart_status(cart) == "open");
  CHECK(s.stock("mug", "reserved") == 3);  // back at stage cart, for the same cart
  CHECK(s.stock("mug", "sold") == 0);
  CHECK(json(s.n.call("GET", "/v1/orders/" + order_id)).at("status") == "cancelled");
  CHECK(s.sandbox.charges().empty());

  const auto paid = s.checkout(cart, "tok_ok");
  REQUIRE(paid.status == 201);
  CHECK(id_of(paid) != order_id);
  CHECK(s.stock("mug", "sold") == 3);
  CHECK(s.stock("mug", "reserved") == 0);
}

TEST_CASE("a flaky provider is retried to one charge", "[e2e][checkout]") {
  shop s;
  s.n.product("mug", 10);
  const auto r = s.checkout(s.cart_with("mug", 1), "tok_flaky");
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(json(r).at("status") == "paid");
  CHECK(s.charges_for(id_of(r)) == 1);
  CHECK(s.sandbox.charges().size() == 1);
}

TEST_CASE("a slow provider times out, is asked again with the same key and charges once", "[e2e][checkout]") {
  shop s;  // attempts time out after 200 ms; tok_slow answers after 400 ms
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 1);
  auto r = s.checkout(cart, "tok_slow");
  // Meanwhile the provider answers 409 to the same key, as Stripe does: no answer yet, so the
  // checkout may wait (503 payment_pending) and charge again by itself; asking again tells.
  for (int i = 0; i < 50 && r.status == 503; ++i) {
    CHECK(json(r).at("code") == "payment_pending");
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
    r = s.checkout(cart, "tok_slow");
  }
  INFO(r.body);
  REQUIRE(r.status == 201);
  CHECK(s.charges_for(id_of(r)) == 1);
  const auto metrics = s.n.call("GET", "/metrics").body;
  CHECK(metrics.find("commerce_payment_failed_attempts_total{provider=\"payment\"}") != std::string::npos);
}

TEST_CASE("with the provider down the breaker opens, checkouts fail fast with 503, and it recovers", "[e2e][checkout]") {
  shop s({{"COMMERCED_PAYMENT_BREAKER_FAILURES", "2"}, {"COMMERCED_PAYMENT_BREAKER_COOL_DOWN", "3s"}});
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 1);
  s.sandbox.stop();

  const auto first = s.checkout(cart, "tok_ok");
  check_problem(first, 503, "payment_unavailable");
  CHECK(first.headers.count("retry-after") == 1);
  CHECK(s.cart_status(cart) == "open");  // nothing reached the provider: released at once
  CHECK(s.stock("mug", "reserved") == 1);

  const auto started = std::chrono::steady_clock::now();
  const auto fast = s.checkout(cart, "tok_ok");
  CHECK(std::chrono::steady_clock::now() - started < 1s);
  check_problem(fast, 503, "payment_unavailable");
  const auto breakers = json(s.n.as_admin("GET", "/admin/breakers")).at("items").as_array();
  REQUIRE(breakers.size() == 1);
  CHECK(breakers[0].at("name") == "payment");
  CHECK(breakers[0].at("state") == "open");
  CHECK(s.n.call("GET", "/metrics").body.find("commerce_circuit_breaker_state{breaker=\"payment\"} 2") != std::string::npos);

  s.sandbox.start();
  std::this_thread::sleep_for(3100ms);  // the cool-down (long enough that the checks above see it open)
  const auto recovered = s.checkout(cart, "tok_ok");
  INFO(recovered.body);
  REQUIRE(recovered.status == 201);
  CHECK(json(s.n.as_admin("GET", "/admin/breakers")).at("items").at(0).at("state") == "closed");
  CHECK(s.sandbox.charges().size() == 1);
}

TEST_CASE("an empty cart, an unknown cart and a bad body are refused without a charge", "[e2e][checkout]") {
  shop s;
  check_problem(s.checkout(s.n.cart(), "tok_ok"), 409, "cart_empty");
  check_problem(s.checkout("cart_nope", "tok_ok"), 404, "not_found");
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 1);
  check_problem(s.n.call("POST", "/v1/carts/" + cart + "/checkout", R"({"payment":{}})"), 422, "validation_failed");
  check_problem(s.n.call("POST", "/v1/carts/" + cart + "/checkout", R"({"payment":{"token":"tok_ok"}})"), 422,
                "validation_failed");  // no e-mail, and the cart has none
  check_problem(s.n.call("POST", "/v1/carts/" + cart + "/checkout", "{"), 400, "invalid_json");
  CHECK(s.cart_status(cart) == "open");
  CHECK(s.sandbox.charges().empty());
}

TEST_CASE("the same checkout asked twice with one Idempotency-Key gives one order and one charge", "[e2e][checkout]") {
  shop s;
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 1);
  const std::map<std::string, std::string> key{{"Idempotency-Key", "buy-once"}};
  const auto first = s.checkout(cart, "tok_ok", key);
  REQUIRE(first.status == 201);
  const auto again = s.checkout(cart, "tok_ok", key);
  CHECK(again.status == 201);
  CHECK(again.body == first.body);
  CHECK(s.sandbox.charges().size() == 1);
}

TEST_CASE("an order goes through its lifecycle, illegal steps name both states", "[e2e][checkout][orders]") {
  shop s;
  s.n.product("mug", 10);
  const auto paid = s.checkout(s.cart_with("mug", 2), "tok_ok");
  REQUIRE(paid.status == 201);
  const auto order = "/v1/orders/" + id_of(paid);

  const auto early = s.n.as_admin("POST", order + "/deliver");
  check_problem(early, 409, "invalid_transition");
  CHECK(json(early).at("from") == "paid");
  CHECK(json(early).at("to") == "delivered");
  CHECK(json(s.n.as_admin("POST", order + "/fulfil")).at("status") == "fulfilling");
  check_problem(s.n.as_admin("POST", order + "/ship", R"({"carrier":"UPS"})"), 422, "validation_failed");
  const auto shipped = s.n.as_admin("POST", order + "/ship", R"({"carrier":"UPS","tracking":"1Z999"})");
  REQUIRE(shipped.status == 200);
  CHECK(json(shipped).at("status") == "shipped");
  CHECK(json(shipped).at("shipment").at("tracking") == "1Z999");
  check_problem(s.n.as_admin("POST", order + "/cancel"), 409, "invalid_transition");  // too late to cancel
  CHECK(json(s.n.as_admin("POST", order + "/deliver")).at("status") == "delivered");

  const auto partial = s.n.as_admin("POST", order + "/refund", R"({"amount":1000})");
  REQUIRE(partial.status == 200);
  CHECK(json(partial).at("status") == "delivered");
  CHECK(json(partial).at("payment").at("refunded").at("amount") == 1000);
  check_problem(s.n.as_admin("POST", order + "/refund", R"({"amount":5000})"), 422, "refund_exceeds_paid");
  const auto rest = s.n.as_admin("POST", order + "/refund");
  REQUIRE(rest.status == 200);
  CHECK(json(rest).at("status") == "refunded");
  CHECK(json(rest).at("payment").at("refunded").at("amount") == 2400);
  CHECK(json(rest).at("payment").at("refunds").as_array().size() == 2);
  check_problem(s.n.as_admin("POST", order + "/refund"), 409, "invalid_transition");
  CHECK(s.sandbox.charges().at(0).at("amount_refunded") == 2400);

  std::vector<std::string> statuses;
  const auto final_order = json(rest);
  for (const auto& h : final_order.at("history").as_array()) statuses.emplace_back(h.at("status").as_string());
  CHECK(statuses == std::vector<std::string>{"pending_payment", "paid", "fulfilling", "shipped", "delivered", "refunded"});
  check_problem(s.n.call("GET", "/v1/orders/ord_nope"), 404, "not_found");
}

TEST_CASE("cancelling a paid order restocks and refunds it, once however often it is asked", "[e2e][checkout][orders]") {
  shop s;
  s.n.product("mug", 10);
  const auto paid = s.checkout(s.cart_with("mug", 4), "tok_ok");
  REQUIRE(paid.status == 201);
  CHECK(s.stock("mug", "available") == 6);
  const auto order = "/v1/orders/" + id_of(paid);
  for (int i = 0; i < 2; ++i) {
    const auto cancelled = s.n.as_admin("POST", order + "/cancel", R"({"reason":"changed my mind"})");
    INFO(cancelled.body);
    REQUIRE(cancelled.status == 200);
    CHECK(json(cancelled).at("status") == "cancelled");
    CHECK(json(cancelled).at("payment").at("refunded").at("amount") == 4800);
    CHECK(s.stock("mug", "on_hand") == 10);  // the 4 sold are back on hand; `sold` keeps counting
    CHECK(s.stock("mug", "sold") == 4);
    CHECK(s.stock("mug", "available") == 10);
    CHECK(s.sandbox.charges().at(0).at("amount_refunded") == 4800);
  }
}

TEST_CASE("orders are listed by customer and status", "[e2e][checkout][orders]") {
  shop s;
  s.n.product("mug", 10);
  auto buy = [&](const std::string& customer) {
    const auto cart = s.n.call("POST", "/v1/carts", R"({"currency":"EUR","customer_id":")" + customer + "\"}");
    const auto id = std::string(json(cart).at("id").as_string());
    REQUIRE(s.n.call("PUT", "/v1/carts/" + id + "/items/mug", R"({"quantity":1})").status == 200);
    const auto r = s.checkout(id, "tok_ok");
    REQUIRE(r.status == 201);
    return id_of(r);
  };
  const auto a1 = buy("alice"), a2 = buy("alice"), b1 = buy("bob");
  REQUIRE(s.n.as_admin("POST", "/v1/orders/" + a2 + "/fulfil").status == 200);
  const auto sorted = [](std::vector<std::string> v) {
    std::sort(v.begin(), v.end());
    return v;
  };
  // The list is a read model: it catches up within its poll interval. What it lists once that is
  // `expected` (sorted), or after 2 s, what it lists then.
  auto ids = [&](const std::string& query, const std::vector<std::string>& expected) {
    std::vector<std::string> out;
    for (int i = 0; i < 100 && (i == 0 || out != expected); ++i) {
      if (i > 0) std::this_thread::sleep_for(20ms);
      const auto r = s.n.as_admin("GET", "/v1/orders?" + query);
      REQUIRE(r.status == 200);
      out.clear();
      const auto page = json(r);
      for (const auto& o : page.at("items").as_array()) out.emplace_back(o.at("id").as_string());
      out = sorted(out);
    }
    return out;
  };
  const auto alice = sorted({a1, a2}), paid = sorted({a1, b1});
  CHECK(ids("customer_id=alice", alice) == alice);
  CHECK(ids("customer_id=bob", {b1}) == std::vector<std::string>{b1});
  CHECK(ids("customer_id=alice&status=fulfilling", {a2}) == std::vector<std::string>{a2});
  CHECK(ids("status=paid", paid) == paid);
  check_problem(s.n.as_admin("GET", "/v1/orders?status=lost"), 422, "validation_failed");
}

TEST_CASE("a cart whose reservations lapsed is reserved again at checkout, or told the stock is gone",
          "[e2e][checkout]") {
  shop s(std::map<std::string, std::string>{{"COMMERCED_CART_RESERVATION_TTL", "300ms"}});
  s.n.product("mug", 3);
  const auto lapsed = s.cart_with("mug", 2);
  const auto late = s.cart_with("mug", 1);
  for (int i = 0; i < 100 && s.stock("mug", "reserved") > 0; ++i) std::this_thread::sleep_for(50ms);
  REQUIRE(s.stock("mug", "reserved") == 0);  // both reservations expired

  const auto paid = s.checkout(lapsed, "tok_ok");
  INFO(paid.body);
  REQUIRE(paid.status == 201);
  CHECK(s.stock("mug", "sold") == 2);
  CHECK(s.stock("mug", "available") == 1);

  REQUIRE(s.n.as_admin("POST", "/v1/products/mug/stock", R"({"delta":-1,"reason":"broken"})").status == 200);
  const auto gone = s.checkout(late, "tok_ok");  // its unit broke while it was not held
  check_problem(gone, 409, "insufficient_stock");
  CHECK(json(gone).at("sku") == "mug");
  CHECK(json(gone).at("available") == 0);
  CHECK(s.cart_status(late) == "open");
  CHECK(s.sandbox.charges().size() == 1);
}
