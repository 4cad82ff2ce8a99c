// The checkout saga's decider: which step comes next, what a report for another step does
// (nothing), how a refusal releases, and how an unanswered charge is retried, never given up.
#include "domain/checkout.hpp"

#include "domain_helpers.hpp"

#include <boost/json.hpp>

#include <string>
#include <utility>
#include <vector>

using namespace commerce::domain;
using namespace commerce::test;

namespace {

constexpr std::int64_t base = 1'700'000'000'000;  // t0

start_checkout mug_and_tea() {
  return start_checkout{"cart-1",
                        7,
                        "order-1",
                        "cust-1",
                        "ann@example.com",
                        {{"city", "Oslo"}},
                        {{"mug", 2, {1200, "EUR"}}, {"tea", 1, {500, "EUR"}}},
                        "idem-1"};
}

auto run_checkout(checkout_state& s, const checkout_command& c, const context& ctx = t0) {
  return run<checkout_decider>(s, c, ctx);
}

void accept(checkout_state& s, const checkout_command& c, const context& ctx = t0) {
  require_accepted<checkout_decider>(s, c, ctx);
}

// Accepted and changed nothing: no events, the state as it was.
void require_no_op(checkout_state& s, const checkout_command& c, const context& ctx = t0) {
  const auto before = boost::json::value_from(s);
  auto d = run_checkout(s, c, ctx);
  INFO((d.accepted() ? std::string() : d.error().code + ": " + d.error().detail));
  REQUIRE(d.accepted());
  CHECK(d.events().empty());
  CHECK(boost::json::value_from(s) == before);
}

checkout_state started() {
  auto s = checkout_decider::initial("co-1");
  accept(s, mug_and_tea(), at_ms(base));
  return s;
}

checkout_state holding_stock() {
  auto s = started();
  accept(s, record_cart_claimed{}, at_ms(base + 1));
  return s;
}

checkout_state placing_order() {
  auto s = holding_stock();
  accept(s, record_stock_held{}, at_ms(base + 2));
  return s;
}

// Charging, with its first attempt journaled (as the step always does before calling).
checkout_state charging() {
  auto s = placing_order();
  accept(s, record_order_placed{}, at_ms(base + 3));
  accept(s, record_charge_attempt{}, at_ms(base + 3));
  return s;
}

checkout_state committing() {
  auto s = charging();
  accept(s, record_charge_succeeded{"ch_1"}, at_ms(base + 4));
  return s;
}

checkout_state completed() {
  auto s = committing();
  accept(s, record_committed{}, at_ms(base + 5));
  return s;
}

checkout_state releasing() {
  auto s = charging();
  accept(s, record_charge_refused{"card_declined", "insufficient funds"}, at_ms(base + 4));
  return s;
}

checkout_state failed() {
  auto s = releasing();
  accept(s, record_released{}, at_ms(base + 5));
  return s;
}

// How long the checkout waits before charging again, given that `now` is when it was decided.
duration retry_delay(const checkout_state& s, std::int64_t now) {
  REQUIRE(s.retry_payment_at.has_value());
  return *s.retry_payment_at - timestamp{now};
}

}  // namespace

TEST_CASE("the happy path runs every step in order to completed", "[checkout]") {
  auto s = checkout_decider::initial("co-1");
  CHECK_FALSE(s.exists);
  CHECK_FALSE(checkout_decider::answerable(s));

  accept(s, mug_and_tea(), at_ms(base));
  CHECK(s.exists);
  CHECK(s.step == checkout_step::claiming_cart);
  CHECK(s.total == money{2900, "EUR"});
  CHECK(s.cart_id == "cart-1");
  CHECK(s.cart_version == 7);
  CHECK(s.order_id == "order-1");
  CHECK(s.client_key == "idem-1");
  CHECK(s.charge_key() == "co-1/charge");
  REQUIRE(s.lines.size() == 2);
  CHECK(s.lines[0].sku == "mug");
  CHECK(s.started_at == timestamp{base});
  CHECK_FALSE(checkout_decider::answerable(s));

  const std::pair<checkout_command, checkout_step> steps[] = {
      {record_cart_claimed{}, checkout_step::holding_stock},
      {record_stock_held{}, checkout_step::placing_order},
      {record_order_placed{}, checkout_step::charging},
      {record_charge_attempt{}, checkout_step::charging},
      {record_charge_succeeded{"ch_1"}, checkout_step::committing},
      {record_committed{}, checkout_step::completed},
  };
  std::int64_t now = base;
  for (const auto& [command, next] : steps) {
    INFO("from " << to_string(s.step) << " expecting " << to_string(next));
    CHECK_FALSE(checkout_decider::answerable(s));
    auto d = run_checkout(s, command, at_ms(++now));
    REQUIRE(d.accepted());
    CHECK(d.events().size() == 1);
    CHECK(s.step == next);
    CHECK(s.updated_at == timestamp{now});
  }
  CHECK(s.step == checkout_step::completed);
  CHECK(s.transaction_id == "ch_1");
  CHECK(s.total == money{2900, "EUR"});
  CHECK(s.order_placed);
  CHECK(s.charge_attempts == 1);
  CHECK_FALSE(s.charge_open);
  CHECK_FALSE(s.failure.has_value());
  CHECK_FALSE(s.retry_payment_at.has_value());
  CHECK(s.started_at == timestamp{base});
  CHECK(checkout_decider::answerable(s));
}

