#include "domain/webhook.hpp"

#include "domain/inventory.hpp"
#include "domain/money.hpp"

#include <algorithm>

namespace commerce::domain {

bool valid_webhook_id(std::string_view id) {
  return !id.empty() && id.size() <= 128 && std::all_of(id.begin(), id.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' || c == '_' ||
           c == ':' || c == '-';
  });
}

webhook_state webhook_decider::initial(std::string id) {
  webhook_state s;
  s.id = std::move(id);
  return s;
}

decision<webhook_event> webhook_decider::decide(const state& s, const command& c, const context& ctx) {
  const auto& r = std::get<receive_webhook>(c);
  if (s.exists) return decision<webhook_event>::nothing();  // a repeat: taken once
  if (r.topic.empty() || r.topic.size() > 100) return invalid_field("topic", "must be 1-100 characters");
  if (!valid_sku(r.sku)) return invalid_field("sku", "must be 1-64 characters of A-Z a-z 0-9 . _ -");
  if (r.available < 0 || r.available > max_quantity) return invalid_field("available", "must be between 0 and 10^9");
  return webhook_received{r.topic, r.sku, r.available, r.updated_at, ctx.now};
}

webhook_state webhook_decider::evolve(state s, const event& e) {
  const auto& r = std::get<webhook_received>(e);
  s.exists = true;
  s.topic = r.topic;
  s.sku = r.sku;
  s.available = r.available;
  s.updated_at = r.updated_at;
  s.received_at = r.at;
  return s;
}

}  // namespace commerce::domain
