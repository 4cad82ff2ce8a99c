#include "domain/cart.hpp"

#include "domain/inventory.hpp"

namespace commerce::domain {
namespace {

using result = decision<cart_event>;

// Customers may keep shopping in an abandoned cart; that activity reopens it.
bool accepts_changes(cart_status s) { return s == cart_status::open || s == cart_status::abandoned; }

rejection not_open(const cart_state& s) {
  rejection r{std::string(codes::cart_not_open), "cart is " + std::string(to_string(s.status)), {}};
  r.extra["status"] = to_string(s.status);
  return r;
}

result decide_create(const cart_state& s, const create_cart& c, const context& ctx) {
  if (!valid_currency(c.currency)) return invalid_field("currency", "must be an ISO-4217 code");
  if (c.email.size() > 254 || (!c.email.empty() && c.email.find('@') == std::string::npos))
    return invalid_field("email", "must be an e-mail address");
  if (c.customer_id.size() > 128) return invalid_field("customer_id", "must be at most 128 characters");
  if (s.exists) return result::nothing();  // a retried create
  return cart_created{c.currency, c.email, c.customer_id, ctx.now};
}

result decide_set_line(const cart_state& s, const set_line& c, const context& ctx) {
  if (!accepts_changes(s.status)) return not_open(s);
  if (!valid_sku(c.sku)) return invalid_field("sku", "must be 1-64 characters of [A-Za-z0-9._-]");
  if (c.quantity < 0 || c.quantity > max_quantity) return invalid_field("quantity", "must be between 0 and 10^9");
  auto it = s.lines.find(c.sku);
  if (c.quantity == 0) {
    if (it == s.lines.end()) return result::nothing();
    return cart_line_removed{c.sku, ctx.now};
  }
  if (it == s.lines.end() && s.lines.size() >= max_cart_lines)
    return invalid_field("sku", "a cart holds at most " + std::to_string(max_cart_lines) + " lines");
  // The price is captured when the line is added and kept while the line lives.
  const money price = it == s.lines.end() ? c.unit_price : it->second.unit_price;
  if (price.currency != s.currency) {
    rejection r{std::string(codes::currency_mismatch),
                "price is in " + price.currency + ", cart is in " + s.currency, {}};
    r.extra["field"] = "currency";
    return r;
  }
  if (!line_amount(c.quantity, price.amount)) return invalid_field("quantity", "line total exceeds 10^12");
  if (it != s.lines.end() && it->second.quantity == c.quantity && it->second.reserved == c.reserved &&
      s.status == cart_status::open)
    return result::nothing();
  return cart_line_set{c.sku, c.quantity, price, c.reserved, ctx.now};
}

result decide_begin_checkout(const cart_state& s, const begin_checkout& c, const context& ctx) {
  if (c.checkout_id.empty()) return invalid_field("checkout_id", "must not be empty");
  if (s.status == cart_status::checking_out && s.checkout_id == c.checkout_id) return result::nothing();
  if (!accepts_changes(s.status)) return not_open(s);
  if (s.lines.empty()) return rejection{std::string(codes::cart_empty), "cart has no items", {}};
  return checkout_started{c.checkout_id, ctx.now};
}

result decide_cancel_checkout(const cart_state& s, const cancel_checkout& c, const context& ctx) {
  if (s.status == cart_status::checking_out && s.checkout_id == c.checkout_id)
    return checkout_cancelled{c.checkout_id, c.reason, ctx.now};
  if (s.status == cart_status::open) return result::nothing();  // already back
  return not_open(s);
}

result decide_complete_checkout(const cart_state& s, const complete_checkout& c, const context& ctx) {
  if (s.status == cart_status::converted && s.order_id == c.order_id) return result::nothing();
  if (s.status != cart_status::checking_out || s.checkout_id != c.checkout_id)
    return invalid_transition("cart", to_string(s.status), to_string(cart_status::converted));
  return cart_converted{c.checkout_id, c.order_id, ctx.now};
}

result decide_expire_reservations(const cart_state& s, const expire_cart_reservations& c, const context& ctx) {
  if (!accepts_changes(s.status) || ctx.now < s.updated_at + duration{c.ttl_ms}) return result::nothing();
  cart_reservations_expired e;
  for (const auto& [sku, line] : s.lines)
    if (line.reserved) e.skus.push_back(sku);
  if (e.skus.empty()) return result::nothing();
  return e;
}

}  // namespace

std::string_view to_string(cart_status s) {
  switch (s) {
    case cart_status::open: return "open";
    case cart_status::checking_out: return "checking_out";
    case cart_status::converted: return "converted";
    case cart_status::abandoned: return "abandoned";
    case cart_status::expired: return "expired";
  }
  return "unknown";
}

money cart_state::subtotal() const {
  money total{0, currency};
  for (const auto& [sku, line] : lines) total.amount += line.quantity * line.unit_price.amount;
  return total;
}

cart_state cart_decider::initial(std::string id) {
  cart_state s;
  s.id = std::move(id);
  return s;
}

decision<cart_event> cart_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<create_cart>(c)) return not_found("cart " + s.id);
  return std::visit(
      overloaded{
          [&](const create_cart& x) { return decide_create(s, x, ctx); },
          [&](const set_line& x) { return decide_set_line(s, x, ctx); },
          [&](const remove_line& x) {
            if (!accepts_changes(s.status)) return result(not_open(s));
            if (!s.lines.count(x.sku)) return result(not_found("line " + x.sku));
            return result(cart_line_removed{x.sku, ctx.now});
          },
          [&](const mark_line_reserved& x) {
            auto it = s.lines.find(x.sku);
            if (it == s.lines.end() || it->second.reserved == x.reserved) return result::nothing();
            return result(cart_line_reservation_changed{x.sku, x.reserved});
          },
          [&](const expire_cart_reservations& x) { return decide_expire_reservations(s, x, ctx); },
          [&](const begin_checkout& x) { return decide_begin_checkout(s, x, ctx); },
          [&](const cancel_checkout& x) { return decide_cancel_checkout(s, x, ctx); },
          [&](const complete_checkout& x) { return decide_complete_checkout(s, x, ctx); },
          [&](const abandon_cart&) {
            if (s.status == cart_status::abandoned) return result::nothing();
            if (s.status != cart_status::open)
              return result(invalid_transition("cart", to_string(s.status), to_string(cart_status::abandoned)));
            return result(cart_abandoned{ctx.now});
          },
          [&](const expire_cart&) {
            if (s.status == cart_status::expired) return result::nothing();
            if (!accepts_changes(s.status))
              return result(invalid_transition("cart", to_string(s.status), to_string(cart_status::expired)));
            return result(cart_expired{ctx.now});
          },
      },
      c);
}

