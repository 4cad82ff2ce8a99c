// An order, created from a cart's lines. Status machine:
//   pending_payment → paid → fulfilling → shipped → delivered
//   pending_payment | paid | fulfilling → cancelled
//   paid | fulfilling | shipped | delivered → refunded (when refunds reach what was paid)
// Partial refunds keep the status; refunds never exceed what was paid. Every status change is
// kept in the history with its time.
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
};
BOOST_DESCRIBE_STRUCT(order_state, (), (id, exists, cart_id, customer_id, email, shipping_address, lines, total, status,
                                        transaction_id, paid, refunded, refunds, carrier, tracking, history))

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
// `amount` absent means everything still refundable. `refund_id` is the provider's reference;
// a refund already recorded under it changes nothing (a retried refund).
struct refund_order {
  static constexpr std::string_view type_name = "RefundOrder";
  std::optional<std::int64_t> amount; std::string refund_id;
};

BOOST_DESCRIBE_STRUCT(line_request, (), (sku, quantity, unit_price))
BOOST_DESCRIBE_STRUCT(place_order, (), (cart_id, customer_id, email, shipping_address, lines))
BOOST_DESCRIBE_STRUCT(record_payment, (), (transaction_id, amount))
BOOST_DESCRIBE_STRUCT(start_fulfilment, (), ())
BOOST_DESCRIBE_STRUCT(ship_order, (), (carrier, tracking))
BOOST_DESCRIBE_STRUCT(deliver_order, (), ())
BOOST_DESCRIBE_STRUCT(cancel_order, (), (reason))
BOOST_DESCRIBE_STRUCT(refund_order, (), (amount, refund_id))

using order_command = std::variant<place_order, record_payment, start_fulfilment, ship_order,
                                   deliver_order, cancel_order, refund_order>;

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

BOOST_DESCRIBE_STRUCT(order_created, (), (cart_id, customer_id, email, shipping_address, lines, total, at))
BOOST_DESCRIBE_STRUCT(order_paid, (), (transaction_id, amount, at))
BOOST_DESCRIBE_STRUCT(order_fulfilled, (), (at))
BOOST_DESCRIBE_STRUCT(order_shipped, (), (carrier, tracking, at))
BOOST_DESCRIBE_STRUCT(order_delivered, (), (at))
BOOST_DESCRIBE_STRUCT(order_cancelled, (), (reason, refund_due, at))
BOOST_DESCRIBE_STRUCT(refund_processed, (), (refund_id, amount, total_refunded, at))

using order_event = std::variant<order_created, order_paid, order_fulfilled, order_shipped,
                                 order_delivered, order_cancelled, refund_processed>;

// --- decider ----------------------------------------------------------------------------------

struct order_decider {
  using state = order_state;
  using command = order_command;
  using event = order_event;
  static constexpr std::string_view stream_type = "order";
  static constexpr int state_schema_version = 2;  // 2: refunds listed

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

// Whether the status machine allows `from → to` (the transitions listed above).
bool order_transition_allowed(order_status from, order_status to);

}  // namespace commerce::domain
