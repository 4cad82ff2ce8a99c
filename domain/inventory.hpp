// A product and its stock, one per SKU. Stock on hand is either available or reserved by a
// holder (a cart, or a checkout on the cart's behalf); a reservation moves through seed 001's
// Reserved sub-states cart → checkout → payment and ends released, expired or sold.
//
// Invariant after every event: on_hand = available + reserved, reserved = Σ reservations,
// none negative, and sold only grows.
#pragma once

#include "domain/decision.hpp"
#include "domain/money.hpp"
#include "domain/price_rule.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

// 1–64 characters of [A-Za-z0-9._-], as API.md defines a SKU.
bool valid_sku(std::string_view sku);

enum class reservation_stage { cart, checkout, payment };
BOOST_DESCRIBE_ENUM(reservation_stage, cart, checkout, payment)
std::string_view to_string(reservation_stage s);

struct reservation {
  std::int64_t quantity = 0;
  reservation_stage stage = reservation_stage::cart;
  std::optional<timestamp> expires_at;  // only cart-stage reservations expire
};

// Why a price moved (API.md's audit reasons); a manual change is PUT /v1/products/{sku}.
enum class price_cause { job, campaign, rollback };
BOOST_DESCRIBE_ENUM(price_cause, job, campaign, rollback)
std::string_view to_string(price_cause c);

// A price change by a job, a campaign or a rollback, remembered by its reference (the job's or
// campaign's id and step) so that the same step applied again changes nothing.
struct price_change {
  std::string reference;
  money old_price;
  money new_price;
};

struct inventory_state {
  std::string sku;
  bool exists = false;
  std::string name;
  money price;
  std::string category;
  std::int64_t on_hand = 0;
  std::int64_t reserved = 0;
  std::int64_t sold = 0;
  std::map<std::string, reservation> reservations;  // by holder
  std::vector<std::string> returns;  // references of stock returned, so a return is recorded once
  std::optional<timestamp> counted_at;  // of the last count applied (count_stock): older ones are ignored
  std::string counted_source;           // and where it came from (the same count again is ignored too)
  std::vector<price_change> recent_price_changes;  // the last max_recent_price_changes, oldest first

  std::int64_t available() const { return on_hand - reserved; }
};
// Described so that the persistent entity can snapshot the state as JSON.
BOOST_DESCRIBE_STRUCT(reservation, (), (quantity, stage, expires_at))
BOOST_DESCRIBE_STRUCT(price_change, (), (reference, old_price, new_price))
BOOST_DESCRIBE_STRUCT(inventory_state, (), (sku, exists, name, price, category, on_hand, reserved, sold, reservations, returns,
                                            counted_at, counted_source, recent_price_changes))

// --- commands ---------------------------------------------------------------------------------

struct define_product {
  static constexpr std::string_view type_name = "DefineProduct";
  std::string name; money price; std::string category;
};
struct adjust_stock {
  static constexpr std::string_view type_name = "AdjustStock";
  std::int64_t delta = 0; std::string reason;
};
// Sets the holder's reservation to `quantity` (absolute, so a retried message changes nothing);
// 0 releases it. The holder's reservation must be at stage cart.
struct reserve_stock {
  static constexpr std::string_view type_name = "ReserveStock";
  std::string holder; std::int64_t quantity = 0; std::optional<timestamp> expires_at;
};
struct release_stock {
  static constexpr std::string_view type_name = "ReleaseStock";
  std::string holder; std::string reason;
};
// Moves the holder's reservation to stage `to`. Advancing from cart to checkout with a
// `quantity` also sets the reservation to exactly that many (the order's line), whatever racing
// cart changes left it at, so that a checkout sells exactly what its order holds.
struct advance_reservation {
  static constexpr std::string_view type_name = "AdvanceReservation";
  std::string holder; reservation_stage to = reservation_stage::cart; std::optional<timestamp> expires_at;
  std::optional<std::int64_t> quantity;
};
// Expires every cart-stage reservation whose time has come (ctx.now); a late or repeated
// delivery of the expiry timer therefore does exactly the right thing.
struct expire_reservations { static constexpr std::string_view type_name = "ExpireReservations"; };
// Turns a payment-stage reservation into sold stock.
struct commit_reservation {
  static constexpr std::string_view type_name = "CommitReservation";
  std::string holder;
};
// Puts sold units back on hand (a cancelled order); `sold` keeps counting them. A reference
// already returned changes nothing (a retried cancel).
struct return_stock {
  static constexpr std::string_view type_name = "ReturnStock";
  std::string reference; std::int64_t quantity = 0; std::string reason;
};
// The warehouse's count from the store platform (a webhook or a reconciliation): on hand becomes
// `available`, but never less than what is reserved (the shortfall is reported in the event).
// A count taken before the last one applied, or the same count again (same time and source),
// changes nothing, so late and repeated deliveries are harmless; another count of the same
// moment (the platform's times are whole seconds) is applied.
struct count_stock {
  static constexpr std::string_view type_name = "CountStock";
  std::int64_t available = 0; timestamp counted_at; std::string source;
};
// Applies `rule` to the price as it is now, atomically. A `reference` among the recent price
// changes changes nothing (the step ran already: its change is in recent_price_changes). A
// rule that leaves the price as it is records nothing.
struct apply_price_rule {
  static constexpr std::string_view type_name = "ApplyPriceRule";
  price_rule rule; price_cause cause = price_cause::job; std::string reference;
};
inline constexpr std::size_t max_recent_price_changes = 32;
// A campaign's rollback of one SKU: the price goes back to `price` only while it is still
// `expected` (what the campaign set); otherwise nothing changes, and the caller, seeing the
// price is not `expected`, knows someone else changed it since. A `reference` among the recent
// price changes changes nothing.
struct restore_price {
  static constexpr std::string_view type_name = "RestorePrice";
  money price; money expected; std::string reference;
};

