// The operator audit log (admin token): GET /admin/audit?who=&limit=&cursor= (newest first,
// paginated) and GET /admin/audit/{id}.
#include "actors/gateway_call.hpp"
#include "domain/audit.hpp"

namespace commerce::actors {
namespace {

using namespace domain;

boost::json::object entry_view(const audit_entry_state& s, std::int64_t) {
  boost::json::error_code ec;
  auto request = s.request.empty() ? boost::json::value(nullptr) : boost::json::parse(s.request, ec);
  return {{"id", s.id},
          {"at", to_iso8601(s.at)},
          {"who", s.who},
          {"method", s.method},
          {"path", s.path},
          {"reason", s.reason},
          {"idempotency_key", s.idempotency_key},
          {"request", ec ? boost::json::value(s.request) : request},
          {"status", s.status}};
}

void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<audit_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto who = query_param(call->request.target, "who"); !who.empty()) query.where.push_back({"who", who});
  respond_with_page(call, std::move(query), limit, entry_view);
}

void get(const call_ptr& call) {
  read_entity<audit_decider>(call, call->param("id"), "audit entry " + call->param("id"),
                             [call](protocols::entity_reply<audit_decider>& reply) {
                               call->respond(json_response(200, entry_view(reply.state, reply.version)));
                             });
}

}  // namespace

void add_audit_routes(gateway_routes& routes) {
  routes.add("GET", "/admin/audit", {true, list});
  routes.add("GET", "/admin/audit/{id}", {true, get});
}

}  // namespace commerce::actors
