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

bool was_paid(const order_state& s) {
  return std::any_of(s.history.begin(), s.history.end(), [](const status_change& c) { return c.status == os::paid; });
}

result decide_pay(const order_state& s, const record_payment& c, const context& ctx) {
  if (s.status != os::pending_payment) {
    if (was_paid(s) && s.transaction_id == c.transaction_id) return result::nothing();  // recorded already
    return illegal(s, os::paid);
  }
  // A free order is paid without a charge.
  if (c.transaction_id.empty() && s.total.amount != 0) return invalid_field("transaction_id", "must not be empty");
  if (c.amount != s.total) return invalid_field("amount", "must equal the order total");
  return order_paid{c.transaction_id, c.amount, ctx.now};
}

// How much a refund of `wanted` (absent: all that is left) may be, or why not. Refunds already
// asked for and still pending count as refunded.
std::variant<std::int64_t, rejection> refund_amount(const order_state& s, std::optional<std::int64_t> wanted) {
  const std::int64_t refundable = s.paid - s.refunded - s.pending_refund_total();
  const bool open_for_refund = order_transition_allowed(s.status, os::refunded) ||
                               (s.status == os::cancelled && refundable > 0);
  if (!open_for_refund || refundable <= 0) return illegal(s, os::refunded);
  const std::int64_t amount = wanted.value_or(refundable);
  if (amount <= 0) return invalid_field("amount", "must be positive");
  if (amount > refundable) {
    rejection r{std::string(codes::refund_exceeds_paid),
                "at most " + std::to_string(refundable) + " can still be refunded", {}};
    r.extra["refundable"] = refundable;
    return r;
  }
  return amount;
}

const pending_refund* pending(const order_state& s, const std::string& key) {
  for (const auto& p : s.pending_refunds)
    if (p.key == key) return &p;
  return nullptr;
}

result decide_request_refund(const order_state& s, const request_refund& c, const context& ctx) {
  if (c.key.empty() || c.key.size() > 300) return invalid_field("key", "must be 1-300 characters");
  if (pending(s, c.key)) return result::nothing();
  for (const auto& closed : s.closed_refunds)
    if (closed.key == c.key) return result::nothing();  // asked again after it ended
  const auto amount = refund_amount(s, c.amount);
  if (const auto* why = std::get_if<rejection>(&amount)) return *why;
  return refund_requested{c.key, std::get<std::int64_t>(amount), ctx.now};
}

result decide_record_refund(const order_state& s, const record_refund& c, const context& ctx) {
  const auto* p = pending(s, c.key);
  if (!p) return result::nothing();  // recorded already
  if (c.refund_id.empty()) return invalid_field("refund_id", "must not be empty");
  return std::vector<order_event>{refund_processed{c.refund_id, p->amount, s.refunded + p->amount, ctx.now},
                                  refund_closed{c.key, "succeeded", c.refund_id, ctx.now}};
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

std::int64_t order_state::pending_refund_total() const {
  std::int64_t sum = 0;
  for (const auto& p : pending_refunds) sum += p.amount;
  return sum;
}

std::optional<timestamp> order_decider::next_deadline(const state& s, duration retry_after) {
  if (!s.has_pending_steps()) return std::nullopt;
  return s.steps_touched_at + retry_after;
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
                          return step(os::cancelled, order_cancelled{x.reason, s.paid - s.refunded - s.pending_refund_total(),
                                                                     ctx.now});
                        },
                        [&](const request_refund& x) { return decide_request_refund(s, x, ctx); },
                        [&](const record_refund& x) { return decide_record_refund(s, x, ctx); },
                        [&](const record_refund_refused& x) -> result {
                          if (!pending(s, x.key)) return result::nothing();
                          return refund_closed{x.key, x.code.empty() ? "refused" : x.code, "", ctx.now};
                        },
                        [&](const record_restocked&) -> result {
                          if (!s.restock_pending) return result::nothing();
                          return order_restocked{ctx.now};
                        },
                        [&](const resume_order_steps&) -> result {
                          if (!s.has_pending_steps()) return result::nothing();
                          return order_steps_resumed{ctx.now};
                        },
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
                 [&](const order_cancelled& x) {
                   // Stock sold to a paid order goes back on hand; what was paid is refunded.
                   s.restock_pending = was_paid(s);
                   if (x.refund_due > 0) s.pending_refunds.push_back({s.id + "/cancel", x.refund_due, x.at});
                   s.steps_touched_at = x.at;
                   move_to(os::cancelled, x.at);
                 },
                 [&](const refund_requested& x) {
                   s.pending_refunds.push_back({x.key, x.amount, x.at});
                   s.steps_touched_at = x.at;
                 },
                 [&](const refund_closed& x) {
                   s.pending_refunds.erase(std::remove_if(s.pending_refunds.begin(), s.pending_refunds.end(),
                                                          [&x](const pending_refund& p) { return p.key == x.key; }),
                                           s.pending_refunds.end());
                   s.closed_refunds.push_back({x.key, x.outcome, x.refund_id});
                   s.steps_touched_at = x.at;
                 },
                 [&](const order_restocked& x) {
                   s.restock_pending = false;
                   s.steps_touched_at = x.at;
                 },
                 [&](const order_steps_resumed& x) { s.steps_touched_at = x.at; },
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
