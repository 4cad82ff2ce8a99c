#include "domain/order.hpp"

#include "domain/inventory.hpp"

#include <algorithm>
#include <utility>

namespace commerce::domain {
namespace {

using result = decision<order_event>;
using os = order_status;

// The status machine as data: every legal step.
constexpr std::pair<os, os> transitions[] = {
    {os::pending_payment, os::paid},     {os::paid, os::fulfilling},
    {os::fulfilling, os::shipped},       {os::shipped, os::delivered},
    {os::pending_payment, os::cancelled}, {os::paid, os::cancelled},
    {os::fulfilling, os::cancelled},     {os::paid, os::refunded},
    {os::fulfilling, os::refunded},      {os::shipped, os::refunded},
    {os::delivered, os::refunded},
};

rejection illegal(const order_state& s, os to) {
  return invalid_transition("order", to_string(s.status), to_string(to));
}

result decide_place(const order_state& s, const place_order& c, const context& ctx) {
  if (c.cart_id.empty()) return invalid_field("cart_id", "must not be empty");
  if (s.exists) {
    if (s.cart_id == c.cart_id) return result::nothing();  // a retried placement
    return invalid_field("cart_id", "order already exists for cart " + s.cart_id);
  }
  if (c.lines.empty()) return rejection{std::string(codes::cart_empty), "an order needs at least one item", {}};
  order_created e{c.cart_id, c.customer_id, c.email, c.shipping_address, {}, {0, c.lines.front().unit_price.currency}, ctx.now};
  for (const auto& l : c.lines) {
    if (!valid_sku(l.sku)) return invalid_field("items.sku", "must be 1-64 characters of [A-Za-z0-9._-]");
    if (l.unit_price.currency != e.total.currency)
      return rejection{std::string(codes::currency_mismatch), "all items must share one currency", {}};
    auto amount = line_amount(l.quantity, l.unit_price.amount);
    if (l.quantity <= 0 || !amount) return invalid_field("items.quantity", "must be positive and the line at most 10^12");
    e.lines.push_back(order_line{l.sku, l.quantity, l.unit_price, {*amount, e.total.currency}});
    e.total.amount += *amount;
  }
  return e;
}

result decide_pay(const order_state& s, const record_payment& c, const context& ctx) {
  if (s.status != os::pending_payment) {
    if (s.transaction_id == c.transaction_id && !c.transaction_id.empty()) return result::nothing();
    return illegal(s, os::paid);
  }
  if (c.transaction_id.empty()) return invalid_field("transaction_id", "must not be empty");
  if (c.amount != s.total) return invalid_field("amount", "must equal the order total");
  return order_paid{c.transaction_id, c.amount, ctx.now};
}

result decide_refund(const order_state& s, const refund_order& c, const context& ctx) {
  for (const auto& r : s.refunds)
    if (r.id == c.refund_id) return result::nothing();
  const std::int64_t refundable = s.paid - s.refunded;
  const bool open_for_refund = order_transition_allowed(s.status, os::refunded) ||
                               (s.status == os::cancelled && refundable > 0);
  if (!open_for_refund || refundable <= 0) return illegal(s, os::refunded);
  const std::int64_t amount = c.amount.value_or(refundable);
  if (amount <= 0) return invalid_field("amount", "must be positive");
  if (amount > refundable) {
    rejection r{std::string(codes::refund_exceeds_paid),
                "at most " + std::to_string(refundable) + " can still be refunded", {}};
    r.extra["refundable"] = refundable;
    return r;
  }
  if (c.refund_id.empty()) return invalid_field("refund_id", "must not be empty");
  return refund_processed{c.refund_id, amount, s.refunded + amount, ctx.now};
}

}  // namespace

std::string_view to_string(order_status s) {
  switch (s) {
    case os::pending_payment: return "pending_payment";
    case os::paid: return "paid";
    case os::fulfilling: return "fulfilling";
    case os::shipped: return "shipped";
    case os::delivered: return "delivered";
    case os::cancelled: return "cancelled";
    case os::refunded: return "refunded";
  }
  return "unknown";
}

bool order_transition_allowed(order_status from, order_status to) {
  return std::find(std::begin(transitions), std::end(transitions), std::pair{from, to}) != std::end(transitions);
}

order_state order_decider::initial(std::string id) {
  order_state s;
  s.id = std::move(id);
  return s;
}

decision<order_event> order_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<place_order>(c)) return not_found("order " + s.id);
  auto step = [&](os to, auto event) -> result {
    if (!order_transition_allowed(s.status, to)) return illegal(s, to);
    return event;
  };
  return std::visit(overloaded{
                        [&](const place_order& x) { return decide_place(s, x, ctx); },
                        [&](const record_payment& x) { return decide_pay(s, x, ctx); },
                        [&](const start_fulfilment&) { return step(os::fulfilling, order_fulfilled{ctx.now}); },
                        [&](const ship_order& x) {
                          if (x.carrier.empty() || x.carrier.size() > 100)
                            return result(invalid_field("carrier", "must be 1-100 characters"));
                          if (x.tracking.empty() || x.tracking.size() > 100)
                            return result(invalid_field("tracking", "must be 1-100 characters"));
                          return step(os::shipped, order_shipped{x.carrier, x.tracking, ctx.now});
                        },
                        [&](const deliver_order&) { return step(os::delivered, order_delivered{ctx.now}); },
                        [&](const cancel_order& x) {
                          if (s.status == os::cancelled) return result::nothing();  // cancelled already
                          return step(os::cancelled, order_cancelled{x.reason, s.paid - s.refunded, ctx.now});
                        },
                        [&](const refund_order& x) { return decide_refund(s, x, ctx); },
                    },
                    c);
}

order_state order_decider::evolve(state s, const event& e) {
  auto move_to = [&s](os status, timestamp at) {
    s.status = status;
    s.history.push_back({status, at});
  };
  std::visit(overloaded{
                 [&](const order_created& x) {
                   s.exists = true;
                   s.cart_id = x.cart_id;
                   s.customer_id = x.customer_id;
                   s.email = x.email;
                   s.shipping_address = x.shipping_address;
                   s.lines = x.lines;
                   s.total = x.total;
                   move_to(os::pending_payment, x.at);
                 },
                 [&](const order_paid& x) {
                   s.transaction_id = x.transaction_id;
                   s.paid = x.amount.amount;
                   move_to(os::paid, x.at);
                 },
                 [&](const order_fulfilled& x) { move_to(os::fulfilling, x.at); },
                 [&](const order_shipped& x) {
                   s.carrier = x.carrier;
                   s.tracking = x.tracking;
                   move_to(os::shipped, x.at);
                 },
                 [&](const order_delivered& x) { move_to(os::delivered, x.at); },
                 [&](const order_cancelled& x) { move_to(os::cancelled, x.at); },
                 [&](const refund_processed& x) {
                   s.refunded = x.total_refunded;
                   s.refunds.push_back({x.refund_id, x.amount, x.at});
                   // A cancelled order stays cancelled; otherwise a full refund ends the order.
                   if (s.refunded == s.paid && s.status != os::cancelled) move_to(os::refunded, x.at);
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
