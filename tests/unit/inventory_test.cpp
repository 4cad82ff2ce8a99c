#include "domain/inventory.hpp"

#include "domain_helpers.hpp"

using namespace commerce::domain;
using namespace commerce::test;

namespace {

inventory_state product_with_stock(std::int64_t on_hand) {
  auto s = inventory_decider::initial("SKU-1");
  require_accepted<inventory_decider>(s, define_product{"Mug", {1299, "USD"}, "kitchen"});
  if (on_hand > 0) require_accepted<inventory_decider>(s, adjust_stock{on_hand, "received"});
  return s;
}

auto run_inv(inventory_state& s, const inventory_command& c, const context& ctx = t0) {
  return run<inventory_decider>(s, c, ctx);
}

}  // namespace

TEST_CASE("a product is created, then updated only when something changed", "[inventory]") {
  auto s = inventory_decider::initial("SKU-1");
  auto created = run_inv(s, define_product{"Mug", {1299, "USD"}, "kitchen"});
  REQUIRE(created.accepted());
  REQUIRE(std::holds_alternative<product_created>(created.events().at(0)));
  CHECK(s.exists);
  CHECK(s.price == money{1299, "USD"});

  CHECK(run_inv(s, define_product{"Mug", {1299, "USD"}, "kitchen"}).events().empty());
  auto updated = run_inv(s, define_product{"Mug", {1499, "USD"}, "kitchen"});
  REQUIRE(std::holds_alternative<product_updated>(updated.events().at(0)));
  CHECK(s.price.amount == 1499);
}

TEST_CASE("product definitions are validated field by field", "[inventory]") {
  auto s = inventory_decider::initial("SKU-1");
  auto field_of = [&](const define_product& c) {
    auto d = run_inv(s, c);
    REQUIRE(code_of(d) == "validation_failed");
    return std::string(d.error().extra.at("field").as_string());
  };
  CHECK(field_of({"", {1, "USD"}, ""}) == "name");
  CHECK(field_of({"Mug", {1, "usd"}, ""}) == "price.currency");
  CHECK(field_of({"Mug", {-1, "USD"}, ""}) == "price.amount");
  CHECK(field_of({"Mug", {1, "USD"}, std::string(101, 'x')}) == "category");
  CHECK_FALSE(s.exists);
}

TEST_CASE("commands on a product that does not exist are not_found", "[inventory]") {
  auto s = inventory_decider::initial("nope");
  CHECK(code_of(run_inv(s, adjust_stock{5, "received"})) == "not_found");
  CHECK(code_of(run_inv(s, reserve_stock{"cart-1", 1, {}})) == "not_found");
}

TEST_CASE("stock is received and adjusted, never below what is reserved", "[inventory]") {
  auto s = product_with_stock(10);
  CHECK(s.on_hand == 10);
  CHECK(s.available() == 10);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 4, {}});
  require_accepted<inventory_decider>(s, adjust_stock{-6, "shrinkage"});
  CHECK(s.on_hand == 4);
  CHECK(s.available() == 0);

  auto d = run_inv(s, adjust_stock{-1, "shrinkage"});
  REQUIRE(code_of(d) == "insufficient_stock");
  CHECK(d.error().extra.at("available").as_int64() == 0);
  CHECK(s.on_hand == 4);

  CHECK(code_of(run_inv(s, adjust_stock{0, "nothing"})) == "validation_failed");
  CHECK(code_of(run_inv(s, adjust_stock{1, ""})) == "validation_failed");
  CHECK(code_of(run_inv(s, adjust_stock{max_quantity + 1, "too much"})) == "validation_failed");
}

TEST_CASE("a reservation is set absolutely, so a repeated message changes nothing", "[inventory]") {
  auto s = product_with_stock(10);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 3, {}});
  CHECK(s.reserved == 3);
  CHECK(run_inv(s, reserve_stock{"cart-1", 3, {}}).events().empty());
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 5, {}});
  CHECK(s.reserved == 5);
  CHECK(s.available() == 5);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 2, {}});
  CHECK(s.reserved == 2);
  auto released = run_inv(s, reserve_stock{"cart-1", 0, {}});
  REQUIRE(std::holds_alternative<reservation_released>(released.events().at(0)));
  CHECK(s.reserved == 0);
  CHECK(s.reservations.empty());
}

