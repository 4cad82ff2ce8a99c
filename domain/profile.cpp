#include "domain/profile.hpp"

#include <algorithm>

namespace commerce::domain {

std::string_view to_string(profile_status s) { return s == profile_status::active ? "active" : "merged"; }

profile_state profile_decider::initial(std::string id) {
  profile_state s;
  s.id = std::move(id);
  return s;
}

bool is_purchase(const customer_event& e) { return e.type == "purchase"; }

merge_part part_of(const profile_state& s) {
  return {s.id, s.identifiers, s.lifetime_value, s.total_orders, s.event_ids, s.first_seen, s.last_seen, s.recent_events};
}

namespace {

using result = decision<profile_event>;

std::vector<identifier> new_to(const profile_state& s, const std::vector<identifier>& ids) {
  std::vector<identifier> out;
  for (const auto& id : ids)
    if (!std::binary_search(s.identifiers.begin(), s.identifiers.end(), id) &&
        std::find(out.begin(), out.end(), id) == out.end())
      out.push_back(id);
  return out;
}

void add(std::vector<identifier>& held, const std::vector<identifier>& ids) {
  held.insert(held.end(), ids.begin(), ids.end());
  std::sort(held.begin(), held.end());
  held.erase(std::unique(held.begin(), held.end()), held.end());
}

// Refuses a command while a merge holds the profile or after it was merged.
std::optional<rejection> not_available(const profile_state& s, const std::string& merge_id = "") {
  if (s.status == profile_status::merged) {
    auto why = invalid_transition("profile " + s.id, "merged", "changed");
    why.extra["merged_into"] = s.merged_into;
    return why;
  }
  if (!s.lock.empty() && s.lock != merge_id) {
    auto why = invalid_transition("profile " + s.id, "held by a merge", "changed");
    why.extra["merge_id"] = s.lock;
    return why;
  }
  return std::nullopt;
}

const merge_record* record_of(const profile_state& s, const std::string& merge_id) {
  for (const auto& r : s.merges)
    if (r.merge_id == merge_id) return &r;
  return nullptr;
}

// The newest recent_events_kept of `events`, newest last.
void keep_recent(std::vector<event_summary>& events) {
  std::stable_sort(events.begin(), events.end(),
                   [](const event_summary& a, const event_summary& b) { return a.occurred_at < b.occurred_at; });
  if (events.size() > recent_events_kept) events.erase(events.begin(), events.end() - recent_events_kept);
}

void add_money(money& to, const money& amount, std::int64_t sign) {
  if (amount.amount == 0) return;
  if (to.currency.empty()) to.currency = amount.currency;
  if (to.currency == amount.currency) to.amount += sign * amount.amount;
}

}  // namespace

decision<profile_event> profile_decider::decide(const state& s, const command& c, const context& ctx) {
  return std::visit(
      overloaded{
          [&](const attach_event& a) -> result {
            if (a.event.event_id.empty()) return invalid_field("event_id", "is required");
            if (auto why = not_available(s)) return *why;
            std::vector<profile_event> out;
            if (!s.exists) out.push_back(profile_created{ctx.now});
            auto added = new_to(s, a.identifiers);
            if (s.event_ids.count(a.event.event_id)) {
              if (added.empty()) return result::nothing();
              out.push_back(identifiers_added{std::move(added), ctx.now});
            } else {
              out.push_back(event_attached{a.event, a.identifiers, ctx.now});
            }
            return out;
          },
          [&](const lock_profile& l) -> result {
            if (!s.exists) return not_found("profile " + s.id);
            if (s.lock == l.merge_id) return result::nothing();
            if (auto why = not_available(s)) return *why;
            return profile_locked{l.merge_id, ctx.now};
          },
          [&](const unlock_profile& u) -> result {
            if (s.lock != u.merge_id) return result::nothing();
            return profile_unlocked{u.merge_id, ctx.now};
          },
          [&](const absorb_profile& a) -> result {
            if (s.status == profile_status::merged && s.merged_into == a.base) return result::nothing();
            if (s.lock != a.merge_id) return invalid_transition("profile " + s.id, "not held by this merge", "merged");
            return profile_absorbed{a.merge_id, a.base, ctx.now};
          },
          [&](const take_in_parts& t) -> result {
            if (record_of(s, t.merge_id)) return result::nothing();
            if (s.lock != t.merge_id) return invalid_transition("profile " + s.id, "not held by this merge", "merged");
            return parts_taken_in{t.merge_id, t.parts, ctx.now};
          },
          [&](const give_back_parts& g) -> result {
            const auto* record = record_of(s, g.merge_id);
            if (!record || !record->as_base) return not_found("merge " + g.merge_id + " into profile " + s.id);
            if (record->undone) return result::nothing();
            if (s.lock != g.merge_id) return invalid_transition("profile " + s.id, "not held by this merge", "unmerged");
            return parts_given_back{g.merge_id, ctx.now};
          },
          [&](const restore_profile& r) -> result {
            const auto* record = record_of(s, r.merge_id);
            if (!record || record->as_base) return not_found("merge " + r.merge_id + " of profile " + s.id);
            // Restored already (and perhaps merged elsewhere since): a step run again changes nothing.
            if (record->undone) return result::nothing();
            return profile_restored{r.merge_id, ctx.now};
          },
          [&](const retire_profile& r) -> result {
            if (!s.exists) return not_found("profile " + s.id);
            if (s.status == profile_status::merged && s.merged_into == r.into) return result::nothing();
            if (auto why = not_available(s)) return *why;
            if (!s.identifiers.empty())
              return invalid_transition("profile " + s.id, "holding identifiers", "retired");
            return profile_retired{r.into, ctx.now};
          },
      },
      c);
}

profile_state profile_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const profile_created& c) {
                   s.exists = true;
                   s.created_at = c.at;
                   s.first_seen = s.last_seen = c.at;
                 },
                 [&](const event_attached& a) {
                   add(s.identifiers, a.identifiers);
                   s.event_ids.insert(a.event.event_id);
                   const auto when = a.event.occurred_at;
                   if (when < s.first_seen) s.first_seen = when;
                   if (when > s.last_seen) s.last_seen = when;
                   if (is_purchase(a.event)) {
                     ++s.total_orders;
                     add_money(s.lifetime_value, a.event.total, 1);
                   }
                   s.recent_events.push_back({a.event.event_id, a.event.source, a.event.type, a.event.occurred_at});
                   keep_recent(s.recent_events);
                 },
                 [&](const identifiers_added& a) { add(s.identifiers, a.identifiers); },
                 [&](const profile_locked& l) { s.lock = l.merge_id; },
                 [&](const profile_unlocked&) { s.lock.clear(); },
                 [&](const profile_absorbed& a) {
                   s.status = profile_status::merged;
                   s.merged_into = a.base;
                   s.lock.clear();
                   s.merges.push_back({a.merge_id, false, a.base, {}, {}, a.at, false, {}});
                 },
                 [&](const parts_taken_in& t) {
                   const auto held = part_of(s);
                   for (const auto& part : t.parts) {
                     add(s.identifiers, part.identifiers);
                     add_money(s.lifetime_value, part.lifetime_value, 1);
                     s.total_orders += part.total_orders;
                     s.event_ids.insert(part.event_ids.begin(), part.event_ids.end());
                     if (part.first_seen < s.first_seen) s.first_seen = part.first_seen;
                     if (part.last_seen > s.last_seen) s.last_seen = part.last_seen;
                     s.merged_from.push_back(part.id);
                     s.recent_events.insert(s.recent_events.end(), part.recent_events.begin(), part.recent_events.end());
                   }
                   keep_recent(s.recent_events);
                   s.merges.push_back({t.merge_id, true, s.id, t.parts, held, t.at, false, {}});
                 },
                 [&](const parts_given_back& g) {
                   for (auto& record : s.merges) {
                     if (record.merge_id != g.merge_id) continue;
                     record.undone = true;
                     record.undone_at = g.at;
                     for (const auto& part : record.parts) {
                       auto& held = s.identifiers;
                       held.erase(std::remove_if(held.begin(), held.end(),
                                                 [&](const identifier& id) {
                                                   return std::binary_search(part.identifiers.begin(),
                                                                             part.identifiers.end(), id);
                                                 }),
                                  held.end());
                       add_money(s.lifetime_value, part.lifetime_value, -1);
                       s.total_orders -= part.total_orders;
                       for (const auto& id : part.event_ids) s.event_ids.erase(id);
                       auto& recent = s.recent_events;
                       recent.erase(std::remove_if(recent.begin(), recent.end(),
                                                   [&](const event_summary& e) { return part.event_ids.count(e.event_id) > 0; }),
                                    recent.end());
                       s.merged_from.erase(std::remove(s.merged_from.begin(), s.merged_from.end(), part.id),
                                           s.merged_from.end());
                       // The times a part set go back to what the base had, unless changed since.
                       if (s.first_seen == part.first_seen) s.first_seen = record.held.first_seen;
                       if (s.last_seen == part.last_seen) s.last_seen = record.held.last_seen;
                     }
                     // A currency only the parts brought goes with them.
                     if (s.lifetime_value.amount == 0 && record.held.lifetime_value.currency.empty()) s.lifetime_value = {};
                   }
                 },
                 [&](const profile_retired& r) {
                   s.status = profile_status::merged;
                   s.merged_into = r.into;
                 },
                 [&](const profile_restored& r) {
                   s.status = profile_status::active;
                   s.merged_into.clear();
                   for (auto& record : s.merges)
                     if (record.merge_id == r.merge_id) {
                       record.undone = true;
                       record.undone_at = r.at;
                     }
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