TEST_CASE("a report for another step changes nothing", "[checkout]") {
  SECTION("named cases") {
    auto s = holding_stock();
    require_no_op(s, record_order_placed{});
    CHECK(s.step == checkout_step::holding_stock);

    auto c = charging();
    accept(c, record_charge_succeeded{"ch_1"});
    CHECK(c.step == checkout_step::committing);
    require_no_op(c, record_charge_succeeded{"ch_2"});  // the charge step ran twice
    CHECK(c.transaction_id == "ch_1");

    auto done = completed();
    require_no_op(done, record_committed{});
    require_no_op(done, record_charge_refused{"card_declined", "late"});
    require_no_op(done, record_charge_unavailable{true, 0, "late"});
    CHECK(done.step == checkout_step::completed);
    CHECK_FALSE(done.failure.has_value());
  }

  SECTION("every record_* at every step other than its own") {
    const std::pair<checkout_command, checkout_step> reports[] = {
        {record_cart_claimed{}, checkout_step::claiming_cart},
        {record_cart_refused{"cart_not_open", "x"}, checkout_step::claiming_cart},
        {record_stock_held{}, checkout_step::holding_stock},
        {record_stock_short{"mug", 1}, checkout_step::holding_stock},
        {record_order_placed{}, checkout_step::placing_order},
        {record_charge_succeeded{"ch_9"}, checkout_step::charging},
        {record_charge_refused{"card_declined", "x"}, checkout_step::charging},
        {record_charge_unavailable{false, 0, "x"}, checkout_step::charging},
        {record_charge_unavailable{true, 0, "x"}, checkout_step::charging},
        {record_committed{}, checkout_step::committing},
        {record_released{}, checkout_step::releasing},
    };
    auto cart_refused = started();
    accept(cart_refused, record_cart_refused{"cart_not_open", "x"});
    const std::vector<checkout_state> states = {started(),   holding_stock(), placing_order(), charging(),
                                                committing(), releasing(),     completed(),     failed(),
                                                cart_refused};
    int no_ops = 0;
    for (const auto& from : states) {
      for (const auto& [command, own_step] : reports) {
        if (from.step == own_step) continue;
        INFO("report for " << to_string(own_step) << " at " << to_string(from.step)
                           << " (command #" << command.index() << ")");
        auto s = from;
        require_no_op(s, command, at_ms(base + 100));
        ++no_ops;
      }
    }
    CHECK(no_ops > 60);
  }

  SECTION("before the checkout exists, a report is not_found") {
    auto s = checkout_decider::initial("co-1");
    CHECK(code_of(run_checkout(s, record_cart_claimed{})) == "not_found");
    CHECK(code_of(run_checkout(s, resume_checkout{})) == "not_found");
    CHECK_FALSE(s.exists);
  }
}