TEST_CASE("too little stock is insufficient_stock with what this holder could have", "[inventory]") {
  auto s = product_with_stock(5);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-a", 3, {}});
  auto d = run_inv(s, reserve_stock{"cart-b", 3, {}});
  REQUIRE(code_of(d) == "insufficient_stock");
  CHECK(d.error().extra.at("available").as_int64() == 2);
  // cart-a already holds 3, so it could grow to 5 but not 6.
  auto grow = run_inv(s, reserve_stock{"cart-a", 6, {}});
  REQUIRE(code_of(grow) == "insufficient_stock");
  CHECK(grow.error().extra.at("available").as_int64() == 5);
  CHECK(s.reserved == 3);
}

TEST_CASE("reservations move cart → checkout → payment and back to cart, then sell", "[inventory]") {
  auto s = product_with_stock(10);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 4, timestamp{t0.now + duration{600'000}}});

  CHECK(code_of(run_inv(s, advance_reservation{"cart-1", reservation_stage::payment, {}})) == "invalid_transition");
  CHECK(code_of(run_inv(s, commit_reservation{"cart-1"})) == "invalid_transition");
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::checkout, {}});
  CHECK_FALSE(s.reservations.at("cart-1").expires_at.has_value());
  // The cart cannot change a reservation that a checkout holds.
  CHECK(code_of(run_inv(s, reserve_stock{"cart-1", 1, {}})) == "invalid_transition");
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::payment, {}});
  CHECK(run_inv(s, advance_reservation{"cart-1", reservation_stage::payment, {}}).events().empty());

  // A declined payment sends the reservation back to the cart.
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::cart, {}});
  CHECK(s.reservations.at("cart-1").stage == reservation_stage::cart);
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::checkout, {}});
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::payment, {}});

  require_accepted<inventory_decider>(s, commit_reservation{"cart-1"});
  CHECK(s.on_hand == 6);
  CHECK(s.reserved == 0);
  CHECK(s.sold == 4);
  CHECK(s.available() == 6);
  CHECK(code_of(run_inv(s, commit_reservation{"cart-1"})) == "not_found");
  CHECK(code_of(run_inv(s, advance_reservation{"ghost", reservation_stage::checkout, {}})) == "not_found");
}

TEST_CASE("cart-stage reservations expire at their time, late or repeated timers are harmless", "[inventory]") {
  auto s = product_with_stock(10);
  const timestamp soon = t0.now + duration{1000};
  const timestamp later = t0.now + duration{5000};
  require_accepted<inventory_decider>(s, reserve_stock{"early", 2, soon});
  require_accepted<inventory_decider>(s, reserve_stock{"late", 3, later});
  require_accepted<inventory_decider>(s, reserve_stock{"forever", 1, {}});
  CHECK(inventory_decider::next_deadline(s) == soon);

  CHECK(run_inv(s, expire_reservations{}, at_ms(soon.ms_since_epoch - 1)).events().empty());
  auto d = run_inv(s, expire_reservations{}, at_ms(soon.ms_since_epoch + 10));
  REQUIRE(d.events().size() == 1);
  CHECK(std::get<reservation_expired>(d.events()[0]).holder == "early");
  CHECK(run_inv(s, expire_reservations{}, at_ms(soon.ms_since_epoch + 10)).events().empty());
  CHECK(inventory_decider::next_deadline(s) == later);

  // Checkout-stage reservations do not expire with the cart.
  require_accepted<inventory_decider>(s, advance_reservation{"late", reservation_stage::checkout, {}});
  CHECK(run_inv(s, expire_reservations{}, at_ms(later.ms_since_epoch + 1)).events().empty());
  CHECK_FALSE(inventory_decider::next_deadline(s).has_value());
  CHECK(s.reserved == 4);
}

