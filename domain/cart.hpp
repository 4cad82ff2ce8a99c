// A shopping cart. Lines keep the unit price captured when the line was first added; a line is
// `reserved` while the SKU's actor holds stock for it. Status machine:
//   open ⇄ checking_out → converted;  open → abandoned → open (on activity);  open|abandoned → expired
#pragma once

#include "domain/decision.hpp"
#include "domain/money.hpp"
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

// Bounds the subtotal (lines × max line amount) well inside int64.
inline constexpr std::size_t max_cart_lines = 500;

enum class cart_status { open, checking_out, converted, abandoned, expired };
BOOST_DESCRIBE_ENUM(cart_status, open, checking_out, converted, abandoned, expired)
std::string_view to_string(cart_status s);

struct cart_line {
  std::int64_t quantity = 0;
  money unit_price;
  bool reserved = false;
};

struct cart_state {
  std::string id;
  bool exists = false;
  cart_status status = cart_status::open;
  std::string currency;
  std::string email;
  std::string customer_id;
  std::map<std::string, cart_line> lines;  // by SKU
  timestamp created_at;
  timestamp updated_at;  // last customer activity; reservations expire a TTL after it
  std::string checkout_id;
  std::string order_id;

  money subtotal() const;
};
BOOST_DESCRIBE_STRUCT(cart_line, (), (quantity, unit_price, reserved))
BOOST_DESCRIBE_STRUCT(cart_state, (), (id, exists, status, currency, email, customer_id, lines, created_at, updated_at,
                                       checkout_id, order_id))

// --- commands ---------------------------------------------------------------------------------

struct create_cart {
  static constexpr std::string_view type_name = "CreateCart";
  std::string currency; std::string email; std::string customer_id;
};
// Sets a line to `quantity` (0 removes it). `unit_price` is used only when the line is new.
struct set_line {
  static constexpr std::string_view type_name = "SetLine";
  std::string sku; std::int64_t quantity = 0; money unit_price; bool reserved = false;
};
struct remove_line {
  static constexpr std::string_view type_name = "RemoveLine";
  std::string sku;
};
// Records whether the SKU's actor now holds stock for this line. No customer activity.
struct mark_line_reserved {
  static constexpr std::string_view type_name = "MarkLineReserved";
  std::string sku; bool reserved = false;
};
// Marks every line unreserved if the cart has been idle for `ttl_ms` at ctx.now; a late or
// repeated timer after fresh activity changes nothing.
struct expire_cart_reservations {
  static constexpr std::string_view type_name = "ExpireCartReservations";
  std::int64_t ttl_ms = 0;
};
struct begin_checkout {
  static constexpr std::string_view type_name = "BeginCheckout";
  std::string checkout_id;
};
struct cancel_checkout {
  static constexpr std::string_view type_name = "CancelCheckout";
  std::string checkout_id; std::string reason;
};
struct complete_checkout {
  static constexpr std::string_view type_name = "CompleteCheckout";
  std::string checkout_id; std::string order_id;
};
struct abandon_cart { static constexpr std::string_view type_name = "AbandonCart"; };
struct expire_cart { static constexpr std::string_view type_name = "ExpireCart"; };

BOOST_DESCRIBE_STRUCT(create_cart, (), (currency, email, customer_id))
BOOST_DESCRIBE_STRUCT(set_line, (), (sku, quantity, unit_price, reserved))
BOOST_DESCRIBE_STRUCT(remove_line, (), (sku))
BOOST_DESCRIBE_STRUCT(mark_line_reserved, (), (sku, reserved))
BOOST_DESCRIBE_STRUCT(expire_cart_reservations, (), (ttl_ms))
BOOST_DESCRIBE_STRUCT(begin_checkout, (), (checkout_id))
BOOST_DESCRIBE_STRUCT(cancel_checkout, (), (checkout_id, reason))
BOOST_DESCRIBE_STRUCT(complete_checkout, (), (checkout_id, order_id))
BOOST_DESCRIBE_STRUCT(abandon_cart, (), ())
BOOST_DESCRIBE_STRUCT(expire_cart, (), ())

