// A checkout: the saga that turns an open cart into a paid order (seed 001's checkout flow with
// seed 004's idempotent payment). It is a process manager: its state says which step is next,
// its events record how each step went, and the actor side (actors/kinds/checkout/checkout_process.cpp) runs
// the steps and reports back with the record_* commands. Every step is idempotent, so a step
// may run twice (after a crash, a lost answer or a resume) without doing anything twice.
//
//   claiming_cart  the cart, at the version read, is marked checking_out by this checkout
//   holding_stock  every line's reservation moves to stage checkout (re-reserved if it lapsed)
//   placing_order  the order is created, pending_payment
//   charging       reservations move to stage payment; the card is charged with key "<id>/charge"
//                  (skipped for a free order: nothing to charge)
//   committing     stock sold, then the order paid, then the cart converted → completed
//   releasing      after a refusal: reservations back to stage cart, the order cancelled, the
//                  cart open again → failed
//
// The saga rule (docs/architecture.md): every charge attempt is journaled (CheckoutChargeAttempted)
// before the call leaves, so after a crash the checkout knows a charge may have reached the
// provider. Only a definitive answer moves it on: the provider's success or refusal. No answer,
// an unreachable provider or a 409 (the same key still in flight) keep it in `charging`, charging
// again with the same key at `retry_payment_at`; it gives up without charging only when its very
// first attempt provably never left. A checkout that has not finished within its bound stalls:
// it stops retrying, keeps what it holds and is handed to an operator as a dead letter.
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
  // No card token: it waits in the payment-token vault under the checkout's id, never journaled.
  std::string client_key;  // the Idempotency-Key of the request that started it, if any
  checkout_step step = checkout_step::claiming_cart;
  bool order_placed = false;  // what releasing must undo
  int charge_attempts = 0;    // journaled before each call: > 0 means a charge may have reached the provider
  bool charge_open = false;   // the last attempt has no recorded outcome yet
  int payment_retries = 0;
  std::optional<timestamp> retry_payment_at;  // the provider was unreachable; charge again then
  std::string transaction_id;
  std::optional<checkout_failure> failure;
  bool stalled = false;  // past its bound: waits for an operator (abandon_checkout) instead of retrying
  timestamp started_at;
  timestamp bound_from;  // its bound counts from here: the start, or an operator's resume
  timestamp updated_at;  // of the last step

  std::string charge_key() const { return id + "/charge"; }
};
BOOST_DESCRIBE_STRUCT(checkout_state, (), (id, exists, cart_id, cart_version, order_id, customer_id, email,
                                           shipping_address, lines, total, client_key, step,
                                           order_placed, charge_attempts, charge_open, payment_retries,
                                           retry_payment_at, transaction_id, failure, stalled, started_at, bound_from,
                                           updated_at))

// --- commands ---------------------------------------------------------------------------------

