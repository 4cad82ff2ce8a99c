#include "domain/merge_review.hpp"

namespace commerce::domain {

namespace {
using result = decision<merge_review_event>;
constexpr std::string_view status_names[] = {"pending", "approved", "rejected"};
}  // namespace

std::string_view to_string(review_status s) { return status_names[static_cast<int>(s)]; }
std::optional<review_status> review_status_from(std::string_view text) {
  for (int i = 0; i < 3; ++i)
    if (status_names[i] == text) return static_cast<review_status>(i);
  return std::nullopt;
}

merge_review_state merge_review_decider::initial(std::string id) {
  merge_review_state s;
  s.id = std::move(id);
  return s;
}

decision<merge_review_event> merge_review_decider::decide(const state& s, const command& c, const context& ctx) {
  if (!s.exists && !std::holds_alternative<open_review>(c)) return not_found("merge review " + s.id);
  return std::visit(
      overloaded{
          [&](const open_review& o) -> result {
            if (s.exists) return result::nothing();
            if (o.candidates.size() < 2) return invalid_field("candidates", "must name at least two profiles");
            return review_opened{o.candidates, o.event_id, o.reason, ctx.now};
          },
          [&](const approve_review& a) -> result {
            if (s.status == review_status::approved) return result::nothing();
            if (s.status != review_status::pending) return invalid_transition("merge review " + s.id, to_string(s.status), "approved");
            return review_approved{a.merge_id, ctx.now};
          },
          [&](const reject_review&) -> result {
            if (s.status == review_status::rejected) return result::nothing();
            if (s.status != review_status::pending) return invalid_transition("merge review " + s.id, to_string(s.status), "rejected");
            return review_rejected{ctx.now};
          },
      },
      c);
}

merge_review_state merge_review_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const review_opened& o) {
                   s.exists = true;
                   s.candidates = o.candidates;
                   s.event_id = o.event_id;
                   s.reason = o.reason;
                   s.opened_at = o.at;
                 },
                 [&](const review_approved& a) {
                   s.status = review_status::approved;
                   s.merge_id = a.merge_id;
                   s.decided_at = a.at;
                 },
                 [&](const review_rejected& r) {
                   s.status = review_status::rejected;
                   s.decided_at = r.at;
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
