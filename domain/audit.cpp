#include "domain/audit.hpp"

namespace commerce::domain {

audit_entry_state audit_decider::initial(std::string id) {
  audit_entry_state s;
  s.id = std::move(id);
  return s;
}

decision<audit_event> audit_decider::decide(const state& s, const command& c, const context& ctx) {
  const auto& r = std::get<record_operator_action>(c);
  if (s.exists) return decision<audit_event>::nothing();  // recorded already: an entry never changes
  if (r.who.empty()) return invalid_field("who", "is required");
  if (r.method.empty() || r.method.size() > 16) return invalid_field("method", "must be 1 to 16 characters");
  if (r.path.empty() || r.path.size() > max_audit_path)
    return invalid_field("path", "must be 1 to " + std::to_string(max_audit_path) + " characters");
  if (r.reason.size() > max_audit_reason)
    return invalid_field("reason", "must be at most " + std::to_string(max_audit_reason) + " characters");
  if (r.request.size() > max_audit_request)
    return invalid_field("request", "must be at most " + std::to_string(max_audit_request) + " characters");
  return operator_action_recorded{r.who, r.method, r.path, r.reason, r.idempotency_key, r.request, r.status, ctx.now};
}

audit_entry_state audit_decider::evolve(state s, const event& e) {
  const auto& r = std::get<operator_action_recorded>(e);
  s.exists = true;
  s.who = r.who;
  s.method = r.method;
  s.path = r.path;
  s.reason = r.reason;
  s.idempotency_key = r.idempotency_key;
  s.request = r.request;
  s.status = r.status;
  s.at = r.at;
  return s;
}

}  // namespace commerce::domain