using cart_command = std::variant<create_cart, set_line, remove_line, mark_line_reserved,
                                  expire_cart_reservations, begin_checkout, cancel_checkout,
                                  complete_checkout, abandon_cart, expire_cart>;

// --- events -----------------------------------------------------------------------------------

struct cart_created {
  static constexpr std::string_view type_name = "CartCreated";
  static constexpr int schema_version = 1;
  std::string currency; std::string email; std::string customer_id; timestamp at;
};
struct cart_line_set {
  static constexpr std::string_view type_name = "CartLineSet";
  static constexpr int schema_version = 1;
  std::string sku; std::int64_t quantity = 0; money unit_price; bool reserved = false; timestamp at;
};
struct cart_line_removed {
  static constexpr std::string_view type_name = "CartLineRemoved";
  static constexpr int schema_version = 1;
  std::string sku; timestamp at;
};
struct cart_line_reservation_changed {
  static constexpr std::string_view type_name = "CartLineReservationChanged";
  static constexpr int schema_version = 1;
  std::string sku; bool reserved = false;
};
struct cart_reservations_expired {
  static constexpr std::string_view type_name = "CartReservationsExpired";
  static constexpr int schema_version = 1;
  std::vector<std::string> skus;
};
struct checkout_started {
  static constexpr std::string_view type_name = "CheckoutStarted";
  static constexpr int schema_version = 1;
  std::string checkout_id; timestamp at;
};
struct checkout_cancelled {
  static constexpr std::string_view type_name = "CheckoutCancelled";
  static constexpr int schema_version = 1;
  std::string checkout_id; std::string reason; timestamp at;
};
struct cart_converted {
  static constexpr std::string_view type_name = "CartConverted";
  static constexpr int schema_version = 1;
  std::string checkout_id; std::string order_id; timestamp at;
};
struct cart_abandoned {
  static constexpr std::string_view type_name = "CartAbandoned";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct cart_expired {
  static constexpr std::string_view type_name = "CartExpired";
  static constexpr int schema_version = 1;
  timestamp at;
};

BOOST_DESCRIBE_STRUCT(cart_created, (), (currency, email, customer_id, at))
BOOST_DESCRIBE_STRUCT(cart_line_set, (), (sku, quantity, unit_price, reserved, at))
BOOST_DESCRIBE_STRUCT(cart_line_removed, (), (sku, at))
BOOST_DESCRIBE_STRUCT(cart_line_reservation_changed, (), (sku, reserved))
BOOST_DESCRIBE_STRUCT(cart_reservations_expired, (), (skus))
BOOST_DESCRIBE_STRUCT(checkout_started, (), (checkout_id, at))
BOOST_DESCRIBE_STRUCT(checkout_cancelled, (), (checkout_id, reason, at))
BOOST_DESCRIBE_STRUCT(cart_converted, (), (checkout_id, order_id, at))
BOOST_DESCRIBE_STRUCT(cart_abandoned, (), (at))
BOOST_DESCRIBE_STRUCT(cart_expired, (), (at))

using cart_event = std::variant<cart_created, cart_line_set, cart_line_removed,
                                cart_line_reservation_changed, cart_reservations_expired,
                                checkout_started, checkout_cancelled, cart_converted,
                                cart_abandoned, cart_expired>;

// --- decider ----------------------------------------------------------------------------------

struct cart_decider {
  using state = cart_state;
  using command = cart_command;
  using event = cart_event;
  static constexpr std::string_view stream_type = "cart";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // When expire_cart_reservations{ttl} should next be sent: a TTL after the last activity,
  // while an open cart holds reserved lines.
  static std::optional<timestamp> next_deadline(const state& s, duration ttl);
};

}  // namespace commerce::domain
