#include "domain/profile_merge.hpp"

#include <algorithm>
#include <set>

namespace commerce::domain {

namespace {
using result = decision<profile_merge_event>;

constexpr std::string_view status_names[] = {"merging", "merged", "aborted", "unmerging", "unmerged"};
constexpr std::string_view step_names[] = {"lock",      "absorb",    "move_identifiers",   "take_in", "unlock",
                                           "release",   "lock_base", "give_back", "return_identifiers",
                                           "restore",   "unlock_base", "done"};

bool contains(const std::vector<std::string>& ids, const std::string& id) {
  return std::find(ids.begin(), ids.end(), id) != ids.end();
}

// The step after `step` on its path.
merge_step after(merge_step step) {
  switch (step) {
    case merge_step::move_identifiers: return merge_step::take_in;
    case merge_step::take_in: return merge_step::unlock;
    case merge_step::lock_base: return merge_step::give_back;
    case merge_step::give_back: return merge_step::return_identifiers;
    case merge_step::return_identifiers: return merge_step::restore;
    case merge_step::restore: return merge_step::unlock_base;
    default: return merge_step::done;
  }
}

std::optional<rejection> bad_request(const request_merge& r) {
  if (r.base.empty()) return invalid_field("base", "is required");
  if (r.absorbed.empty()) return invalid_field("absorbed", "must name at least one profile");
  std::set<std::string> all(r.absorbed.begin(), r.absorbed.end());
  all.insert(r.base);
  if (all.size() != r.absorbed.size() + 1) return invalid_field("absorbed", "must name distinct profiles besides the base");
  if (all.size() > max_merge_profiles)
    return invalid_field("absorbed", "must name at most " + std::to_string(max_merge_profiles - 1) + " profiles");
  return std::nullopt;
}

}  // namespace

std::string_view to_string(merge_status s) { return status_names[static_cast<int>(s)]; }
std::string_view to_string(merge_step s) { return step_names[static_cast<int>(s)]; }

std::vector<std::string> lock_order(const profile_merge_state& s) {
  auto all = s.absorbed;
  all.push_back(s.base);
  std::sort(all.begin(), all.end());
  return all;
}

bool merge_settled(const profile_merge_state& s) { return s.exists && s.step == merge_step::done; }

profile_merge_state profile_merge_decider::initial(std::string id) {
  profile_merge_state s;
  s.id = std::move(id);
  return s;
}

decision<profile_merge_event> profile_merge_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<request_merge>(c)) return not_found("merge " + s.id);
  return std::visit(
      overloaded{
          [&](const request_merge& r) -> result {
            if (s.exists) return result::nothing();
            if (auto why = bad_request(r)) return *why;
            return merge_requested{r.base, r.absorbed, r.cause, ctx.now};
          },
          [&](const record_profile_locked& r) -> result {
            if (s.step != merge_step::lock || contains(s.locked, r.profile)) return result::nothing();
            if (!contains(lock_order(s), r.profile)) return invalid_field("profile", "is not a profile of this merge");
            return merge_profile_locked{r.profile, ctx.now};
          },
          [&](const record_lock_refused& r) -> result {
            if (s.step != merge_step::lock) return result::nothing();
            return merge_lock_refused{r.profile, r.reason, ctx.now};
          },
          [&](const record_part_absorbed& r) -> result {
            if (s.step != merge_step::absorb) return result::nothing();
            if (!contains(s.absorbed, r.part.id)) return invalid_field("part", "is not an absorbed profile of this merge");
            for (const auto& part : s.parts)
              if (part.id == r.part.id) return result::nothing();
            return merge_part_absorbed{r.part, ctx.now};
          },
          [&](const finish_merge_step& f) -> result {
            if (s.step != f.step || f.step == merge_step::done) return result::nothing();
            return merge_step_finished{f.step, ctx.now};
          },
          [&](const request_unmerge&) -> result {
            if (s.status == merge_status::unmerging || s.status == merge_status::unmerged) return result::nothing();
            if (s.status != merge_status::merged)
              return invalid_transition("merge " + s.id, to_string(s.status), "unmerging");
            return unmerge_requested{ctx.now};
          },
          [&](const record_unmerge_refused& r) -> result {
            if (s.step != merge_step::lock_base) return result::nothing();
            return unmerge_refused{r.reason, ctx.now};
          },
          [&](const resume_merge&) -> result {
            if (merge_settled(s)) return result::nothing();
            return merge_resumed{ctx.now};
          },
      },
      c);
}

profile_merge_state profile_merge_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const merge_requested& r) {
                   s.exists = true;
                   s.status = merge_status::merging;
                   s.step = merge_step::lock;
                   s.base = r.base;
                   s.absorbed = r.absorbed;
                   s.cause = r.cause;
                   s.requested_at = r.at;
                 },
                 [&](const merge_profile_locked& l) {
                   s.locked.push_back(l.profile);
                   if (s.locked.size() == s.absorbed.size() + 1) s.step = merge_step::absorb;
                 },
                 [&](const merge_lock_refused& r) {
                   s.refusal = "profile " + r.profile + ": " + r.reason;
                   s.step = merge_step::release;
                 },
                 [&](const merge_part_absorbed& a) {
                   s.parts.push_back(a.part);
                   if (s.parts.size() == s.absorbed.size()) s.step = merge_step::move_identifiers;
                 },
                 [&](const merge_step_finished& f) {
                   s.step = after(f.step);
                   if (f.step == merge_step::unlock) {
                     s.status = merge_status::merged;
                     s.merged_at = f.at;
                   } else if (f.step == merge_step::release) {
                     s.status = merge_status::aborted;
                   } else if (f.step == merge_step::unlock_base) {
                     s.status = merge_status::unmerged;
                     s.unmerged_at = f.at;
                   }
                 },
                 [&](const unmerge_requested&) {
                   s.status = merge_status::unmerging;
                   s.step = merge_step::lock_base;
                   s.refusal.clear();
                 },
                 [&](const unmerge_refused& r) {
                   s.status = merge_status::merged;
                   s.step = merge_step::done;
                   s.refusal = r.reason;
                 },
                 [&](const merge_resumed&) {},
             },
             e);
  std::visit([&](const auto& x) { s.changed_at = x.at; }, e);
  return s;
}

std::optional<timestamp> profile_merge_decider::next_deadline(const state& s, duration resume_after) {
  if (!s.exists || merge_settled(s)) return std::nullopt;
  return s.changed_at + resume_after;
}

}  // namespace commerce::domain