struct start_checkout {
  static constexpr std::string_view type_name = "StartCheckout";
  std::string cart_id; std::int64_t cart_version = 0; std::string order_id; std::string customer_id;
  std::string email; boost::json::object shipping_address; std::vector<checkout_line> lines;
  std::string client_key;
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
// The charge step is about to call the provider: journaled first, so a crash after the call
// left can never be mistaken for "nothing charged".
struct record_charge_attempt { static constexpr std::string_view type_name = "RecordChargeAttempt"; };
struct record_charge_succeeded {
  static constexpr std::string_view type_name = "RecordChargeSucceeded";
  std::string transaction_id;
};
struct record_charge_refused {
  static constexpr std::string_view type_name = "RecordChargeRefused";
  std::string code; std::string detail;
};
// No definitive answer from the provider within its retry budget (no answer, 5xx, 409 for the
// same key in flight, or its breaker is open).
struct record_charge_unavailable {
  static constexpr std::string_view type_name = "RecordChargeUnavailable";
  bool maybe_delivered = false; std::int64_t retry_after_ms = 0; std::string detail;
};
struct record_committed { static constexpr std::string_view type_name = "RecordCommitted"; };
struct record_released { static constexpr std::string_view type_name = "RecordReleased"; };
// Runs the current step again: the durable deadline of a checkout that made no progress, or a
// client asking again about a checkout waiting to charge. Past `give_up_after_ms` since it
// started (0: never), the checkout stalls instead. Without a bound (an operator delivering the
// stall's dead letter again) it also resumes a stalled checkout, whose bound starts anew.
struct resume_checkout {
  static constexpr std::string_view type_name = "ResumeCheckout";
  std::int64_t give_up_after_ms = 0;
};
// An operator's decision about a stalled checkout that has not charged: release what it holds
// (stock, order, cart). A charged one cannot be abandoned; it is resumed to finish.
struct abandon_checkout {
  static constexpr std::string_view type_name = "AbandonCheckout";
  std::string reason;
};

BOOST_DESCRIBE_STRUCT(start_checkout, (), (cart_id, cart_version, order_id, customer_id, email, shipping_address,
                                           lines, client_key))
BOOST_DESCRIBE_STRUCT(record_cart_claimed, (), ())
BOOST_DESCRIBE_STRUCT(record_cart_refused, (), (code, detail))
BOOST_DESCRIBE_STRUCT(record_stock_held, (), ())
BOOST_DESCRIBE_STRUCT(record_stock_short, (), (sku, available))
BOOST_DESCRIBE_STRUCT(record_order_placed, (), ())
BOOST_DESCRIBE_STRUCT(record_charge_attempt, (), ())
BOOST_DESCRIBE_STRUCT(record_charge_succeeded, (), (transaction_id))
BOOST_DESCRIBE_STRUCT(record_charge_refused, (), (code, detail))
BOOST_DESCRIBE_STRUCT(record_charge_unavailable, (), (maybe_delivered, retry_after_ms, detail))
BOOST_DESCRIBE_STRUCT(record_committed, (), ())
BOOST_DESCRIBE_STRUCT(record_released, (), ())
BOOST_DESCRIBE_STRUCT(resume_checkout, (), (give_up_after_ms))
BOOST_DESCRIBE_STRUCT(abandon_checkout, (), (reason))

using checkout_command =
    std::variant<start_checkout, record_cart_claimed, record_cart_refused, record_stock_held, record_stock_short,
                 record_order_placed, record_charge_attempt, record_charge_succeeded, record_charge_refused,
                 record_charge_unavailable, record_committed, record_released, resume_checkout, abandon_checkout>;

// --- events -----------------------------------------------------------------------------------

struct checkout_begun {
  static constexpr std::string_view type_name = "CheckoutBegun";
  // 2: no payment_token (the vault keeps it); a version-1 event's token is ignored when read.
  static constexpr int schema_version = 2;
  std::string cart_id; std::int64_t cart_version = 0; std::string order_id; std::string customer_id;
  std::string email; boost::json::object shipping_address; std::vector<checkout_line> lines; money total;
  std::string client_key; timestamp at;
  // Schema 1 carried the card token: it is dropped when read.
  static void upcast(boost::json::object& data, int from_version) {
    if (from_version < 2) data.erase("payment_token");
  }
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
struct checkout_charge_attempted {
  static constexpr std::string_view type_name = "CheckoutChargeAttempted";
  static constexpr int schema_version = 1;
  int attempt = 0; timestamp at;
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
// Past its bound without finishing: it holds what it holds until an operator decides.
struct checkout_stalled {
  static constexpr std::string_view type_name = "CheckoutStalled";
  static constexpr int schema_version = 1;
  std::string detail; timestamp at;
};

BOOST_DESCRIBE_STRUCT(checkout_begun, (), (cart_id, cart_version, order_id, customer_id, email, shipping_address,
                                           lines, total, client_key, at))
BOOST_DESCRIBE_STRUCT(checkout_cart_claimed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_stock_held, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_order_placed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_charge_attempted, (), (attempt, at))
BOOST_DESCRIBE_STRUCT(checkout_charged, (), (transaction_id, at))
BOOST_DESCRIBE_STRUCT(checkout_charge_pending, (), (detail, retry_at, at))
BOOST_DESCRIBE_STRUCT(checkout_refused, (), (failure, release, at))
BOOST_DESCRIBE_STRUCT(checkout_completed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_released, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_resumed, (), (at))
BOOST_DESCRIBE_STRUCT(checkout_stalled, (), (detail, at))

using checkout_event =
    std::variant<checkout_begun, checkout_cart_claimed, checkout_stock_held, checkout_order_placed,
                 checkout_charge_attempted, checkout_charged, checkout_charge_pending, checkout_refused,
                 checkout_completed, checkout_released, checkout_resumed, checkout_stalled>;

// --- decider ----------------------------------------------------------------------------------

struct checkout_decider {
  using state = checkout_state;
  using command = checkout_command;
  using event = checkout_event;
  static constexpr std::string_view stream_type = "checkout";
  static constexpr int state_schema_version = 3;  // 2: charge attempts counted, stalled; 3: no token

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // When to resume: at retry_payment_at while waiting to charge again, else `resume_after`
  // after the last step; never once finished or stalled.
  static std::optional<timestamp> next_deadline(const state& s, duration resume_after);
  // Whether the client can be told something final-for-now: finished, or waiting to charge again.
  static bool answerable(const state& s);
};

// Longest wait between charges of a checkout whose provider does not answer.
inline constexpr duration max_payment_retry_delay{60'000};

}  // namespace commerce::domain
