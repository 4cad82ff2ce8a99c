#include "domain/checkout.hpp"

#include <algorithm>

namespace commerce::domain {
namespace {

using result = decision<checkout_event>;
using step = checkout_step;

bool finished(step s) { return s == step::completed || s == step::failed; }

result decide_start(const checkout_state& s, const start_checkout& c, const context& ctx) {
  if (s.exists) {
    if (s.cart_id == c.cart_id) return result::nothing();  // the same checkout asked for again
    return invalid_field("cart_id", "checkout " + s.id + " belongs to cart " + s.cart_id);
  }
  if (c.cart_id.empty()) return invalid_field("cart_id", "must not be empty");
  if (c.order_id.empty()) return invalid_field("order_id", "must not be empty");
  if (c.lines.empty()) return rejection{std::string(codes::cart_empty), "cart has no items", {}};
  checkout_begun e{c.cart_id, c.cart_version, c.order_id, c.customer_id, c.email, c.shipping_address, c.lines,
                   {0, c.lines.front().unit_price.currency}, c.client_key, ctx.now};
  for (const auto& l : c.lines) {
    const auto amount = line_amount(l.quantity, l.unit_price.amount);
    if (l.quantity <= 0 || !amount) return invalid_field("items.quantity", "must be positive and the line at most 10^12");
    if (l.unit_price.currency != e.total.currency)
      return rejection{std::string(codes::currency_mismatch), "all items must share one currency", {}};
    e.total.amount += *amount;
    if (e.total.amount > max_amount) return invalid_field("total", "must be at most 10^12 minor units");
  }
  return e;
}

// The provider was not reached or did not answer. Only when this was the first attempt and it
// provably never left (refused connection, open breaker) can nothing have been charged: the
// checkout gives up and releases. Otherwise an earlier attempt, or this one, may have charged:
// it charges again later with the same key, until the provider says yes or no.
result decide_unavailable(const checkout_state& s, const record_charge_unavailable& c, const context& ctx) {
  if (!c.maybe_delivered && s.charge_attempts <= 1 && s.payment_retries == 0)
    return checkout_refused{{"payment_unavailable", "the payment provider is unavailable: " + c.detail, "", 0,
                             std::max<std::int64_t>(c.retry_after_ms, 1000)},
                            true, ctx.now};
  const auto backoff = duration{1000 << std::min(s.payment_retries, 6)};
  const auto delay = std::min(std::max(duration{c.retry_after_ms}, backoff), max_payment_retry_delay);
  return checkout_charge_pending{c.detail, ctx.now + delay, ctx.now};
}

// A resume past the checkout's bound stalls it instead: an alert and a dead letter for an
// operator, and no more retries that could hold stock silently forever.
result decide_resume(const checkout_state& s, const resume_checkout& c, const context& ctx) {
  if (finished(s.step) || (s.stalled && c.give_up_after_ms > 0)) return result::nothing();
  if (c.give_up_after_ms > 0 && (ctx.now - s.bound_from).count() >= c.give_up_after_ms)
    return checkout_stalled{"not finished within " + std::to_string(c.give_up_after_ms / 1000) + " s, at step " +
                                std::string(to_string(s.step)),
                            ctx.now};
  return checkout_resumed{ctx.now};
}

// Releasing after a charge that may have succeeded would keep the customer's money for nothing,
// so only an operator (who can look at the provider) decides that, and only for a stalled one.
result decide_abandon(const checkout_state& s, const abandon_checkout& c, const context& ctx) {
  if (finished(s.step) || s.step == step::releasing) return result::nothing();
  if (!s.stalled)
    return rejection{std::string(codes::invalid_transition), "only a stalled checkout can be abandoned", {}};
  if (!s.transaction_id.empty())  // releasing would keep the customer's money for nothing
    return rejection{std::string(codes::invalid_transition), "the checkout has charged: resume it to finish", {}};
  const bool holds = s.step != step::claiming_cart;
  return checkout_refused{{"checkout_abandoned", "abandoned by an operator: " + c.reason, "", 0, 0}, holds, ctx.now};
}

}  // namespace

std::string_view to_string(checkout_step s) {
  switch (s) {
    case step::claiming_cart: return "claiming_cart";
    case step::holding_stock: return "holding_stock";
    case step::placing_order: return "placing_order";
    case step::charging: return "charging";
    case step::committing: return "committing";
    case step::releasing: return "releasing";
    case step::completed: return "completed";
    case step::failed: return "failed";
  }
  return "unknown";
}

checkout_state checkout_decider::initial(std::string id) {
  checkout_state s;
  s.id = std::move(id);
  return s;
}

decision<checkout_event> checkout_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<start_checkout>(c)) return not_found("checkout " + s.id);
  // A step's report counts only while the checkout is at that step: a late or repeated report
  // (a step run twice) changes nothing.
  auto at = [&s](step expected, auto make_event) -> result {
    if (s.step != expected) return result::nothing();
    return make_event();
  };
  return std::visit(
      overloaded{
          [&](const start_checkout& x) { return decide_start(s, x, ctx); },
          [&](const record_cart_claimed&) { return at(step::claiming_cart, [&] { return checkout_cart_claimed{ctx.now}; }); },
          [&](const record_cart_refused& x) {
            return at(step::claiming_cart,
                      [&] { return checkout_refused{{x.code, x.detail, "", 0, 0}, false, ctx.now}; });
          },
          [&](const record_stock_held&) { return at(step::holding_stock, [&] { return checkout_stock_held{ctx.now}; }); },
          [&](const record_stock_short& x) {
            return at(step::holding_stock, [&] {
              return checkout_refused{{std::string(codes::insufficient_stock),
                                       "only " + std::to_string(x.available) + " of " + x.sku + " available",
                                       x.sku, x.available, 0},
                                      true, ctx.now};
            });
          },
          [&](const record_order_placed&) { return at(step::placing_order, [&] { return checkout_order_placed{ctx.now}; }); },
          [&](const record_charge_attempt&) {
            if (s.retry_payment_at || s.stalled) return result::nothing();  // not its time
            return at(step::charging, [&] { return checkout_charge_attempted{s.charge_attempts + 1, ctx.now}; });
          },
          [&](const record_charge_succeeded& x) {
            return at(step::charging, [&] { return checkout_charged{x.transaction_id, ctx.now}; });
          },
          [&](const record_charge_refused& x) {
            return at(step::charging, [&] {
              // Nothing was charged either way; only a lost card token is not the card's fault.
              if (x.code == "payment_token_expired")
                return checkout_refused{{x.code, x.detail, "", 0, 0}, true, ctx.now};
              return checkout_refused{{"payment_declined", "the payment was declined: " + x.code, "", 0, 0}, true, ctx.now};
            });
          },
          [&](const record_charge_unavailable& x) {
            return at(step::charging, [&] { return decide_unavailable(s, x, ctx); });
          },
          [&](const record_committed&) { return at(step::committing, [&] { return checkout_completed{ctx.now}; }); },
          [&](const record_released&) { return at(step::releasing, [&] { return checkout_released{ctx.now}; }); },
          [&](const resume_checkout& x) { return decide_resume(s, x, ctx); },
          [&](const abandon_checkout& x) { return decide_abandon(s, x, ctx); },
      },
      c);
}

