#include "domain/cart.hpp"

#include "domain_helpers.hpp"

using namespace commerce::domain;
using namespace commerce::test;

namespace {

cart_state open_cart() {
  auto s = cart_decider::initial("cart-1");
  require_accepted<cart_decider>(s, create_cart{"USD", "ann@example.com", "cust-1"});
  return s;
}

auto run_cart(cart_state& s, const cart_command& c, const context& ctx = t0) {
  return run<cart_decider>(s, c, ctx);
}

}  // namespace

TEST_CASE("a cart is created open with its currency and contact", "[cart]") {
  auto s = open_cart();
  CHECK(s.exists);
  CHECK(s.status == cart_status::open);
  CHECK(s.currency == "USD");
  CHECK(s.email == "ann@example.com");
  CHECK(s.subtotal() == money{0, "USD"});
  CHECK(run_cart(s, create_cart{"USD", "", ""}).events().empty());
}

TEST_CASE("cart creation is validated", "[cart]") {
  auto s = cart_decider::initial("cart-1");
  CHECK(code_of(run_cart(s, create_cart{"US", "", ""})) == "validation_failed");
  CHECK(code_of(run_cart(s, create_cart{"USD", "not-an-email", ""})) == "validation_failed");
  CHECK(code_of(run_cart(s, set_line{"SKU", 1, {100, "USD"}, true})) == "not_found");
}

TEST_CASE("lines keep the price captured when added, the subtotal follows", "[cart]") {
  auto s = open_cart();
  require_accepted<cart_decider>(s, set_line{"MUG", 2, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, set_line{"TEA", 1, {500, "USD"}, true});
  CHECK(s.subtotal() == money{3098, "USD"});
  // The price went up since; the line keeps what the customer saw.
  require_accepted<cart_decider>(s, set_line{"MUG", 3, {1599, "USD"}, true});
  CHECK(s.lines.at("MUG").unit_price.amount == 1299);
  CHECK(s.subtotal().amount == 3 * 1299 + 500);
  CHECK(run_cart(s, set_line{"MUG", 3, {1599, "USD"}, true}).events().empty());
}

TEST_CASE("setting a line to 0 or deleting it removes it", "[cart]") {
  auto s = open_cart();
  require_accepted<cart_decider>(s, set_line{"MUG", 2, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, set_line{"MUG", 0, {}, false});
  CHECK(s.lines.empty());
  CHECK(run_cart(s, set_line{"MUG", 0, {}, false}).events().empty());
  CHECK(code_of(run_cart(s, remove_line{"MUG"})) == "not_found");
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, remove_line{"MUG"});
  CHECK(s.lines.empty());
}

TEST_CASE("lines are validated", "[cart]") {
  auto s = open_cart();
  CHECK(code_of(run_cart(s, set_line{"bad sku", 1, {100, "USD"}, true})) == "validation_failed");
  CHECK(code_of(run_cart(s, set_line{"MUG", -1, {100, "USD"}, true})) == "validation_failed");
  CHECK(code_of(run_cart(s, set_line{"MUG", 1, {100, "EUR"}, true})) == "currency_mismatch");
  CHECK(code_of(run_cart(s, set_line{"MUG", max_quantity, {max_amount, "USD"}, true})) == "validation_failed");
  for (std::size_t i = 0; i < max_cart_lines; ++i)
    require_accepted<cart_decider>(s, set_line{"SKU-" + std::to_string(i), 1, {1, "USD"}, false});
  CHECK(code_of(run_cart(s, set_line{"ONE-TOO-MANY", 1, {1, "USD"}, false})) == "validation_failed");
}

TEST_CASE("reservations expire a TTL after the last activity, not before", "[cart]") {
  auto s = open_cart();
  const duration ttl{600'000};
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, true}, at_ms(t0.now.ms_since_epoch + 1000));
  require_accepted<cart_decider>(s, set_line{"TEA", 1, {500, "USD"}, false}, at_ms(t0.now.ms_since_epoch + 2000));
  const timestamp due = t0.now + duration{2000} + ttl;
  CHECK(cart_decider::next_deadline(s, ttl) == due);

  // A timer armed for the first activity arrives late, after fresh activity: nothing happens.
  CHECK(run_cart(s, expire_cart_reservations{ttl.count()}, at_ms(due.ms_since_epoch - 1)).events().empty());
  auto d = run_cart(s, expire_cart_reservations{ttl.count()}, at_ms(due.ms_since_epoch));
  REQUIRE(d.events().size() == 1);
  CHECK(std::get<cart_reservations_expired>(d.events()[0]).skus == std::vector<std::string>{"MUG"});
  CHECK_FALSE(s.lines.at("MUG").reserved);
  CHECK(s.lines.size() == 2);  // the lines stay
  CHECK_FALSE(cart_decider::next_deadline(s, ttl).has_value());
  CHECK(run_cart(s, expire_cart_reservations{ttl.count()}, at_ms(due.ms_since_epoch + 1)).events().empty());

  // Re-reserving on the next change marks the line reserved again.
  require_accepted<cart_decider>(s, set_line{"MUG", 2, {1299, "USD"}, true}, at_ms(due.ms_since_epoch + 5));
  CHECK(s.lines.at("MUG").reserved);
}