BOOST_DESCRIBE_STRUCT(define_product, (), (name, price, category))
BOOST_DESCRIBE_STRUCT(adjust_stock, (), (delta, reason))
BOOST_DESCRIBE_STRUCT(reserve_stock, (), (holder, quantity, expires_at))
BOOST_DESCRIBE_STRUCT(release_stock, (), (holder, reason))
BOOST_DESCRIBE_STRUCT(advance_reservation, (), (holder, to, expires_at, quantity))
BOOST_DESCRIBE_STRUCT(expire_reservations, (), ())
BOOST_DESCRIBE_STRUCT(commit_reservation, (), (holder))
BOOST_DESCRIBE_STRUCT(return_stock, (), (reference, quantity, reason))
BOOST_DESCRIBE_STRUCT(count_stock, (), (available, counted_at, source))
BOOST_DESCRIBE_STRUCT(apply_price_rule, (), (rule, cause, reference))
BOOST_DESCRIBE_STRUCT(restore_price, (), (price, expected, reference))

using inventory_command = std::variant<define_product, adjust_stock, reserve_stock, release_stock,
                                       advance_reservation, expire_reservations, commit_reservation,
                                       return_stock, count_stock, apply_price_rule,
                                       restore_price>;

// --- events -----------------------------------------------------------------------------------

struct product_created {
  static constexpr std::string_view type_name = "ProductCreated";
  static constexpr int schema_version = 1;
  std::string name; money price; std::string category;
};
struct product_updated {
  static constexpr std::string_view type_name = "ProductUpdated";
  static constexpr int schema_version = 1;
  std::string name; money price; std::string category;
};
struct stock_adjusted {
  static constexpr std::string_view type_name = "StockAdjusted";
  static constexpr int schema_version = 1;
  std::int64_t delta = 0; std::string reason;
};
struct stock_reserved {
  static constexpr std::string_view type_name = "StockReserved";
  static constexpr int schema_version = 1;
  std::string holder; std::int64_t quantity = 0; std::optional<timestamp> expires_at;
};
struct reservation_advanced {
  static constexpr std::string_view type_name = "ReservationAdvanced";
  static constexpr int schema_version = 1;
  std::string holder; reservation_stage from = reservation_stage::cart;
  reservation_stage to = reservation_stage::cart; std::optional<timestamp> expires_at;
};
struct reservation_released {
  static constexpr std::string_view type_name = "ReservationReleased";
  static constexpr int schema_version = 1;
  std::string holder; std::int64_t quantity = 0; std::string reason;
};
struct reservation_expired {
  static constexpr std::string_view type_name = "ReservationExpired";
  static constexpr int schema_version = 1;
  std::string holder; std::int64_t quantity = 0;
};
struct stock_sold {
  static constexpr std::string_view type_name = "StockSold";
  static constexpr int schema_version = 1;
  std::string holder; std::int64_t quantity = 0;
};
struct stock_returned {
  static constexpr std::string_view type_name = "StockReturned";
  static constexpr int schema_version = 1;
  std::string reference; std::int64_t quantity = 0; std::string reason;
};
struct stock_counted {
  static constexpr std::string_view type_name = "StockCounted";
  static constexpr int schema_version = 1;
  std::int64_t available = 0;  // the count
  std::int64_t delta = 0;      // what on hand moved by
  std::int64_t shortfall = 0;  // reserved units the count did not cover (on hand kept them)
  timestamp counted_at; std::string source;
};
struct price_changed {
  static constexpr std::string_view type_name = "PriceChanged";
  static constexpr int schema_version = 1;
  money old_price; money new_price; price_cause cause = price_cause::job; std::string reference; timestamp at;
};

BOOST_DESCRIBE_STRUCT(product_created, (), (name, price, category))
BOOST_DESCRIBE_STRUCT(product_updated, (), (name, price, category))
BOOST_DESCRIBE_STRUCT(stock_adjusted, (), (delta, reason))
BOOST_DESCRIBE_STRUCT(stock_reserved, (), (holder, quantity, expires_at))
BOOST_DESCRIBE_STRUCT(reservation_advanced, (), (holder, from, to, expires_at))
BOOST_DESCRIBE_STRUCT(reservation_released, (), (holder, quantity, reason))
BOOST_DESCRIBE_STRUCT(reservation_expired, (), (holder, quantity))
BOOST_DESCRIBE_STRUCT(stock_sold, (), (holder, quantity))
BOOST_DESCRIBE_STRUCT(stock_returned, (), (reference, quantity, reason))
BOOST_DESCRIBE_STRUCT(stock_counted, (), (available, delta, shortfall, counted_at, source))
BOOST_DESCRIBE_STRUCT(price_changed, (), (old_price, new_price, cause, reference, at))

using inventory_event = std::variant<product_created, product_updated, stock_adjusted, stock_reserved,
                                     reservation_advanced, reservation_released, reservation_expired,
                                     stock_sold, stock_returned, stock_counted, price_changed>;

// --- decider ----------------------------------------------------------------------------------

struct inventory_decider {
  using state = inventory_state;
  using command = inventory_command;
  using event = inventory_event;
  static constexpr std::string_view stream_type = "product";
  static constexpr int state_schema_version = 3;  // of the snapshot; bump when the state changes shape (3: counted_at, prices)

  static state initial(std::string sku);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // When expire_reservations should next be sent, if ever: the earliest cart-stage expiry.
  static std::optional<timestamp> next_deadline(const state& s);
};

// The invariant in words, or nullopt when it holds. Tests call it after every step.
std::optional<std::string> check_invariant(const inventory_state& s);

}  // namespace commerce::domain
