// A checkout: the saga that turns an open cart into a paid order (seed 001's checkout flow with
// seed 004's idempotent payment). It is a process manager: its state says which step is next,
// its events record how each step went, and the actor side (actors/checkout_process.cpp) runs
// the steps and reports back with the record_* commands. Every step is idempotent, so a step
// may run twice (after a crash, a lost answer or a resume) without doing anything twice.
//
//   claiming_cart  the cart, at the version read, is marked checking_out by this checkout
//   holding_stock  every line's reservation moves to stage checkout (re-reserved if it lapsed)
//   placing_order  the order is created, pending_payment
//   charging       reservations move to stage payment; the card is charged with key "<id>/charge"
//   committing     stock sold, then the order paid, then the cart converted → completed
//   releasing      after a refusal: reservations back to stage cart, the order cancelled, the
//                  cart open again → failed
//
// A charge whose outcome is unknown (the provider did not answer, but may have charged) is
// never given up: the checkout stays in `charging` and charges again with the same key at
// `retry_payment_at`, so it ends paid or declined, never charged twice.
#pragma once

#include "domain/decision.hpp"
#include "domain/money.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

enum class checkout_step { claiming_cart, holding_stock, placing_order, charging, committing, releasing, completed, failed };
BOOST_DESCRIBE_ENUM(checkout_step, claiming_cart, holding_stock, placing_order, charging, committing, releasing,
                    completed, failed)
std::string_view to_string(checkout_step s);

struct checkout_line {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
};
BOOST_DESCRIBE_STRUCT(checkout_line, (), (sku, quantity, unit_price))

// Why a checkout failed, as the client is told (a code of API.md).
struct checkout_failure {
  std::string code;  // payment_declined, insufficient_stock, payment_unavailable, cart_not_open, ...
  std::string detail;
  std::string sku;             // insufficient_stock: which line
  std::int64_t available = 0;  // insufficient_stock: how many there are
  std::int64_t retry_after_ms = 0;  // payment_unavailable
};
BOOST_DESCRIBE_STRUCT(checkout_failure, (), (code, detail, sku, available, retry_after_ms))

struct checkout_state {
  std::string id;
  bool exists = false;
  std::string cart_id;
  std::int64_t cart_version = 0;  // the cart as the client saw it; claiming needs it unchanged
  std::string order_id;
  std::string customer_id;
  std::string email;
  boost::json::object shipping_address;
  std::vector<checkout_line> lines;
  money total;
  std::string payment_token;
  std::string client_key;  // the Idempotency-Key of the request that started it, if any
  checkout_step step = checkout_step::claiming_cart;
  bool order_placed = false;       // what releasing must undo
  bool payment_attempted = false;  // a charge may have reached the provider
  int payment_retries = 0;
  std::optional<timestamp> retry_payment_at;  // the provider was unreachable; charge again then
  std::string transaction_id;
  std::optional<checkout_failure> failure;
  timestamp started_at;
  timestamp updated_at;  // of the last step

  std::string charge_key() const { return id + "/charge"; }
};
BOOST_DESCRIBE_STRUCT(checkout_state, (), (id, exists, cart_id, cart_version, order_id, customer_id, email,
                                           shipping_address, lines, total, payment_token, client_key, step,
                                           order_placed, payment_attempted, payment_retries, retry_payment_at,
                                           transaction_id, failure, started_at, updated_at))

// --- commands ---------------------------------------------------------------------------------

struct start_checkout {
  static constexpr std::string_view type_name = "StartCheckout";
  std::string cart_id; std::int64_t cart_version = 0; std::string order_id; std::string customer_id;
  std::string email; boost::json::object shipping_address; std::vector<checkout_line> lines;
  std::string payment_token; std::string client_key;
};
struct record_cart_claimed { static constexpr std::string_view type_name = "RecordCartClaimed"; };
// The cart would not be claimed (changed since it was read, not open, empty): nothing to undo.
struct record_cart_refused {
  static constexpr std::string_view type_name = "RecordCartRefused";
  std::string code; std::string detail;
};
struct record_stock_held { static constexpr std::string_view type_name = "RecordStockHeld"; };
struct record_stock_short {
  static constexpr std::string_view type_name = "RecordStockShort";
  std::string sku; std::int64_t available = 0;
};
struct record_order_placed { static constexpr std::string_view type_name = "RecordOrderPlaced"; };
struct record_charge_succeeded {
  static constexpr std::string_view type_name = "RecordChargeSucceeded";
  std::string transaction_id;
};
struct record_charge_refused {
  static constexpr std::string_view type_name = "RecordChargeRefused";
  std::string code; std::string detail;
};
// No answer from the provider within its retry budget (or its breaker is open).
struct record_charge_unavailable {
  static constexpr std::string_view type_name = "RecordChargeUnavailable";
  bool maybe_delivered = false; std::int64_t retry_after_ms = 0; std::string detail;
};
struct record_committed { static constexpr std::string_view type_name = "RecordCommitted"; };
struct record_released { static constexpr std::string_view type_name = "RecordReleased"; };
// Runs the current step again: the durable deadline of a checkout that made no progress, or a
// client asking again about a checkout waiting to charge.
struct resume_checkout { static constexpr std::string_view type_name = "ResumeCheckout"; };

