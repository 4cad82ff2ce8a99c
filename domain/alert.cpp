#include "domain/alert.hpp"

namespace commerce::domain {

std::string_view to_string(alert_status s) { return s == alert_status::open ? "open" : "acknowledged"; }

std::optional<alert_status> alert_status_from(std::string_view text) {
  if (text == "open") return alert_status::open;
  if (text == "acknowledged") return alert_status::acknowledged;
  return std::nullopt;
}

alert_state alert_decider::initial(std::string id) {
  alert_state s;
  s.id = std::move(id);
  return s;
}

namespace {

std::optional<rejection> bad_text(std::string_view field, const std::string& value, bool required) {
  if (required && value.empty()) return invalid_field(field, "is required");
  if (value.size() > max_alert_text)
    return invalid_field(field, "must be at most " + std::to_string(max_alert_text) + " characters");
  return std::nullopt;
}

}  // namespace

decision<alert_event> alert_decider::decide(const state& s, const command& c, const context& ctx) {
  return std::visit(
      overloaded{
          [&](const raise_alert& r) -> decision<alert_event> {
            if (s.exists) return decision<alert_event>::nothing();  // raised already: once is enough
            for (const auto& [field, value] : {std::pair<std::string_view, const std::string&>{"topic", r.topic},
                                               {"subject", r.subject}, {"message", r.message}})
              if (auto why = bad_text(field, value, true)) return *why;
            return alert_raised{r.topic, r.subject, r.message, ctx.now};
          },
          [&](const acknowledge_alert& a) -> decision<alert_event> {
            if (!s.exists) return not_found("alert " + s.id);
            if (auto why = bad_text("note", a.note, false)) return *why;
            if (s.status == alert_status::acknowledged) return decision<alert_event>::nothing();
            return alert_acknowledged{a.note, ctx.now};
          },
      },
      c);
}

alert_state alert_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const alert_raised& r) {
                   s.exists = true;
                   s.status = alert_status::open;
                   s.topic = r.topic;
                   s.subject = r.subject;
                   s.message = r.message;
                   s.raised_at = r.at;
                 },
                 [&](const alert_acknowledged& a) {
                   s.status = alert_status::acknowledged;
                   s.acknowledged_at = a.at;
                   s.acknowledged_note = a.note;
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
