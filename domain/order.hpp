// An order, created from a cart's lines. Status machine:
//   pending_payment → paid → fulfilling → shipped → delivered
//   pending_payment | paid | fulfilling → cancelled
//   paid | fulfilling | shipped | delivered → refunded (when refunds reach what was paid)
// Partial refunds keep the status; refunds never exceed what was paid. Every status change is
// kept in the history with its time.
//
// Refunds and a cancelled paid order's restock reach outside the order (the provider, the SKUs),
// so they are the order's own journaled steps: asked for (RefundRequested, OrderCancelled), then
// run by actors/kinds/order/order_process.cpp and recorded when answered. A crash or a provider outage in
// between leaves them pending, and the order's deadline runs them again with the same key.
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

enum class order_status { pending_payment, paid, fulfilling, shipped, delivered, cancelled, refunded };
BOOST_DESCRIBE_ENUM(order_status, pending_payment, paid, fulfilling, shipped, delivered, cancelled, refunded)
std::string_view to_string(order_status s);

struct order_line {
  std::string sku;
  std::int64_t quantity = 0;
  money unit_price;
  money line_total;
};
BOOST_DESCRIBE_STRUCT(order_line, (), (sku, quantity, unit_price, line_total))

struct status_change {
  order_status status = order_status::pending_payment;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(status_change, (), (status, at))

struct refund_record {
  std::string id;  // the provider's
  std::int64_t amount = 0;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(refund_record, (), (id, amount, at))

// A refund asked for and journaled, not yet answered by the provider. `key` is its idempotency
// key there, fixed before the first call, so every call for it refunds at most once.
struct pending_refund {
  std::string key;
  std::int64_t amount = 0;
  timestamp requested_at;
};
BOOST_DESCRIBE_STRUCT(pending_refund, (), (key, amount, requested_at))

// How a refund request ended: "succeeded" (with the provider's id) or the provider's refusal code.
struct closed_refund {
  std::string key;
  std::string outcome;
  std::string refund_id;
};
BOOST_DESCRIBE_STRUCT(closed_refund, (), (key, outcome, refund_id))

struct order_state {
  std::string id;
  bool exists = false;
  std::string cart_id;
  std::string customer_id;
  std::string email;
  boost::json::object shipping_address;
  std::vector<order_line> lines;
  money total;
  order_status status = order_status::pending_payment;
  std::string transaction_id;
  std::int64_t paid = 0;
  std::int64_t refunded = 0;
  std::vector<refund_record> refunds;
  std::string carrier;
  std::string tracking;
  std::vector<status_change> history;
  // The order's own outside steps (actors/kinds/order/order_process.cpp), journaled before they run.
  std::vector<pending_refund> pending_refunds;
  std::vector<closed_refund> closed_refunds;
  bool restock_pending = false;  // a cancelled paid order's units go back on hand
  timestamp steps_touched_at;    // when a pending step last started or moved