cart_state cart_decider::evolve(state s, const event& e) {
  // Customer activity reopens an abandoned cart and restarts the reservation TTL.
  auto touch = [&s](timestamp at) {
    s.updated_at = at;
    if (s.status == cart_status::abandoned) s.status = cart_status::open;
  };
  std::visit(overloaded{
                 [&](const cart_created& x) {
                   s.exists = true;
                   s.status = cart_status::open;
                   s.currency = x.currency;
                   s.email = x.email;
                   s.customer_id = x.customer_id;
                   s.created_at = s.updated_at = x.at;
                 },
                 [&](const cart_line_set& x) {
                   s.lines[x.sku] = cart_line{x.quantity, x.unit_price, x.reserved};
                   touch(x.at);
                 },
                 [&](const cart_line_removed& x) {
                   s.lines.erase(x.sku);
                   touch(x.at);
                 },
                 [&](const cart_line_reservation_changed& x) { s.lines[x.sku].reserved = x.reserved; },
                 [&](const cart_reservations_expired& x) {
                   for (const auto& sku : x.skus) s.lines[sku].reserved = false;
                 },
                 [&](const checkout_started& x) {
                   touch(x.at);
                   s.status = cart_status::checking_out;
                   s.checkout_id = x.checkout_id;
                 },
                 [&](const checkout_cancelled& x) {
                   s.status = cart_status::open;
                   s.checkout_id.clear();
                   s.updated_at = x.at;
                 },
                 [&](const cart_converted& x) {
                   s.status = cart_status::converted;
                   s.order_id = x.order_id;
                   s.updated_at = x.at;
                 },
                 [&](const cart_abandoned&) { s.status = cart_status::abandoned; },
                 [&](const cart_expired&) { s.status = cart_status::expired; },
             },
             e);
  return s;
}

std::optional<timestamp> cart_decider::next_deadline(const state& s, duration ttl) {
  if (!accepts_changes(s.status)) return std::nullopt;
  for (const auto& [sku, line] : s.lines)
    if (line.reserved) return s.updated_at + ttl;
  return std::nullopt;
}

}  // namespace commerce::domain
