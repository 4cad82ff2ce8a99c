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
  require_accepted<order_decider>(refunded, refund_order{{}, "re_1"});
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

TEST_CASE("cancelling a paid order records the refund due", "[order]") {
  auto s = paid();
  auto d = run_order(s, cancel_order{"out of stock"});
  REQUIRE(d.accepted());
  CHECK(std::get<order_cancelled>(d.events()[0]).refund_due == 3098);
  CHECK(s.status == order_status::cancelled);
  // The refund of a cancelled order keeps it cancelled.
  require_accepted<order_decider>(s, refund_order{{}, "re_1"});
  CHECK(s.status == order_status::cancelled);
  CHECK(s.refunded == 3098);
  CHECK(code_of(run_order(s, refund_order{{}, "re_2"})) == "invalid_transition");

  auto unpaid = placed();
  auto u = run_order(unpaid, cancel_order{"changed mind"});
  CHECK(std::get<order_cancelled>(u.events()[0]).refund_due == 0);
  CHECK(code_of(run_order(unpaid, refund_order{{}, "re_3"})) == "invalid_transition");
}

TEST_CASE("refunds are partial or full and never exceed what was paid", "[order]") {
  auto s = paid();
  require_accepted<order_decider>(s, refund_order{1000, "re_1"});
  CHECK(s.status == order_status::paid);
  CHECK(s.refunded == 1000);
  auto over = run_order(s, refund_order{2099, "re_2"});
  REQUIRE(code_of(over) == "refund_exceeds_paid");
  CHECK(over.error().extra.at("refundable").as_int64() == 2098);
  CHECK(code_of(run_order(s, refund_order{0, "re_2"})) == "validation_failed");
  CHECK(code_of(run_order(s, refund_order{-5, "re_2"})) == "validation_failed");
  require_accepted<order_decider>(s, refund_order{2098, "re_2"});
  CHECK(s.status == order_status::refunded);
  CHECK(s.history.back().status == order_status::refunded);
  CHECK(code_of(run_order(s, refund_order{1, "re_3"})) == "invalid_transition");
  auto unpaid = placed();
  CHECK(code_of(run_order(unpaid, refund_order{1, "re_4"})) == "invalid_transition");
}