TEST_CASE("releasing is idempotent and frees the stock", "[inventory]") {
  auto s = product_with_stock(3);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 3, {}});
  require_accepted<inventory_decider>(s, release_stock{"cart-1", "line removed"});
  CHECK(s.available() == 3);
  CHECK(run_inv(s, release_stock{"cart-1", "again"}).events().empty());
}

TEST_CASE("sold stock can be returned to the shelf, sold keeps counting", "[inventory]") {
  auto s = product_with_stock(5);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 2, {}});
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::checkout, {}});
  require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::payment, {}});
  require_accepted<inventory_decider>(s, commit_reservation{"cart-1"});
  CHECK(code_of(run_inv(s, return_stock{"order-1", 3, "cancelled"})) == "validation_failed");
  require_accepted<inventory_decider>(s, return_stock{"order-1", 2, "cancelled"});
  CHECK(s.on_hand == 5);
  CHECK(s.sold == 2);
  CHECK_FALSE(check_invariant(s).has_value());
}

TEST_CASE("the invariant check notices a broken state", "[inventory]") {
  auto s = product_with_stock(5);
  CHECK_FALSE(check_invariant(s).has_value());
  s.reserved = 1;  // no reservation backs it
  CHECK(check_invariant(s).has_value());
  s = product_with_stock(1);
  s.on_hand = -1;
  CHECK(check_invariant(s).has_value());
}

TEST_CASE("SKUs are 1-64 characters of [A-Za-z0-9._-]", "[inventory]") {
  CHECK(valid_sku("MUG-blue_1.0"));
  CHECK(valid_sku(std::string(64, 'a')));
  CHECK_FALSE(valid_sku(""));
  CHECK_FALSE(valid_sku(std::string(65, 'a')));
  CHECK_FALSE(valid_sku("a/b"));
  CHECK_FALSE(valid_sku("mug blue"));
}

TEST_CASE("advancing to checkout sets the reservation to the order's quantity", "[inventory][saga]") {
  auto s = product_with_stock(10);
  require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 2, std::nullopt});

  SECTION("a racing cart change left it short: the advance takes what the order holds") {
    auto d = run_inv(s, advance_reservation{"cart-1", reservation_stage::checkout, std::nullopt, 8});
    REQUIRE(d.accepted());
    REQUIRE(d.events().size() == 2);
    CHECK(s.reservations.at("cart-1").quantity == 8);
    CHECK(s.reservations.at("cart-1").stage == reservation_stage::checkout);
    CHECK(s.reserved == 8);
    CHECK_FALSE(check_invariant(s).has_value());
    require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::payment, std::nullopt});
    require_accepted<inventory_decider>(s, commit_reservation{"cart-1"});
    CHECK(s.sold == 8);  // exactly the order's quantity
    CHECK(s.on_hand == 2);
  }

  SECTION("or left it long: the advance gives the rest back") {
    require_accepted<inventory_decider>(s, reserve_stock{"cart-1", 7, std::nullopt});
    require_accepted<inventory_decider>(s, advance_reservation{"cart-1", reservation_stage::checkout, std::nullopt, 3});
    CHECK(s.reserved == 3);
    CHECK(s.available() == 7);
  }

  SECTION("more than there is: insufficient_stock, nothing changed") {
    auto d = run_inv(s, advance_reservation{"cart-1", reservation_stage::checkout, std::nullopt, 11});
    REQUIRE_FALSE(d.accepted());
    CHECK(d.error().code == "insufficient_stock");
    CHECK(s.reservations.at("cart-1").stage == reservation_stage::cart);
    CHECK(s.reserved == 2);
  }

  SECTION("the same quantity: only the advance") {
    auto d = run_inv(s, advance_reservation{"cart-1", reservation_stage::checkout, std::nullopt, 2});
    REQUIRE(d.accepted());
    CHECK(d.events().size() == 1);
  }
}
