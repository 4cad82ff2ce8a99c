#include "domain/reconciliation.hpp"

namespace commerce::domain {

std::string_view to_string(sweep_status s) { return s == sweep_status::running ? "running" : "finished"; }

std::string_view to_string(sweep_reason r) { return r == sweep_reason::schedule ? "schedule" : "operator"; }

reconciliation_state reconciliation_decider::initial(std::string id) {
  reconciliation_state s;
  s.id = std::move(id);
  return s;
}

namespace {

using result = decision<reconciliation_event>;

result decide_page(const reconciliation_state& s, const record_sweep_page& c, const context& ctx) {
  if (!s.exists) return not_found("reconciliation " + s.id);
  if (c.page < s.pages || s.status == sweep_status::finished) return result::nothing();  // recorded already
  if (c.page != s.pages)
    return invalid_field("page", "page " + std::to_string(s.pages) + " comes next, not " + std::to_string(c.page));
  if (c.cursor <= s.cursor) return invalid_field("cursor", "a page must go past the last one's SKU");
  return sweep_page_recorded{c.page, c.cursor, c.checked, c.differences, ctx.now};
}

}  // namespace

decision<reconciliation_event> reconciliation_decider::decide(const state& s, const command& c, const context& ctx) {
  return std::visit(overloaded{
                        [&](const request_sweep& x) -> result {
                          if (s.exists) return result::nothing();
                          return sweep_requested{x.reason, ctx.now};
                        },
                        [&](const record_sweep_page& x) { return decide_page(s, x, ctx); },
                        [&](const finish_sweep&) -> result {
                          if (!s.exists) return not_found("reconciliation " + s.id);
                          if (s.status == sweep_status::finished) return result::nothing();
                          return sweep_finished{ctx.now};
                        },
                    },
                    c);
}

reconciliation_state reconciliation_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const sweep_requested& x) {
                   s.exists = true;
                   s.reason = x.reason;
                   s.requested_at = x.at;
                 },
                 [&](const sweep_page_recorded& x) {
                   s.pages = x.page + 1;
                   s.cursor = x.cursor;
                   s.checked += x.checked;
                   s.differences.insert(s.differences.end(), x.differences.begin(), x.differences.end());
                 },
                 [&](const sweep_finished& x) {
                   s.status = sweep_status::finished;
                   s.finished_at = x.at;
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
