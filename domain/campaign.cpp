#include "domain/campaign.hpp"

#include "domain/inventory.hpp"

#include <algorithm>
#include <set>

namespace commerce::domain {

std::string_view to_string(campaign_status s) {
  switch (s) {
    case campaign_status::draft: return "draft";
    case campaign_status::active: return "active";
    case campaign_status::paused: return "paused";
    case campaign_status::rolling_back: return "rolling_back";
    case campaign_status::rolled_back: return "rolled_back";
  }
  return "draft";
}

std::optional<campaign_status> campaign_status_from(std::string_view text) {
  for (auto s : {campaign_status::draft, campaign_status::active, campaign_status::paused, campaign_status::rolling_back,
                 campaign_status::rolled_back})
    if (to_string(s) == text) return s;
  return std::nullopt;
}

bool campaign_state::covers(const std::string& sku, const std::string& product_category) const {
  if (!category.empty()) return category == product_category;
  return std::find(skus.begin(), skus.end(), sku) != skus.end();
}

campaign_state campaign_decider::initial(std::string id) {
  campaign_state s;
  s.id = std::move(id);
  return s;
}

std::vector<std::string> campaign_decider::rollback_left(const state& s) {
  std::set<std::string> done;
  for (const auto& a : s.audit)
    if (a.reason == "rollback" || a.reason == "rollback_skipped") done.insert(a.sku);
  std::vector<std::string> out;
  for (const auto& [sku, price] : s.prior_prices)
    if (!done.count(sku)) out.push_back(sku);
  return out;
}

namespace {

using result = decision<campaign_event>;

result decide_create(const campaign_state& s, const create_campaign& c, const context& ctx) {
  if (s.exists) return result::nothing();
  if (c.name.empty() || c.name.size() > 200) return invalid_field("name", "must be 1-200 characters");
  if (c.skus.empty() == c.category.empty()) return invalid_field("skus", "give either skus or a category");
  if (c.skus.size() > max_campaign_skus) return invalid_field("skus", "must name at most 1,000 products");
  std::set<std::string> seen;
  for (const auto& sku : c.skus) {
    if (!valid_sku(sku)) return invalid_field("skus", "'" + sku + "' is not a SKU");
    if (!seen.insert(sku).second) return invalid_field("skus", "'" + sku + "' is named twice");
  }
  if (c.category.size() > 100) return invalid_field("category", "must be at most 100 characters");
  if (c.trigger.threshold < 0 || c.trigger.threshold > max_quantity)
    return invalid_field("trigger", "the threshold must be between 0 and 10^9");
  if (c.priority < -1000 || c.priority > 1000) return invalid_field("priority", "must be between -1000 and 1000");
  if (c.ends_at && *c.ends_at <= ctx.now) return invalid_field("ends_at", "must be in the future");
  if (auto why = validate(c.rule)) return *why;
  return campaign_created{c.name, c.skus, c.category, c.trigger, c.rule, c.priority, c.ends_at, ctx.now};
}

result decide_status(const campaign_state& s, const set_campaign_status& c, const context& ctx) {
  if (c.status != campaign_status::active && c.status != campaign_status::paused)
    return invalid_field("status", "must be active or paused");
  if (s.status == c.status) return result::nothing();
  const bool allowed = s.status == campaign_status::draft ? c.status == campaign_status::active
                                                          : s.status == campaign_status::active || s.status == campaign_status::paused;
  if (!allowed) return invalid_transition("campaign", to_string(s.status), to_string(c.status));
  return campaign_status_changed{s.status, c.status, ctx.now};
}

result decide_observe(const campaign_state& s, const observe_inventory& c, const context& ctx) {
  if (s.status != campaign_status::active) return result::nothing();
  if (s.ends_at && ctx.now >= *s.ends_at) return result::nothing();
  if (const auto seen = s.observed.find(c.sku); seen != s.observed.end() && c.version <= seen->second)
    return result::nothing();  // observed already
  const bool now_holds = s.trigger.holds(c.available);
  const auto it = s.held.find(c.sku);
  const bool held = it != s.held.end() && it->second;  // never seen: on the quiet side
  if (it != s.held.end() && held == now_holds) return result::nothing();
  return campaign_crossing{c.sku, c.available, now_holds && !held, c.version, ctx.now, c.reason};
}

}  // namespace

decision<campaign_event> campaign_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<create_campaign>(c)) return not_found("campaign " + s.id);
  return std::visit(
      overloaded{
          [&](const create_campaign& x) { return decide_create(s, x, ctx); },
          [&](const set_campaign_status& x) { return decide_status(s, x, ctx); },
          [&](const observe_inventory& x) { return decide_observe(s, x, ctx); },
          [&](const record_campaign_price& x) -> result {
            if (const auto last = s.recorded.find(x.sku); last != s.recorded.end() && last->second == x.reference)
              return result::nothing();  // recorded already
            // Recorded while rolling back too (a firing that raced the rollback): the rollback
            // then restores it before it can finish. After the end it is too late to undo here.
            if (s.status == campaign_status::rolled_back) return result::nothing();
            return campaign_price_recorded{x.sku, x.old_price, x.new_price, x.reference, ctx.now, x.reason};
          },
          [&](const request_rollback&) -> result {
            if (s.status == campaign_status::rolling_back || s.status == campaign_status::rolled_back)
              return result::nothing();
            if (s.status == campaign_status::draft)
              return invalid_transition("campaign", to_string(s.status), to_string(campaign_status::rolled_back));
            return campaign_status_changed{s.status, campaign_status::rolling_back, ctx.now};
          },
          [&](const record_rollback& x) -> result {
            const auto left = rollback_left(s);
            if (s.status != campaign_status::rolling_back || std::find(left.begin(), left.end(), x.sku) == left.end())
              return result::nothing();  // recorded already
            return campaign_rollback_recorded{x.sku, x.old_price, x.new_price, x.skipped, ctx.now};
          },
          [&](const finish_rollback&) -> result {
            if (s.status != campaign_status::rolling_back || !rollback_left(s).empty()) return result::nothing();
            return campaign_status_changed{s.status, campaign_status::rolled_back, ctx.now};
          },
      },
      c);
}

campaign_state campaign_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const campaign_created& x) {
                   s.exists = true;
                   s.name = x.name;
                   s.skus = x.skus;
                   s.category = x.category;
                   s.trigger = x.trigger;
                   s.rule = x.rule;
                   s.priority = x.priority;
                   s.ends_at = x.ends_at;
                   s.created_at = x.at;
                 },
                 [&](const campaign_status_changed& x) { s.status = x.to; },
                 [&](const campaign_crossing& x) {
                   s.held[x.sku] = s.trigger.holds(x.available);
                   s.observed[x.sku] = x.version;
                   if (!x.fired) return;
                   ++s.trigger_count;
                   s.last_triggered_at = x.at;
                 },
                 [&](const campaign_price_recorded& x) {
                   s.recorded[x.sku] = x.reference;
                   if (x.old_price == x.new_price) return;
                   s.prior_prices.emplace(x.sku, x.old_price);  // the first change's only
                   s.last_set[x.sku] = x.new_price;
                   s.audit.push_back({x.at, x.sku, x.old_price, x.new_price, x.reason});
                 },
                 [&](const campaign_rollback_recorded& x) {
                   s.audit.push_back({x.at, x.sku, x.old_price, x.new_price, x.skipped ? "rollback_skipped" : "rollback"});
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