checkout_state checkout_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const checkout_begun& x) {
                   s.exists = true;
                   s.cart_id = x.cart_id;
                   s.cart_version = x.cart_version;
                   s.order_id = x.order_id;
                   s.customer_id = x.customer_id;
                   s.email = x.email;
                   s.shipping_address = x.shipping_address;
                   s.lines = x.lines;
                   s.total = x.total;
                   s.client_key = x.client_key;
                   s.step = step::claiming_cart;
                   s.started_at = s.bound_from = s.updated_at = x.at;
                 },
                 [&](const checkout_cart_claimed& x) {
                   s.step = step::holding_stock;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_stock_held& x) {
                   s.step = step::placing_order;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_order_placed& x) {
                   s.order_placed = true;
                   s.step = s.total.amount == 0 ? step::committing : step::charging;  // a free order charges nothing
                   s.updated_at = x.at;
                 },
                 [&](const checkout_charge_attempted& x) {
                   s.charge_attempts = x.attempt;
                   s.charge_open = true;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_charged& x) {
                   s.transaction_id = x.transaction_id;
                   s.charge_attempts = std::max(s.charge_attempts, 1);
                   s.charge_open = false;
                   s.retry_payment_at.reset();
                   s.step = step::committing;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_charge_pending& x) {
                   s.charge_attempts = std::max(s.charge_attempts, 1);  // journals older than attempts
                   s.charge_open = false;
                   ++s.payment_retries;
                   s.retry_payment_at = x.retry_at;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_refused& x) {
                   s.failure = x.failure;
                   s.charge_open = false;
                   s.stalled = false;
                   s.retry_payment_at.reset();
                   s.step = x.release ? step::releasing : step::failed;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_completed& x) {
                   s.step = step::completed;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_released& x) {
                   s.step = step::failed;
                   s.updated_at = x.at;
                 },
                 [&](const checkout_resumed& x) {
                   if (s.stalled) s.bound_from = x.at;  // an operator resumed it: a new bound
                   s.stalled = false;
                   s.retry_payment_at.reset();
                   s.updated_at = x.at;
                 },
                 [&](const checkout_stalled& x) {
                   s.stalled = true;
                   s.retry_payment_at.reset();
                   s.updated_at = x.at;
                 },
             },
             e);
  return s;
}

std::optional<timestamp> checkout_decider::next_deadline(const state& s, duration resume_after) {
  if (!s.exists || finished(s.step) || s.stalled) return std::nullopt;
  if (s.retry_payment_at) return *s.retry_payment_at;
  return s.updated_at + resume_after;
}

bool checkout_decider::answerable(const state& s) {
  return finished(s.step) || s.stalled || (s.step == step::charging && s.retry_payment_at.has_value());
}

}  // namespace commerce::domain
