#include "domain/order_effects.hpp"

#include "domain_helpers.hpp"

using namespace commerce::domain;
using namespace commerce::test;

namespace {

// Runs `c` on `s` and returns the effects of each event it produced, as the handlers see them.
std::vector<order_effects> effects_running(order_state& s, const order_command& c) {
  auto d = order_decider::decide(s, c, t0);
  INFO((d.accepted() ? std::string() : d.error().code));
  REQUIRE(d.accepted());
  std::vector<order_effects> out;
  for (const auto& e : d.events()) {
    s = order_decider::evolve(std::move(s), e);
    out.push_back(effects_of(s, e));
  }
  return out;
}

order_state placed(std::vector<order_effects>& effects) {
  auto s = order_decider::initial("ord_1");
  effects = effects_running(
      s, place_order{"cart-1", "cust-1", "ann@example.com", {{"city", "Oslo"}}, {{"MUG", 2, {1299, "EUR"}}}});
  return s;
}

}  // namespace

TEST_CASE("a paid order gets a pick list, a confirmation and a sales fact, creation alone has none",
          "[order_effects]") {
  std::vector<order_effects> effects;
  auto s = placed(effects);
  REQUIRE(effects.size() == 1);
  CHECK(effects[0].empty());

  effects = effects_running(s, record_payment{"ch_9", {2598, "EUR"}});
  REQUIRE(effects.size() == 1);
  const auto& paid = effects[0];
  REQUIRE(paid.pick);
  CHECK(paid.pick->order_id == "ord_1");
  CHECK(paid.pick->customer_id == "cust-1");
  REQUIRE(paid.pick->lines.size() == 1);
  CHECK(paid.pick->lines[0].sku == "MUG");
  CHECK(paid.pick->lines[0].quantity == 2);
  CHECK(paid.pick->shipping_address.at("city") == "Oslo");
  REQUIRE(paid.notify);
  CHECK(paid.notify->key == "ord_1/order_confirmation");
  CHECK(paid.notify->template_name == "order_confirmation");
  CHECK(paid.notify->recipient == "ann@example.com");
  CHECK(paid.notify->data.at("transaction_id") == "ch_9");
  CHECK(paid.notify->data.at("total").at("amount") == 2598);
  REQUIRE(paid.fact);
  CHECK(paid.fact->key == "paid/ord_1");
  CHECK(paid.fact->kind == sales_fact_kind::order_paid);
  CHECK(paid.fact->amount == money{2598, "EUR"});
}

TEST_CASE("shipping, delivery, cancellation and each refund notify once under keys of their own",
          "[order_effects]") {
  std::vector<order_effects> effects;
  auto s = placed(effects);
  effects_running(s, record_payment{"ch_9", {2598, "EUR"}});

  auto fulfilled = effects_running(s, start_fulfilment{});
  REQUIRE(fulfilled.size() == 1);
  CHECK(fulfilled[0].empty());  // nothing the customer is told

  auto shipped = effects_running(s, ship_order{"DHL", "JD01"});
  REQUIRE(shipped.size() == 1);
  REQUIRE(shipped[0].notify);
  CHECK(shipped[0].notify->key == "ord_1/order_shipped");
  CHECK(shipped[0].notify->data.at("tracking") == "JD01");
  CHECK_FALSE(shipped[0].pick);
  CHECK_FALSE(shipped[0].fact);

  auto delivered = effects_running(s, deliver_order{});
  REQUIRE(delivered.size() == 1);
  REQUIRE(delivered[0].notify);
  CHECK(delivered[0].notify->key == "ord_1/order_delivered");

  // A refund is asked for (no effect yet), then recorded when the provider answered (the
  // RefundClosed that follows RefundProcessed has no effect either).
  const auto no_effect = [](const std::vector<order_effects>& effects) {
    for (const auto& e : effects)
      if (e.notify || e.fact || e.pick) return false;
    return true;
  };
  CHECK(no_effect(effects_running(s, request_refund{500, "k1"})));
  auto first = effects_running(s, record_refund{"k1", "re_1"});
  CHECK(no_effect(effects_running(s, request_refund{{}, "k2"})));
  auto second = effects_running(s, record_refund{"k2", "re_2"});
  REQUIRE(first.size() == 2);
  REQUIRE(second.size() == 2);
  CHECK(no_effect({first[1]}));
  CHECK(no_effect({second[1]}));
  first.pop_back();
  second.pop_back();
  REQUIRE(first.size() == 1);
  REQUIRE(second.size() == 1);
  REQUIRE(first[0].notify);
  REQUIRE(second[0].notify);
  CHECK(first[0].notify->key == "ord_1/refund/re_1");
  CHECK(second[0].notify->key == "ord_1/refund/re_2");
  CHECK(second[0].notify->data.at("total_refunded") == 2598);
  REQUIRE(first[0].fact);
  REQUIRE(second[0].fact);
  CHECK(first[0].fact->kind == sales_fact_kind::refund);
  CHECK(first[0].fact->amount == money{500, "EUR"});
  CHECK(second[0].fact->amount == money{2098, "EUR"});
  CHECK(first[0].fact->key != second[0].fact->key);
}

TEST_CASE("a cancelled order tells the customer what is refunded", "[order_effects]") {
  std::vector<order_effects> effects;
  auto s = placed(effects);
  effects_running(s, record_payment{"ch_9", {2598, "EUR"}});
  auto cancelled = effects_running(s, cancel_order{"changed mind"});
  REQUIRE(cancelled.size() == 1);
  REQUIRE(cancelled[0].notify);
  CHECK(cancelled[0].notify->key == "ord_1/order_cancelled");
  CHECK(cancelled[0].notify->data.at("reason") == "changed mind");
  CHECK(cancelled[0].notify->data.at("refund_due") == 2598);
}