BOOST_DESCRIBE_STRUCT(start_checkout, (), (cart_id, cart_version, order_id, customer_id, email, shipping_address,
                                           lines, payment_token, client_key))
BOOST_DESCRIBE_STRUCT(record_cart_claimed, (), ())
BOOST_DESCRIBE_STRUCT(record_cart_refused, (), (code, detail))
BOOST_DESCRIBE_STRUCT(record_stock_held, (), ())
BOOST_DESCRIBE_STRUCT(record_stock_short, (), (sku, available))
BOOST_DESCRIBE_STRUCT(record_order_placed, (), ())
BOOST_DESCRIBE_STRUCT(record_charge_succeeded, (), (transaction_id))
BOOST_DESCRIBE_STRUCT(record_charge_refused, (), (code, detail))
BOOST_DESCRIBE_STRUCT(record_charge_unavailable, (), (maybe_delivered, retry_after_ms, detail))
BOOST_DESCRIBE_STRUCT(record_committed, (), ())
BOOST_DESCRIBE_STRUCT(record_released, (), ())
BOOST_DESCRIBE_STRUCT(resume_checkout, (), ())

using checkout_command =
    std::variant<start_checkout, record_cart_claimed, record_cart_refused, record_stock_held, record_stock_short,
                 record_order_placed, record_charge_succeeded, record_charge_refused, record_charge_unavailable,
                 record_committed, record_released, resume_checkout>;

// --- events -----------------------------------------------------------------------------------

struct checkout_begun {
  static constexpr std::string_view type_name = "CheckoutBegun";
  static constexpr int schema_version = 1;
  std::string cart_id; std::int64_t cart_version = 0; std::string order_id; std::string customer_id;
  std::string email; boost::json::object shipping_address; std::vector<checkout_line> lines; money total;
  std::string payment_token; std::string client_key; timestamp at;
};
struct checkout_cart_claimed {
  static constexpr std::string_view type_name = "CheckoutCartClaimed";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct checkout_stock_held {
  static constexpr std::string_view type_name = "CheckoutStockHeld";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct checkout_order_placed {
  static constexpr std::string_view type_name = "CheckoutOrderPlaced";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct checkout_charged {
  static constexpr std::string_view type_name = "CheckoutCharged";
  static constexpr int schema_version = 1;
  std::string transaction_id; timestamp at;
};
struct checkout_charge_pending {
  static constexpr std::string_view type_name = "CheckoutChargePending";
  static constexpr int schema_version = 1;
  std::string detail; timestamp retry_at; timestamp at;
};
// The checkout cannot go on: `failure` says why; releasing follows if anything was claimed.
struct checkout_refused {
  static constexpr std::string_view type_name = "CheckoutRefused";
  static constexpr int schema_version = 1;
  checkout_failure failure; bool release = false; timestamp at;
};
struct checkout_completed {
  static constexpr std::string_view type_name = "CheckoutCompleted";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct checkout_released {
  static constexpr std::string_view type_name = "CheckoutReleased";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct checkout_resumed {
  static constexpr std::string_view type_name = "CheckoutResumed";
  static constexpr int schema_version = 1;
  timestamp at;
};

BOOST_DESCRIBE_STRUCT(checkout_begun, (), (cart_id, cart_version, order_id, customer_id, email, shipping_address,
                                           lines, total, payment_token, client_key, at))
BOOST_DESCRIBE_STRUCT(checkout_cart_claimed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_stock_held, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_order_placed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_charged, (), (transaction_id, at))
BOOST_DESCRIBE_STRUCT(checkout_charge_pending, (), (detail, retry_at, at))
BOOST_DESCRIBE_STRUCT(checkout_refused, (), (failure, release, at))
BOOST_DESCRIBE_STRUCT(checkout_completed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_released, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_resumed, (), (at))

using checkout_event = std::variant<checkout_begun, checkout_cart_claimed, checkout_stock_held, checkout_order_placed,
                                    checkout_charged, checkout_charge_pending, checkout_refused, checkout_completed,
                                    checkout_released, checkout_resumed>;

// --- decider ----------------------------------------------------------------------------------

struct checkout_decider {
  using state = checkout_state;
  using command = checkout_command;
  using event = checkout_event;
  static constexpr std::string_view stream_type = "checkout";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // When to resume: at retry_payment_at while waiting to charge again, else `resume_after`
  // after the last step; never once finished.
  static std::optional<timestamp> next_deadline(const state& s, duration resume_after);
  // Whether the client can be told something final-for-now: finished, or waiting to charge again.
  static bool answerable(const state& s);
};

// Longest wait between charges of a checkout whose provider does not answer.
inline constexpr duration max_payment_retry_delay{60'000};

}  // namespace commerce::domain
