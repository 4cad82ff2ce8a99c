// Reconciliation sweeps (admin token; API.md, Store platform):
//   POST /admin/reconcile        runs one now → 202 {"id", "status": "running", ...}
//   GET  /admin/reconcile/{id}   {"id", "status", "reason", "requested_at", "checked",
//                                 "differences": [{"sku", "was", "now", "counted_at"}], "finished_at"?}
#include "actors/gateway_call.hpp"
#include "common/secure.hpp"
#include "domain/reconciliation.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using sweep_reply = protocols::entity_reply<reconciliation_decider>;

boost::json::object sweep_view(const reconciliation_state& s, std::int64_t version) {
  boost::json::array differences;
  for (const auto& d : s.differences)
    differences.push_back(boost::json::object{
        {"sku", d.sku}, {"was", d.was}, {"now", d.now}, {"counted_at", to_iso8601(d.counted_at)}});
  boost::json::object out{{"id", s.id},
                          {"status", to_string(s.status)},
                          {"reason", to_string(s.reason)},
                          {"requested_at", to_iso8601(s.requested_at)},
                          {"checked", s.checked},
                          {"differences", std::move(differences)},
                          {"version", version}};
  if (s.status == sweep_status::finished) out["finished_at"] = to_iso8601(s.finished_at);
  return out;
}

void post_sweep(const call_ptr& call) {
  if (!call->options().store_platform)
    return call->respond(unavailable("store.url is not configured: there is no store platform to reconcile with"));
  const auto id = "rec_" + secure::random_hex(16);
  command_entity<reconciliation_decider>(call, id, request_sweep{sweep_reason::operator_request}, std::nullopt,
                                         [call](sweep_reply& reply) {
                                           auto r = json_response(202, sweep_view(reply.state, reply.version));
                                           r.headers.emplace_back("Location", "/admin/reconcile/" + reply.state.id);
                                           call->respond(std::move(r));
                                         });
}

void get_sweep(const call_ptr& call) {
  read_entity<reconciliation_decider>(call, call->param("id"), "reconciliation " + call->param("id"),
                                      [call](sweep_reply& reply) {
                                        call->respond(with_etag(json_response(200, sweep_view(reply.state, reply.version)),
                                                                reply.version));
                                      });
}

}  // namespace

void add_reconciliation_routes(gateway_routes& routes) {
  routes.add("POST", "/admin/reconcile", {true, post_sweep});
  routes.add("GET", "/admin/reconcile/{id}", {true, get_sweep});
}

}  // namespace commerce::actors