  std::int64_t pending_refund_total() const;
  bool has_pending_steps() const { return restock_pending || !pending_refunds.empty(); }
};
BOOST_DESCRIBE_STRUCT(order_state, (), (id, exists, cart_id, customer_id, email, shipping_address, lines, total, status,
                                        transaction_id, paid, refunded, refunds, carrier, tracking, history,
                                        pending_refunds, closed_refunds, restock_pending, steps_touched_at))

// --- commands ---------------------------------------------------------------------------------

struct line_request { std::string sku; std::int64_t quantity = 0; money unit_price; };
struct place_order {
  static constexpr std::string_view type_name = "PlaceOrder";
  std::string cart_id; std::string customer_id; std::string email;
  boost::json::object shipping_address; std::vector<line_request> lines;
};
struct record_payment {
  static constexpr std::string_view type_name = "RecordPayment";
  std::string transaction_id; money amount;
};
struct start_fulfilment { static constexpr std::string_view type_name = "StartFulfilment"; };
struct ship_order {
  static constexpr std::string_view type_name = "ShipOrder";
  std::string carrier; std::string tracking;
};
struct deliver_order { static constexpr std::string_view type_name = "DeliverOrder"; };
struct cancel_order {
  static constexpr std::string_view type_name = "CancelOrder";
  std::string reason;
};

// Asks for a refund of `amount` (absent: all that is left) under `key`; the order's process
// calls the provider and records the outcome. The same key again changes nothing.
struct request_refund {
  static constexpr std::string_view type_name = "RequestRefund";
  std::optional<std::int64_t> amount; std::string key;
};
struct record_refund {
  static constexpr std::string_view type_name = "RecordRefund";
  std::string key; std::string refund_id;
};
struct record_refund_refused {
  static constexpr std::string_view type_name = "RecordRefundRefused";
  std::string key; std::string code;
};
struct record_restocked { static constexpr std::string_view type_name = "RecordRestocked"; };
// The order's durable deadline: its pending steps run again.
struct resume_order_steps { static constexpr std::string_view type_name = "ResumeOrderSteps"; };

BOOST_DESCRIBE_STRUCT(request_refund, (), (amount, key))
BOOST_DESCRIBE_STRUCT(record_refund, (), (key, refund_id))
BOOST_DESCRIBE_STRUCT(record_refund_refused, (), (key, code))
BOOST_DESCRIBE_STRUCT(record_restocked, (), ())
BOOST_DESCRIBE_STRUCT(resume_order_steps, (), ())
BOOST_DESCRIBE_STRUCT(line_request, (), (sku, quantity, unit_price))
BOOST_DESCRIBE_STRUCT(place_order, (), (cart_id, customer_id, email, shipping_address, lines))
BOOST_DESCRIBE_STRUCT(record_payment, (), (transaction_id, amount))
BOOST_DESCRIBE_STRUCT(start_fulfilment, (), ())
BOOST_DESCRIBE_STRUCT(ship_order, (), (carrier, tracking))
BOOST_DESCRIBE_STRUCT(deliver_order, (), ())
BOOST_DESCRIBE_STRUCT(cancel_order, (), (reason))

using order_command = std::variant<place_order, record_payment, start_fulfilment, ship_order, deliver_order,
                                   cancel_order, request_refund, record_refund, record_refund_refused,
                                   record_restocked, resume_order_steps>;

// --- events (names from seed 001's domain events) ----------------------------------------------

struct order_created {
  static constexpr std::string_view type_name = "OrderCreated";
  static constexpr int schema_version = 1;
  std::string cart_id; std::string customer_id; std::string email;
  boost::json::object shipping_address; std::vector<order_line> lines; money total; timestamp at;
};
struct order_paid {
  static constexpr std::string_view type_name = "OrderPaid";
  static constexpr int schema_version = 1;
  std::string transaction_id; money amount; timestamp at;
};
struct order_fulfilled {
  static constexpr std::string_view type_name = "OrderFulfilled";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct order_shipped {
  static constexpr std::string_view type_name = "OrderShipped";
  static constexpr int schema_version = 1;
  std::string carrier; std::string tracking; timestamp at;
};
struct order_delivered {
  static constexpr std::string_view type_name = "OrderDelivered";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct order_cancelled {
  static constexpr std::string_view type_name = "OrderCancelled";
  static constexpr int schema_version = 1;
  std::string reason; std::int64_t refund_due = 0; timestamp at;
};
struct refund_processed {
  static constexpr std::string_view type_name = "RefundProcessed";
  static constexpr int schema_version = 1;
  std::string refund_id; std::int64_t amount = 0; std::int64_t total_refunded = 0; timestamp at;
};

struct refund_requested {
  static constexpr std::string_view type_name = "RefundRequested";
  static constexpr int schema_version = 1;
  std::string key; std::int64_t amount = 0; timestamp at;
};
// Follows RefundProcessed in the same append when the provider refunded; alone when it refused.
struct refund_closed {
  static constexpr std::string_view type_name = "RefundClosed";
  static constexpr int schema_version = 1;
  std::string key; std::string outcome; std::string refund_id; timestamp at;
};
struct order_restocked {
  static constexpr std::string_view type_name = "OrderRestocked";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct order_steps_resumed {
  static constexpr std::string_view type_name = "OrderStepsResumed";
  static constexpr int schema_version = 1;
  timestamp at;
};

BOOST_DESCRIBE_STRUCT(refund_requested, (), (key, amount, at))
BOOST_DESCRIBE_STRUCT(refund_closed, (), (key, outcome, refund_id, at))
BOOST_DESCRIBE_STRUCT(order_restocked, (), (at))
BOOST_DESCRIBE_STRUCT(order_steps_resumed, (), (at))
BOOST_DESCRIBE_STRUCT(order_created, (), (cart_id, customer_id, email, shipping_address, lines, total, at))
BOOST_DESCRIBE_STRUCT(order_paid, (), (transaction_id, amount, at))
BOOST_DESCRIBE_STRUCT(order_fulfilled, (), (at))
BOOST_DESCRIBE_STRUCT(order_shipped, (), (carrier, tracking, at))
BOOST_DESCRIBE_STRUCT(order_delivered, (), (at))
BOOST_DESCRIBE_STRUCT(order_cancelled, (), (reason, refund_due, at))
BOOST_DESCRIBE_STRUCT(refund_processed, (), (refund_id, amount, total_refunded, at))

using order_event = std::variant<order_created, order_paid, order_fulfilled, order_shipped, order_delivered,
                                 order_cancelled, refund_processed, refund_requested, refund_closed, order_restocked,
                                 order_steps_resumed>;

// --- decider ----------------------------------------------------------------------------------

struct order_decider {
  using state = order_state;
  using command = order_command;
  using event = order_event;
  static constexpr std::string_view stream_type = "order";
  static constexpr int state_schema_version = 3;  // 2: refunds listed; 3: pending steps

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // While refunds or a restock are pending: `retry_after` after they last moved.
  static std::optional<timestamp> next_deadline(const state& s, duration retry_after);
  // What a client waiting on a cancel or refund waits for: no step pending.
  static bool settled(const state& s) { return !s.has_pending_steps(); }
};

// Whether the status machine allows `from → to` (the transitions listed above).
bool order_transition_allowed(order_status from, order_status to);

}  // namespace commerce::domain
