// What an order's events ask of the world outside the order (seed 001's event handlers): a
// pick list for the warehouse when it is paid, a notification to the customer at each step
// they care about, and the sales facts analytics counts. Pure: the handlers (actors/
// order_handlers.cpp) compute these from the journal and store them idempotently, each under a
// key derived from the order and the step, so an event delivered twice has its effects once.
#pragma once

#include "domain/order.hpp"

#include <optional>
#include <string>
#include <vector>

namespace commerce::domain {

struct pick_list {
  std::string order_id;
  std::string customer_id;
  boost::json::object shipping_address;
  std::vector<order_line> lines;
};

// One message to the customer; `key` is also the messaging provider's Idempotency-Key.
struct notification {
  std::string key;       // "<order id>/<template>", or "<order id>/refund/<refund id>"
  std::string template_name;  // order_confirmation, order_shipped, order_delivered, order_cancelled, refund_processed
  std::string order_id;
  std::string recipient;  // the order's email
  boost::json::object data;
};

enum class sales_fact_kind { order_paid, refund };

// Counted once per key: analytics' orders, revenue and refunds by currency.
struct sales_fact {
  std::string key;  // "paid/<order id>", or "refund/<order id>/<refund id>"
  sales_fact_kind kind = sales_fact_kind::order_paid;
  money amount;
};

struct order_effects {
  std::optional<pick_list> pick;
  std::optional<notification> notify;
  std::optional<sales_fact> fact;
  bool empty() const { return !pick && !notify && !fact; }
};
BOOST_DESCRIBE_ENUM(sales_fact_kind, order_paid, refund)
BOOST_DESCRIBE_STRUCT(pick_list, (), (order_id, customer_id, shipping_address, lines))
BOOST_DESCRIBE_STRUCT(notification, (), (key, template_name, order_id, recipient, data))
BOOST_DESCRIBE_STRUCT(sales_fact, (), (key, kind, amount))
BOOST_DESCRIBE_STRUCT(order_effects, (), (pick, notify, fact))

// The effects of `event`, given the order's state right after it.
order_effects effects_of(const order_state& after, const order_event& event);

}  // namespace commerce::domain
