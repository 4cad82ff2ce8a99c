#include "domain/order.hpp"

#include "domain_helpers.hpp"

#include <utility>

using namespace commerce::domain;
using namespace commerce::test;

namespace {

place_order two_mugs() {
  return place_order{"cart-1", "cust-1", "ann@example.com", {{"city", "Oslo"}},
                     {{"MUG", 2, {1299, "USD"}}, {"TEA", 1, {500, "USD"}}}};
}

order_state placed() {
  auto s = order_decider::initial("order-1");
  require_accepted<order_decider>(s, two_mugs());
  return s;
}

order_state paid() {
  auto s = placed();
  require_accepted<order_decider>(s, record_payment{"ch_1", {3098, "USD"}});
  return s;
}

auto run_order(order_state& s, const order_command& c, const context& ctx = t0) {
  return run<order_decider>(s, c, ctx);
}

}  // namespace

TEST_CASE("an order is created from lines with totals, pending payment", "[order]") {
  auto s = placed();
  CHECK(s.status == order_status::pending_payment);
  CHECK(s.total == money{3098, "USD"});
  REQUIRE(s.lines.size() == 2);
  CHECK(s.lines[0].line_total == money{2598, "USD"});
  REQUIRE(s.history.size() == 1);
  CHECK(s.history[0].at == t0.now);
  CHECK(run_order(s, two_mugs()).events().empty());
}

TEST_CASE("order creation is validated", "[order]") {
  auto s = order_decider::initial("order-1");
  auto empty = two_mugs();
  empty.lines.clear();
  CHECK(code_of(run_order(s, empty)) == "cart_empty");
  auto mixed = two_mugs();
  mixed.lines[1].unit_price.currency = "EUR";
  CHECK(code_of(run_order(s, mixed)) == "currency_mismatch");
  auto zero = two_mugs();
  zero.lines[0].quantity = 0;
  CHECK(code_of(run_order(s, zero)) == "validation_failed");
  CHECK(code_of(run_order(s, deliver_order{})) == "not_found");
}

TEST_CASE("the happy path runs paid → fulfilling → shipped → delivered with history", "[order]") {
  auto s = placed();
  require_accepted<order_decider>(s, record_payment{"ch_1", {3098, "USD"}}, at_ms(1));
  require_accepted<order_decider>(s, start_fulfilment{}, at_ms(2));
  require_accepted<order_decider>(s, ship_order{"UPS", "1Z999"}, at_ms(3));
  require_accepted<order_decider>(s, deliver_order{}, at_ms(4));
  CHECK(s.status == order_status::delivered);
  CHECK(s.carrier == "UPS");
  REQUIRE(s.history.size() == 5);
  CHECK(s.history[2].status == order_status::fulfilling);
  CHECK(s.history[2].at == timestamp{2});
  CHECK(s.history[4].status == order_status::delivered);
}

TEST_CASE("a payment must match the total and is idempotent by transaction", "[order]") {
  auto s = placed();
  CHECK(code_of(run_order(s, record_payment{"ch_1", {3000, "USD"}})) == "validation_failed");
  CHECK(code_of(run_order(s, record_payment{"", {3098, "USD"}})) == "validation_failed");
  require_accepted<order_decider>(s, record_payment{"ch_1", {3098, "USD"}});
  CHECK(run_order(s, record_payment{"ch_1", {3098, "USD"}}).events().empty());
  CHECK(code_of(run_order(s, record_payment{"ch_2", {3098, "USD"}})) == "invalid_transition");
}

TEST_CASE("every illegal step is invalid_transition naming both states", "[order]") {
  const std::pair<order_command, order_status> steps[] = {
      {record_payment{"ch_9", {3098, "USD"}}, order_status::paid},
      {start_fulfilment{}, order_status::fulfilling},
      {ship_order{"UPS", "1Z"}, order_status::shipped},
      {deliver_order{}, order_status::delivered},
      {cancel_order{"changed mind"}, order_status::cancelled},
  };
  // Reach every status, then try every step from it; the table decides what is legal.
  std::vector<order_state> states;
  auto s = placed();
  states.push_back(s);
  require_accepted<order_decider>(s, record_payment{"ch_1", {3098, "USD"}});
  states.push_back(s);
  require_accepted<order_decider>(s, start_fulfilment{});
  states.push_back(s);
  require_accepted<order_decider>(s, ship_order{"UPS", "1Z"});
  states.push_back(s);
  require_accepted<order_decider>(s, deliver_order{});
  states.push_back(s);
  auto cancelled = placed();
  require_accepted<order_decider>(cancelled, cancel_order{"x"});
  states.push_back(cancelled);
  auto refunded = paid();
  require_accepted<order_decider>(refunded, request_refund{{}, "k1"});
  require_accepted<order_decider>(refunded, record_refund{"k1", "re_1"});
  states.push_back(refunded);

  int legal = 0;
  for (const auto& from : states) {
    for (const auto& [command, to] : steps) {
      auto d = order_decider::decide(from, command, t0);
      const bool allowed = order_transition_allowed(from.status, to);
      INFO(to_string(from.status) << " -> " << to_string(to));
      if (from.status == order_status::cancelled && to == order_status::cancelled) {  // a repeated cancel
        REQUIRE(d.accepted());
        CHECK(d.events().empty());
        continue;
      }
      if (allowed) {
        CHECK(d.accepted());
        ++legal;
      } else {
        REQUIRE(code_of(d) == "invalid_transition");
        CHECK(d.error().extra.at("from").as_string() == to_string(from.status));
        CHECK(d.error().extra.at("to").as_string() == to_string(to));
        CHECK(d.error().detail.find(std::string(to_string(from.status))) != std::string::npos);
      }
    }
  }
  CHECK(legal == 7);  // pay, fulfil, ship, deliver, and cancel from three states
}

