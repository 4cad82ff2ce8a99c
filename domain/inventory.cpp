#include "domain/inventory.hpp"

#include <algorithm>

namespace commerce::domain {
namespace {

using result = decision<inventory_event>;

rejection insufficient(std::int64_t available) {
  rejection r{std::string(codes::insufficient_stock),
              "only " + std::to_string(available) + " available", {}};
  r.extra["available"] = available;
  return r;
}

std::optional<rejection> validate_product(const define_product& c) {
  if (c.name.empty() || c.name.size() > 200) return invalid_field("name", "must be 1-200 characters");
  if (!valid_currency(c.price.currency)) return invalid_field("price.currency", "must be an ISO-4217 code");
  if (c.price.amount < 0 || c.price.amount > max_amount)
    return invalid_field("price.amount", "must be between 0 and 10^12 minor units");
  if (c.category.size() > 100) return invalid_field("category", "must be at most 100 characters");
  return std::nullopt;
}

bool legal_stage_step(reservation_stage from, reservation_stage to) {
  using rs = reservation_stage;
  // Forward through checkout to payment; back to cart when a checkout is abandoned or declined.
  return (from == rs::cart && to == rs::checkout) || (from == rs::checkout && to == rs::payment) ||
         (from != rs::cart && to == rs::cart);
}

result decide_define(const inventory_state& s, const define_product& c) {
  if (auto bad = validate_product(c)) return *bad;
  if (!s.exists) return product_created{c.name, c.price, c.category};
  if (s.name == c.name && s.price == c.price && s.category == c.category) return result::nothing();
  return product_updated{c.name, c.price, c.category};
}

result decide_adjust(const inventory_state& s, const adjust_stock& c) {
  if (c.delta == 0 || c.delta > max_quantity || c.delta < -max_quantity)
    return invalid_field("delta", "must be a non-zero integer of magnitude at most 10^9");
  if (c.reason.empty() || c.reason.size() > 200) return invalid_field("reason", "must be 1-200 characters");
  if (s.on_hand + c.delta > max_quantity) return invalid_field("delta", "on hand would exceed 10^9");
  // Stock never goes below what holders have reserved.
  if (s.on_hand + c.delta < s.reserved) return insufficient(s.available());
  return stock_adjusted{c.delta, c.reason};
}

result decide_price_rule(const inventory_state& s, const apply_price_rule& c, const context& ctx) {
  if (c.reference.empty() || c.reference.size() > 200) return invalid_field("reference", "must be 1-200 characters");
  for (const auto& done : s.recent_price_changes)
    if (done.reference == c.reference) return result::nothing();  // applied already
  if (auto why = validate(c.rule)) return *why;
  auto next = apply_rule(c.rule, s.price);
  if (auto* why = std::get_if<rejection>(&next)) return *why;
  const auto& price = std::get<money>(next);
  if (price == s.price) return result::nothing();
  return price_changed{s.price, price, c.cause, c.reference, ctx.now};
}

result decide_restore(const inventory_state& s, const restore_price& c, const context& ctx) {
  if (c.reference.empty() || c.reference.size() > 200) return invalid_field("reference", "must be 1-200 characters");
  for (const auto& done : s.recent_price_changes)
    if (done.reference == c.reference) return result::nothing();  // restored already
  if (s.price != c.expected || c.price == s.price) return result::nothing();  // changed since: left alone
  if (c.price.currency != s.price.currency) return invalid_field("price", "must be in the product's currency");
  return price_changed{s.price, c.price, price_cause::rollback, c.reference, ctx.now};
}

result decide_count(const inventory_state& s, const count_stock& c) {
  if (c.available < 0 || c.available > max_quantity) return invalid_field("available", "must be between 0 and 10^9");
  if (c.source.empty() || c.source.size() > 200) return invalid_field("source", "must be 1-200 characters");
  const auto on_hand = std::max(c.available, s.reserved);
  // Older than the last applied, or that one again — from its source, or from another (a
  // reconciliation sweep finding a count its webhook brought already) when it would move nothing.
  if (s.counted_at && (c.counted_at < *s.counted_at ||
                       (c.counted_at == *s.counted_at && (c.source == s.counted_source || on_hand == s.on_hand))))
    return result::nothing();
  return stock_counted{c.available, on_hand - s.on_hand, std::max<std::int64_t>(0, s.reserved - c.available),
                       c.counted_at, c.source};
}

result decide_reserve(const inventory_state& s, const reserve_stock& c) {
  if (c.holder.empty()) return invalid_field("holder", "must not be empty");
  if (c.quantity < 0 || c.quantity > max_quantity) return invalid_field("quantity", "must be between 0 and 10^9");
  auto it = s.reservations.find(c.holder);
  const std::int64_t held = it == s.reservations.end() ? 0 : it->second.quantity;
  if (it != s.reservations.end() && it->second.stage != reservation_stage::cart)
    return invalid_transition("reservation", to_string(it->second.stage), to_string(reservation_stage::cart));
  if (c.quantity == 0) {
    if (held == 0) return result::nothing();
    return reservation_released{c.holder, held, "quantity set to 0"};
  }
  if (c.quantity - held > s.available()) return insufficient(s.available() + held);
  if (c.quantity == held && it->second.expires_at == c.expires_at) return result::nothing();
  return stock_reserved{c.holder, c.quantity, c.expires_at};
}

result decide_advance(const inventory_state& s, const advance_reservation& c) {
  auto it = s.reservations.find(c.holder);
  if (it == s.reservations.end()) return not_found("reservation for " + c.holder);
  const auto from = it->second.stage;
  if (from == c.to) return result::nothing();
  if (!legal_stage_step(from, c.to)) return invalid_transition("reservation", to_string(from), to_string(c.to));
  const reservation_advanced advanced{c.holder, from, c.to, c.to == reservation_stage::cart ? c.expires_at : std::nullopt};
  const auto held = it->second.quantity;
  if (!c.quantity || *c.quantity == held || c.to != reservation_stage::checkout) return advanced;
  if (*c.quantity <= 0 || *c.quantity > max_quantity) return invalid_field("quantity", "must be between 1 and 10^9");
  if (*c.quantity - held > s.available()) return insufficient(s.available() + held);
  return std::vector<inventory_event>{stock_reserved{c.holder, *c.quantity, it->second.expires_at}, advanced};
}

result decide_expire(const inventory_state& s, const context& ctx) {
  std::vector<inventory_event> events;
  for (const auto& [holder, r] : s.reservations)
    if (r.stage == reservation_stage::cart && r.expires_at && *r.expires_at <= ctx.now)
      events.emplace_back(reservation_expired{holder, r.quantity});
  return events;
}

result decide_commit(const inventory_state& s, const commit_reservation& c) {
  auto it = s.reservations.find(c.holder);
  if (it == s.reservations.end()) return not_found("reservation for " + c.holder);
  if (it->second.stage != reservation_stage::payment)
    return invalid_transition("reservation", to_string(it->second.stage), "sold");
  return stock_sold{c.holder, it->second.quantity};
}

result decide_return(const inventory_state& s, const return_stock& c) {
  if (std::find(s.returns.begin(), s.returns.end(), c.reference) != s.returns.end()) return result::nothing();
  if (c.quantity <= 0 || c.quantity > s.sold)
    return invalid_field("quantity", "must be between 1 and the " + std::to_string(s.sold) + " units sold");
  if (c.reference.empty()) return invalid_field("reference", "must not be empty");
  return stock_returned{c.reference, c.quantity, c.reason};
}

}  // namespace

bool valid_sku(std::string_view sku) {
  if (sku.empty() || sku.size() > 64) return false;
  for (char c : sku) {
    const bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                    c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  return true;
}

std::string_view to_string(price_cause c) {
  switch (c) {
    case price_cause::job: return "job";
    case price_cause::campaign: return "campaign";
    case price_cause::rollback: return "rollback";
  }
  return "job";
}

std::string_view to_string(reservation_stage s) {
  switch (s) {
    case reservation_stage::cart: return "cart";
    case reservation_stage::checkout: return "checkout";
    case reservation_stage::payment: return "payment";
  }
  return "unknown";
}

inventory_state inventory_decider::initial(std::string sku) {
  inventory_state s;
  s.sku = std::move(sku);
  return s;
}

decision<inventory_event> inventory_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<define_product>(c)) return not_found("product " + s.sku);
  return std::visit(overloaded{
                        [&](const define_product& x) { return decide_define(s, x); },
                        [&](const adjust_stock& x) { return decide_adjust(s, x); },
                        [&](const reserve_stock& x) { return decide_reserve(s, x); },
                        [&](const release_stock& x) {
                          auto it = s.reservations.find(x.holder);
                          if (it == s.reservations.end()) return result::nothing();
                          return result(reservation_released{x.holder, it->second.quantity, x.reason});
                        },
                        [&](const advance_reservation& x) { return decide_advance(s, x); },
                        [&](const expire_reservations&) { return decide_expire(s, ctx); },
                        [&](const commit_reservation& x) { return decide_commit(s, x); },
                        [&](const return_stock& x) { return decide_return(s, x); },
                        [&](const count_stock& x) { return decide_count(s, x); },
                        [&](const apply_price_rule& x) { return decide_price_rule(s, x, ctx); },
                        [&](const restore_price& x) { return decide_restore(s, x, ctx); },
                    },
                    c);
}