TEST_CASE("starting a checkout is validated and idempotent per cart", "[checkout]") {
  SECTION("the same cart again is a no-op, another cart is refused") {
    auto s = started();
    require_no_op(s, mug_and_tea(), at_ms(base + 10));
    auto again_changed = mug_and_tea();
    again_changed.lines.pop_back();
    require_no_op(s, again_changed, at_ms(base + 10));
    CHECK(s.total == money{2900, "EUR"});

    auto other = mug_and_tea();
    other.cart_id = "cart-2";
    CHECK(code_of(run_checkout(s, other)) == "validation_failed");
    CHECK(s.cart_id == "cart-1");

    // Also at a later step: asking again never restarts the saga.
    auto c = charging();
    require_no_op(c, mug_and_tea());
    CHECK(c.step == checkout_step::charging);
  }

  SECTION("invalid requests are rejected and create nothing") {
    auto s = checkout_decider::initial("co-1");
    auto empty = mug_and_tea();
    empty.lines.clear();
    CHECK(code_of(run_checkout(s, empty)) == "cart_empty");

    auto mixed = mug_and_tea();
    mixed.lines[1].unit_price.currency = "USD";
    CHECK(code_of(run_checkout(s, mixed)) == "currency_mismatch");

    auto no_cart = mug_and_tea();
    no_cart.cart_id.clear();
    CHECK(code_of(run_checkout(s, no_cart)) == "validation_failed");

    auto no_order = mug_and_tea();
    no_order.order_id.clear();
    CHECK(code_of(run_checkout(s, no_order)) == "validation_failed");

    auto zero = mug_and_tea();
    zero.lines[0].quantity = 0;
    CHECK(code_of(run_checkout(s, zero)) == "validation_failed");

    auto huge = mug_and_tea();
    huge.lines[0].quantity = max_quantity;
    huge.lines[0].unit_price.amount = max_amount;
    CHECK(code_of(run_checkout(s, huge)) == "validation_failed");

    CHECK_FALSE(s.exists);
    CHECK_FALSE(checkout_decider::next_deadline(s, duration{10'000}).has_value());
  }
}

TEST_CASE("a refused charge releases, then fails with payment_declined", "[checkout]") {
  auto s = charging();
  auto d = run_checkout(s, record_charge_refused{"card_declined", "insufficient funds"}, at_ms(base + 10));
  REQUIRE(d.accepted());
  REQUIRE(d.events().size() == 1);
  REQUIRE(std::holds_alternative<checkout_refused>(d.events()[0]));
  CHECK(std::get<checkout_refused>(d.events()[0]).release);
  CHECK(s.step == checkout_step::releasing);
  REQUIRE(s.failure.has_value());
  CHECK(s.failure->code == "payment_declined");
  CHECK(s.failure->detail.find("card_declined") != std::string::npos);
  CHECK(s.order_placed);  // releasing must cancel the order
  CHECK(s.transaction_id.empty());
  CHECK_FALSE(checkout_decider::answerable(s));
  CHECK(checkout_decider::next_deadline(s, duration{10'000}) == timestamp{base + 10 + 10'000});

  accept(s, record_released{}, at_ms(base + 20));
  CHECK(s.step == checkout_step::failed);
  REQUIRE(s.failure.has_value());
  CHECK(s.failure->code == "payment_declined");
  CHECK(checkout_decider::answerable(s));
  CHECK_FALSE(checkout_decider::next_deadline(s, duration{10'000}).has_value());
}

TEST_CASE("short stock releases with insufficient_stock naming the line", "[checkout]") {
  auto s = holding_stock();
  accept(s, record_stock_short{"mug", 3}, at_ms(base + 10));
  CHECK(s.step == checkout_step::releasing);
  REQUIRE(s.failure.has_value());
  CHECK(s.failure->code == "insufficient_stock");
  CHECK(s.failure->sku == "mug");
  CHECK(s.failure->available == 3);
  CHECK_FALSE(s.order_placed);
  CHECK_FALSE(checkout_decider::answerable(s));

  accept(s, record_released{});
  CHECK(s.step == checkout_step::failed);
  CHECK(s.failure->sku == "mug");
  CHECK(checkout_decider::answerable(s));
}

TEST_CASE("a refused cart claim fails directly, with nothing to release", "[checkout]") {
  auto s = started();
  auto d = run_checkout(s, record_cart_refused{"cart_not_open", "the cart is converted"}, at_ms(base + 10));
  REQUIRE(d.accepted());
  REQUIRE(d.events().size() == 1);
  REQUIRE(std::holds_alternative<checkout_refused>(d.events()[0]));
  CHECK_FALSE(std::get<checkout_refused>(d.events()[0]).release);
  CHECK(s.step == checkout_step::failed);
  REQUIRE(s.failure.has_value());
  CHECK(s.failure->code == "cart_not_open");
  CHECK(s.failure->detail == "the cart is converted");
  CHECK(checkout_decider::answerable(s));
  CHECK_FALSE(checkout_decider::next_deadline(s, duration{10'000}).has_value());
  require_no_op(s, record_released{});
}

TEST_CASE("an unavailable provider releases only if no charge can have reached it", "[checkout]") {
  constexpr std::int64_t now = base + 10;

  SECTION("nothing attempted: release with payment_unavailable and a retry hint") {
    auto s = charging();
    accept(s, record_charge_unavailable{false, 2000, "down"}, at_ms(now));
    CHECK(s.step == checkout_step::releasing);
    REQUIRE(s.failure.has_value());
    CHECK(s.failure->code == "payment_unavailable");
    CHECK(s.failure->retry_after_ms >= 1000);
    CHECK(s.failure->retry_after_ms == 2000);
    CHECK_FALSE(s.retry_payment_at.has_value());
    CHECK_FALSE(checkout_decider::answerable(s));

    auto t = charging();
    accept(t, record_charge_unavailable{false, 0, "breaker open"}, at_ms(now));
    REQUIRE(t.failure.has_value());
    CHECK(t.failure->code == "payment_unavailable");
    CHECK(t.failure->retry_after_ms >= 1000);
  }

  SECTION("maybe delivered: stay charging, charge again later, never release") {
    auto s = charging();
    accept(s, record_charge_unavailable{true, 2000, "timeout"}, at_ms(now));
    CHECK(s.step == checkout_step::charging);
    CHECK(s.charge_attempts == 1);
    CHECK_FALSE(s.charge_open);
    CHECK_FALSE(s.failure.has_value());
    REQUIRE(s.retry_payment_at.has_value());
    CHECK(*s.retry_payment_at >= timestamp{now} + duration{1000});
    CHECK(*s.retry_payment_at <= timestamp{now} + max_payment_retry_delay);
    CHECK(checkout_decider::answerable(s));
    CHECK(checkout_decider::next_deadline(s, duration{10'000}) == s.retry_payment_at);
    const auto first_retry = *s.retry_payment_at;

    // An earlier attempt may have charged: a later "not delivered" must not give up.
    constexpr std::int64_t later = now + 5000;
    accept(s, record_charge_unavailable{false, 2000, "down"}, at_ms(later));
    CHECK(s.step == checkout_step::charging);
    CHECK_FALSE(s.failure.has_value());
    REQUIRE(s.retry_payment_at.has_value());
    CHECK(*s.retry_payment_at != first_retry);
    CHECK(*s.retry_payment_at >= timestamp{later} + duration{1000});
    CHECK(*s.retry_payment_at <= timestamp{later} + max_payment_retry_delay);
    CHECK(checkout_decider::answerable(s));

    // The deadline fires: charge again, no longer answerable until the outcome is known.
    constexpr std::int64_t resumed = later + 10'000;
    auto d = run_checkout(s, resume_checkout{}, at_ms(resumed));
    REQUIRE(d.accepted());
    CHECK(d.events().size() == 1);
    CHECK_FALSE(s.retry_payment_at.has_value());
    CHECK(s.step == checkout_step::charging);
    CHECK_FALSE(checkout_decider::answerable(s));
    CHECK(checkout_decider::next_deadline(s, duration{10'000}) == timestamp{resumed + 10'000});

    accept(s, record_charge_succeeded{"ch_7"}, at_ms(resumed + 1));
    CHECK(s.step == checkout_step::committing);
    CHECK(s.transaction_id == "ch_7");
    CHECK_FALSE(s.retry_payment_at.has_value());
    accept(s, record_committed{});
    CHECK(s.step == checkout_step::completed);
    CHECK_FALSE(s.failure.has_value());
  }

  SECTION("a refusal after an unknown outcome still declines normally") {
    auto s = charging();
    accept(s, record_charge_unavailable{true, 0, "timeout"}, at_ms(now));
    accept(s, resume_checkout{}, at_ms(now + 1000));
    accept(s, record_charge_refused{"card_declined", ""}, at_ms(now + 1001));
    CHECK(s.step == checkout_step::releasing);
    REQUIRE(s.failure.has_value());
    CHECK(s.failure->code == "payment_declined");
    CHECK_FALSE(s.retry_payment_at.has_value());
  }

  SECTION("repeated unavailability backs off, capped at max_payment_retry_delay") {
    auto s = charging();
    std::int64_t t = now;
    accept(s, record_charge_unavailable{true, 0, "timeout"}, at_ms(t));
    const auto first = retry_delay(s, t);
    t += 100'000;
    accept(s, record_charge_unavailable{true, 0, "timeout"}, at_ms(t));
    const auto second = retry_delay(s, t);
    CHECK(first >= duration{1000});
    CHECK(second > first);

    auto previous = second;
    for (int i = 0; i < 20; ++i) {
      t += 100'000;
      accept(s, record_charge_unavailable{i % 2 == 0, 0, "timeout"}, at_ms(t));
      const auto delay = retry_delay(s, t);
      INFO("retry " << s.payment_retries);
      CHECK(s.step == checkout_step::charging);
      CHECK(delay >= previous);
      CHECK(delay <= max_payment_retry_delay);
      previous = delay;
    }
    CHECK(previous == max_payment_retry_delay);

    // A provider asking for a long wait is still capped.
    auto u = charging();
    accept(u, record_charge_unavailable{true, 10 * 60'000, "maintenance"}, at_ms(now));
    CHECK(retry_delay(u, now) == max_payment_retry_delay);
    // A provider asking for a wait longer than the backoff is honoured.
    auto v = charging();
    accept(v, record_charge_unavailable{true, 5000, "busy"}, at_ms(now));
    CHECK(retry_delay(v, now) == duration{5000});
  }
}

TEST_CASE("next_deadline follows the running step and stops once finished", "[checkout]") {
  const duration resume_after{30'000};
  CHECK_FALSE(checkout_decider::next_deadline(checkout_decider::initial("co-1"), resume_after).has_value());

  auto s = started();
  CHECK(checkout_decider::next_deadline(s, resume_after) == timestamp{base} + resume_after);
  accept(s, record_cart_claimed{}, at_ms(base + 500));
  CHECK(checkout_decider::next_deadline(s, resume_after) == timestamp{base + 500} + resume_after);

  // No progress: the deadline resumes the step, which moves the deadline on.
  auto d = run_checkout(s, resume_checkout{}, at_ms(base + 30'500));
  REQUIRE(d.accepted());
  REQUIRE(d.events().size() == 1);
  REQUIRE(std::holds_alternative<checkout_resumed>(d.events()[0]));
  CHECK(std::get<checkout_resumed>(d.events()[0]).at == timestamp{base + 30'500});
  CHECK(s.step == checkout_step::holding_stock);
  CHECK(checkout_decider::next_deadline(s, resume_after) == timestamp{base + 30'500} + resume_after);

  // Releasing is not finished either.
  auto r = releasing();
  auto rd = run_checkout(r, resume_checkout{}, at_ms(base + 99));
  REQUIRE(rd.accepted());
  CHECK(rd.events().size() == 1);
  CHECK(r.step == checkout_step::releasing);
  CHECK(checkout_decider::next_deadline(r, resume_after) == timestamp{base + 99} + resume_after);

  auto done = completed();
  CHECK_FALSE(checkout_decider::next_deadline(done, resume_after).has_value());
  require_no_op(done, resume_checkout{}, at_ms(base + 99'999));
  CHECK_FALSE(checkout_decider::next_deadline(done, resume_after).has_value());

  auto gone = failed();
  CHECK_FALSE(checkout_decider::next_deadline(gone, resume_after).has_value());
  require_no_op(gone, resume_checkout{}, at_ms(base + 99'999));
  CHECK_FALSE(checkout_decider::next_deadline(gone, resume_after).has_value());
}

TEST_CASE("the checkout state survives the snapshot's JSON round trip", "[checkout]") {
  auto s = checkout_decider::initial("co-1");
  s.exists = true;
  s.cart_id = "cart-1";
  s.cart_version = 7;
  s.order_id = "order-1";
  s.customer_id = "cust-1";
  s.email = "ann@example.com";
  s.shipping_address = {{"city", "Oslo"}, {"zip", "0150"}};
  s.lines = {{"mug", 2, {1200, "EUR"}}, {"tea", 1, {500, "EUR"}}};
  s.total = {2900, "EUR"};
  s.client_key = "idem-1";
  s.step = checkout_step::releasing;
  s.order_placed = true;
  s.charge_attempts = 2;
  s.charge_open = true;
  s.stalled = true;
  s.payment_retries = 3;
  s.retry_payment_at = timestamp{base + 60'000};
  s.transaction_id = "ch_1";
  s.failure = checkout_failure{"insufficient_stock", "only 3 of mug available", "mug", 3, 1500};
  s.started_at = timestamp{base + 123};
  s.updated_at = timestamp{base + 456};

  const auto json = boost::json::value_from(s);
  INFO(boost::json::serialize(json));
  REQUIRE(json.is_object());
  CHECK(json.as_object().size() == 23);  // every described member is written (no card token)
  const auto back = boost::json::value_to<checkout_state>(boost::json::parse(boost::json::serialize(json)));
  CHECK(boost::json::value_from(back) == json);

  CHECK(back.id == "co-1");
  CHECK(back.exists);
  CHECK(back.cart_version == 7);
  CHECK(back.shipping_address == s.shipping_address);
  REQUIRE(back.lines.size() == 2);
  CHECK(back.lines[1].unit_price == money{500, "EUR"});
  CHECK(back.total == s.total);
  CHECK(back.client_key == "idem-1");
  CHECK(back.step == checkout_step::releasing);
  CHECK(back.order_placed);
  CHECK(back.charge_attempts == 2);
  CHECK(back.charge_open);
  CHECK(back.stalled);
  CHECK(back.payment_retries == 3);
  CHECK(back.retry_payment_at == s.retry_payment_at);
  CHECK(back.transaction_id == "ch_1");
  REQUIRE(back.failure.has_value());
  CHECK(back.failure->code == "insufficient_stock");
  CHECK(back.failure->sku == "mug");
  CHECK(back.failure->available == 3);
  CHECK(back.failure->retry_after_ms == 1500);
  CHECK(back.started_at == s.started_at);
  CHECK(back.updated_at == s.updated_at);

  // Optional fields unset survive as well, and every step's name.
  auto plain = completed();
  const auto plain_json = boost::json::value_from(plain);
  const auto plain_back = boost::json::value_to<checkout_state>(plain_json);
  CHECK(boost::json::value_from(plain_back) == plain_json);
  CHECK_FALSE(plain_back.retry_payment_at.has_value());
  CHECK_FALSE(plain_back.failure.has_value());
  CHECK(plain_back.step == checkout_step::completed);
}

TEST_CASE("a charge attempt is journaled before the call, and after one may have left nothing is released",
          "[checkout][saga]") {
  constexpr std::int64_t now = base + 10;

  SECTION("the attempt is counted and open until its outcome") {
    auto s = placing_order();
    accept(s, record_order_placed{}, at_ms(base + 3));
    CHECK(s.charge_attempts == 0);
    auto d = run_checkout(s, record_charge_attempt{}, at_ms(base + 4));
    REQUIRE(d.accepted());
    REQUIRE(d.events().size() == 1);
    CHECK(std::get<checkout_charge_attempted>(d.events()[0]).attempt == 1);
    CHECK(s.charge_open);
    CHECK(s.updated_at == timestamp{base + 4});
  }

  SECTION("killed after the call left, provider unreachable at resume: stays charging") {
    // Recovery journals a second attempt before asking again; that one never leaves.
    auto s = charging();
    accept(s, record_charge_attempt{}, at_ms(now));
    CHECK(s.charge_attempts == 2);
    accept(s, record_charge_unavailable{false, 1000, "connection refused"}, at_ms(now + 1));
    CHECK(s.step == checkout_step::charging);
    CHECK_FALSE(s.failure.has_value());
    CHECK(s.retry_payment_at.has_value());
    // ... until the provider answers definitively, with the same key.
    accept(s, resume_checkout{}, at_ms(now + 5000));
    accept(s, record_charge_attempt{}, at_ms(now + 5001));
    accept(s, record_charge_succeeded{"ch_9"}, at_ms(now + 5002));
    CHECK(s.step == checkout_step::committing);
    CHECK(s.transaction_id == "ch_9");
  }

  SECTION("no attempt while waiting for the time to charge again") {
    auto s = charging();
    accept(s, record_charge_unavailable{true, 1000, "timeout"}, at_ms(now));
    require_no_op(s, record_charge_attempt{}, at_ms(now + 1));
  }

  SECTION("a 409 from the provider (the key in flight) is not a decline") {
    auto s = charging();
    accept(s, record_charge_unavailable{true, 1000, "the provider answered 409"}, at_ms(now));
    CHECK(s.step == checkout_step::charging);
    CHECK_FALSE(s.failure.has_value());
  }
}

TEST_CASE("a free order is not charged", "[checkout][saga]") {
  auto s = checkout_decider::initial("co-free");
  auto free = mug_and_tea();
  free.lines = {{"gift", 1, {0, "EUR"}}};
  accept(s, free, at_ms(base));
  accept(s, record_cart_claimed{}, at_ms(base + 1));
  accept(s, record_stock_held{}, at_ms(base + 2));
  accept(s, record_order_placed{}, at_ms(base + 3));
  CHECK(s.total.amount == 0);
  CHECK(s.step == checkout_step::committing);
  CHECK(s.charge_attempts == 0);
}

TEST_CASE("a checkout past its bound stalls for an operator, who may abandon it", "[checkout][saga]") {
  constexpr std::int64_t bound = 15 * 60'000;
  auto s = charging();
  accept(s, record_charge_unavailable{true, 1000, "timeout"}, at_ms(base + 10));

  SECTION("within the bound: resumed") {
    auto d = run_checkout(s, resume_checkout{bound}, at_ms(base + bound - 1));
    REQUIRE(d.accepted());
    REQUIRE(d.events().size() == 1);
    CHECK(std::holds_alternative<checkout_resumed>(d.events()[0]));
    CHECK_FALSE(s.stalled);
  }

  SECTION("past it: stalled, no deadline, no attempt; abandoning releases") {
    auto refused = run_checkout(s, abandon_checkout{"not yet"}, at_ms(base + 20));
    REQUIRE_FALSE(refused.accepted());
    CHECK(refused.error().code == "invalid_transition");

    auto d = run_checkout(s, resume_checkout{bound}, at_ms(base + bound));
    REQUIRE(d.accepted());
    REQUIRE(d.events().size() == 1);
    CHECK(std::holds_alternative<checkout_stalled>(d.events()[0]));
    CHECK(s.stalled);
    CHECK(s.step == checkout_step::charging);
    CHECK(checkout_decider::answerable(s));
    CHECK_FALSE(checkout_decider::next_deadline(s, duration{10'000}).has_value());
    require_no_op(s, resume_checkout{bound}, at_ms(base + bound + 1));
    require_no_op(s, record_charge_attempt{}, at_ms(base + bound + 1));

    accept(s, abandon_checkout{"provider gone"}, at_ms(base + bound + 2));
    CHECK(s.step == checkout_step::releasing);
    REQUIRE(s.failure.has_value());
    CHECK(s.failure->code == "checkout_abandoned");
    CHECK_FALSE(s.stalled);
    accept(s, record_released{}, at_ms(base + bound + 3));
    CHECK(s.step == checkout_step::failed);
  }
}

TEST_CASE("a stalled checkout that has charged is resumed, never abandoned", "[checkout][saga]") {
  constexpr std::int64_t bound = 60'000;
  auto s = committing();
  accept(s, resume_checkout{bound}, at_ms(base + bound + 10));
  REQUIRE(s.stalled);
  auto abandon = run_checkout(s, abandon_checkout{"operator"}, at_ms(base + bound + 20));
  REQUIRE_FALSE(abandon.accepted());
  CHECK(abandon.error().code == "invalid_transition");
  // The operator's resume (no bound) un-stalls it, with a new bound from now.
  accept(s, resume_checkout{}, at_ms(base + bound + 30));
  CHECK_FALSE(s.stalled);
  CHECK(s.step == checkout_step::committing);
  CHECK(s.bound_from == timestamp{base + bound + 30});
  auto d = run_checkout(s, resume_checkout{bound}, at_ms(base + bound + 40));
  REQUIRE(d.accepted());
  CHECK(std::holds_alternative<checkout_resumed>(d.events().at(0)));  // within its new bound
}

TEST_CASE("a card token no longer held fails the checkout as such, not as a declined card", "[checkout]") {
  auto s = charging();
  accept(s, record_charge_refused{"payment_token_expired", "the card token is no longer held"}, at_ms(base + 4));
  CHECK(s.step == checkout_step::releasing);
  REQUIRE(s.failure);
  CHECK(s.failure->code == "payment_token_expired");
  auto declined = charging();
  accept(declined, record_charge_refused{"card_declined", "no"}, at_ms(base + 4));
  CHECK(declined.failure->code == "payment_declined");
}
