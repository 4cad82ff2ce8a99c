// The operator's alerts (admin token): GET /admin/alerts?status=open|acknowledged (paginated,
// in id order), GET /admin/alerts/{id}, POST /admin/alerts/{id}/acknowledge {"note"?}.
#include "actors/gateway_call.hpp"
#include "domain/alert.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using alert_reply = protocols::entity_reply<alert_decider>;

boost::json::object alert_view(const alert_state& s, std::int64_t version) {
  boost::json::object out{{"id", s.id},
                          {"status", to_string(s.status)},
                          {"topic", s.topic},
                          {"subject", s.subject},
                          {"message", s.message},
                          {"raised_at", to_iso8601(s.raised_at)},
                          {"version", version}};
  if (s.status == alert_status::acknowledged) {
    out["acknowledged_at"] = to_iso8601(s.acknowledged_at);
    out["note"] = s.acknowledged_note;
  }
  return out;
}

void answer_alert(const call_ptr& call, const alert_reply& reply) {
  call->respond(with_etag(json_response(200, alert_view(reply.state, reply.version)), reply.version));
}

void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<alert_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto status = query_param(call->request.target, "status"); !status.empty()) {
    if (!alert_status_from(status))
      return call->respond(rejection_response(invalid_field("status", "must be open or acknowledged")));
    query.where.push_back({"status", status});
  }
  respond_with_page(call, std::move(query), limit, alert_view);
}

void get(const call_ptr& call) {
  read_entity<alert_decider>(call, call->param("id"), "alert " + call->param("id"),
                             [call](alert_reply& reply) { answer_alert(call, reply); });
}

void acknowledge(const call_ptr& call) {
  body_reader body(call->request.body, {"note"});
  acknowledge_alert command{body.text("note", max_alert_text, false)};
  if (body.error()) return call->respond(*body.error());
  command_entity<alert_decider>(call, call->param("id"), std::move(command), std::nullopt,
                                [call](alert_reply& reply) { answer_alert(call, reply); });
}

}  // namespace

void add_alert_routes(gateway_routes& routes) {
  routes.add("GET", "/admin/alerts", {true, list});
  routes.add("GET", "/admin/alerts/{id}", {true, get});
  routes.add("POST", "/admin/alerts/{id}/acknowledge", {true, acknowledge});
}

}  // namespace commerce::actors