inventory_state inventory_decider::evolve(state s, const event& e) {
  auto drop = [&s](const std::string& holder) {
    auto it = s.reservations.find(holder);
    if (it == s.reservations.end()) return std::int64_t{0};
    const auto quantity = it->second.quantity;
    s.reserved -= quantity;
    s.reservations.erase(it);
    return quantity;
  };
  std::visit(overloaded{
                 [&](const product_created& x) {
                   s.exists = true;
                   s.name = x.name;
                   s.price = x.price;
                   s.category = x.category;
                 },
                 [&](const product_updated& x) {
                   s.name = x.name;
                   s.price = x.price;
                   s.category = x.category;
                 },
                 [&](const stock_adjusted& x) { s.on_hand += x.delta; },
                 [&](const price_changed& x) {
                   s.price = x.new_price;
                   s.recent_price_changes.push_back({x.reference, x.old_price, x.new_price});
                   if (s.recent_price_changes.size() > max_recent_price_changes)
                     s.recent_price_changes.erase(s.recent_price_changes.begin());
                 },
                 [&](const stock_counted& x) {
                   s.on_hand += x.delta;
                   s.counted_at = x.counted_at;
                   s.counted_source = x.source;
                 },
                 [&](const stock_reserved& x) {
                   auto& r = s.reservations[x.holder];
                   s.reserved += x.quantity - r.quantity;
                   r = reservation{x.quantity, reservation_stage::cart, x.expires_at};
                 },
                 [&](const reservation_advanced& x) {
                   auto& r = s.reservations[x.holder];
                   r.stage = x.to;
                   r.expires_at = x.expires_at;
                 },
                 [&](const reservation_released& x) { drop(x.holder); },
                 [&](const reservation_expired& x) { drop(x.holder); },
                 [&](const stock_sold& x) {
                   const auto quantity = drop(x.holder);
                   s.on_hand -= quantity;
                   s.sold += quantity;
                 },
                 [&](const stock_returned& x) {
                   s.on_hand += x.quantity;
                   s.returns.push_back(x.reference);
                 },
             },
             e);
  return s;
}

std::optional<timestamp> inventory_decider::next_deadline(const state& s) {
  std::optional<timestamp> earliest;
  for (const auto& [holder, r] : s.reservations)
    if (r.stage == reservation_stage::cart && r.expires_at && (!earliest || *r.expires_at < *earliest))
      earliest = r.expires_at;
  return earliest;
}

std::optional<std::string> check_invariant(const inventory_state& s) {
  std::int64_t sum = 0;
  for (const auto& [holder, r] : s.reservations) {
    if (r.quantity <= 0) return "reservation of " + holder + " is not positive";
    sum += r.quantity;
  }
  if (sum != s.reserved) return "reserved " + std::to_string(s.reserved) + " != sum of reservations " + std::to_string(sum);
  if (s.on_hand < 0 || s.reserved < 0 || s.sold < 0 || s.available() < 0)
    return "negative stock: on_hand " + std::to_string(s.on_hand) + ", reserved " + std::to_string(s.reserved) +
           ", sold " + std::to_string(s.sold);
  return std::nullopt;
}

}  // namespace commerce::domain