TEST_CASE("marking a line's reservation is not customer activity", "[cart]") {
  auto s = open_cart();
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, false});
  const auto before = s.updated_at;
  require_accepted<cart_decider>(s, mark_line_reserved{"MUG", true}, at_ms(t0.now.ms_since_epoch + 99'000));
  CHECK(s.lines.at("MUG").reserved);
  CHECK(s.updated_at == before);
  CHECK(run_cart(s, mark_line_reserved{"MUG", true}).events().empty());
  CHECK(run_cart(s, mark_line_reserved{"GONE", true}).events().empty());
}

TEST_CASE("checkout needs an open cart with items", "[cart]") {
  auto s = open_cart();
  CHECK(code_of(run_cart(s, begin_checkout{"co-1"})) == "cart_empty");
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, begin_checkout{"co-1"});
  CHECK(s.status == cart_status::checking_out);
  CHECK(run_cart(s, begin_checkout{"co-1"}).events().empty());
  CHECK(code_of(run_cart(s, begin_checkout{"co-2"})) == "cart_not_open");
  CHECK(code_of(run_cart(s, set_line{"TEA", 1, {500, "USD"}, true})) == "cart_not_open");
  CHECK(code_of(run_cart(s, remove_line{"MUG"})) == "cart_not_open");
  CHECK_FALSE(cart_decider::next_deadline(s, duration{1000}).has_value());
}

TEST_CASE("a cancelled checkout reopens the cart, a completed one converts it", "[cart]") {
  auto s = open_cart();
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, begin_checkout{"co-1"});
  require_accepted<cart_decider>(s, cancel_checkout{"co-1", "payment_declined"});
  CHECK(s.status == cart_status::open);
  CHECK(run_cart(s, cancel_checkout{"co-1", "again"}).events().empty());

  require_accepted<cart_decider>(s, begin_checkout{"co-2"});
  CHECK(code_of(run_cart(s, complete_checkout{"co-1", "order-1"})) == "invalid_transition");
  require_accepted<cart_decider>(s, complete_checkout{"co-2", "order-1"});
  CHECK(s.status == cart_status::converted);
  CHECK(s.order_id == "order-1");
  CHECK(run_cart(s, complete_checkout{"co-2", "order-1"}).events().empty());
  CHECK(code_of(run_cart(s, begin_checkout{"co-3"})) == "cart_not_open");
  CHECK(code_of(run_cart(s, cancel_checkout{"co-2", "late"})) == "cart_not_open");
}

TEST_CASE("an abandoned cart reopens on activity, an expired one is closed", "[cart]") {
  auto s = open_cart();
  require_accepted<cart_decider>(s, set_line{"MUG", 1, {1299, "USD"}, true});
  require_accepted<cart_decider>(s, abandon_cart{});
  CHECK(s.status == cart_status::abandoned);
  CHECK(run_cart(s, abandon_cart{}).events().empty());
  require_accepted<cart_decider>(s, set_line{"MUG", 2, {1299, "USD"}, true});
  CHECK(s.status == cart_status::open);

  require_accepted<cart_decider>(s, expire_cart{});
  CHECK(s.status == cart_status::expired);
  CHECK(code_of(run_cart(s, set_line{"MUG", 3, {1299, "USD"}, true})) == "cart_not_open");
  CHECK(code_of(run_cart(s, abandon_cart{})) == "invalid_transition");
}