// Asks for a refund under `key` and records the provider's `refund_id` for it.
void refund(order_state& s, std::optional<std::int64_t> amount, const std::string& key) {
  require_accepted<order_decider>(s, request_refund{amount, key});
  require_accepted<order_decider>(s, record_refund{key, "re_" + key});
}

TEST_CASE("cancelling a paid order makes its refund and restock pending steps", "[order]") {
  auto s = paid();
  auto d = run_order(s, cancel_order{"out of stock"});
  REQUIRE(d.accepted());
  CHECK(std::get<order_cancelled>(d.events()[0]).refund_due == 3098);
  CHECK(s.status == order_status::cancelled);
  REQUIRE(s.pending_refunds.size() == 1);
  CHECK(s.pending_refunds[0].key == "order-1/cancel");
  CHECK(s.pending_refunds[0].amount == 3098);
  CHECK(s.restock_pending);
  CHECK_FALSE(order_decider::settled(s));
  CHECK(order_decider::next_deadline(s, duration{10'000}) == t0.now + duration{10'000});
  // Nothing more can be refunded while it is pending; the refund keeps the order cancelled.
  CHECK(code_of(run_order(s, request_refund{{}, "other"})) == "invalid_transition");
  require_accepted<order_decider>(s, record_refund{"order-1/cancel", "re_1"});
  require_accepted<order_decider>(s, record_restocked{});
  CHECK(s.status == order_status::cancelled);
  CHECK(s.refunded == 3098);
  CHECK(order_decider::settled(s));
  CHECK_FALSE(order_decider::next_deadline(s, duration{10'000}).has_value());
  // Recorded again (a step run twice): nothing.
  CHECK(run_order(s, record_refund{"order-1/cancel", "re_1"}).events().empty());
  CHECK(run_order(s, record_restocked{}).events().empty());

  auto unpaid = placed();
  auto u = run_order(unpaid, cancel_order{"changed mind"});
  CHECK(std::get<order_cancelled>(u.events()[0]).refund_due == 0);
  CHECK(order_decider::settled(unpaid));  // nothing was sold or paid
  CHECK(code_of(run_order(unpaid, request_refund{{}, "k"})) == "invalid_transition");
}

TEST_CASE("a refund is asked for once per key and recorded once", "[order][saga]") {
  auto s = paid();
  auto asked = run_order(s, request_refund{1000, "k1"});
  REQUIRE(asked.accepted());
  REQUIRE(std::holds_alternative<refund_requested>(asked.events().at(0)));
  CHECK(s.refunded == 0);  // not yet: the provider has not answered
  CHECK(run_order(s, request_refund{1000, "k1"}).events().empty());  // the same key again
  // Pending refunds count against what can still be refunded.
  CHECK(run_order(s, request_refund{2099, "k2"}).error().code == "refund_exceeds_paid");
  auto refused = run_order(s, record_refund_refused{"k1", "amount_too_large"});
  REQUIRE(refused.accepted());
  CHECK(s.pending_refunds.empty());
  CHECK(s.closed_refunds.back().outcome == "amount_too_large");
  CHECK(run_order(s, request_refund{1000, "k1"}).events().empty());  // it ended; the key stays spent
}

TEST_CASE("refunds are partial or full and never exceed what was paid", "[order]") {
  auto s = paid();
  refund(s, 1000, "1");
  CHECK(s.status == order_status::paid);
  CHECK(s.refunded == 1000);
  auto over = run_order(s, request_refund{2099, "2"});
  REQUIRE(code_of(over) == "refund_exceeds_paid");
  CHECK(over.error().extra.at("refundable").as_int64() == 2098);
  CHECK(code_of(run_order(s, request_refund{0, "2"})) == "validation_failed");
  CHECK(code_of(run_order(s, request_refund{-5, "2"})) == "validation_failed");
  refund(s, 2098, "2");
  CHECK(s.status == order_status::refunded);
  CHECK(s.history.back().status == order_status::refunded);
  CHECK(code_of(run_order(s, request_refund{1, "3"})) == "invalid_transition");
  auto unpaid = placed();
  CHECK(code_of(run_order(unpaid, request_refund{1, "4"})) == "invalid_transition");
}

TEST_CASE("a free order is paid without a transaction", "[order]") {
  auto s = order_decider::initial("order-free");
  require_accepted<order_decider>(s, place_order{"cart-1", "", "a@b.c", {}, {{"GIFT", 1, {0, "USD"}}}});
  require_accepted<order_decider>(s, record_payment{"", {0, "USD"}});
  CHECK(s.status == order_status::paid);
  CHECK(run_order(s, record_payment{"", {0, "USD"}}).events().empty());  // a commit run again
}
