#include "domain/identity_index.hpp"

namespace commerce::domain {

identity_index_state identity_index_decider::initial(std::string id) {
  identity_index_state s;
  s.id = std::move(id);
  return s;
}

decision<identity_index_event> identity_index_decider::decide(const state& s, const command& c, const context& ctx) {
  const auto& claim = std::get<claim_identifier>(c);
  if (claim.profile.empty()) return invalid_field("profile", "is required");
  if (s.holder == claim.profile) return decision<identity_index_event>::nothing();
  if (s.holder != claim.from) {
    auto why = invalid_transition("identifier " + s.id, "held by " + s.holder, "held by " + claim.profile);
    why.extra["holder"] = s.holder;
    return why;
  }
  return identifier_claimed{claim.profile, claim.from, ctx.now};
}

identity_index_state identity_index_decider::evolve(state s, const event& e) {
  const auto& claimed = std::get<identifier_claimed>(e);
  s.exists = true;
  s.holder = claimed.profile;
  s.since = claimed.at;
  return s;
}

}  // namespace commerce::domain
