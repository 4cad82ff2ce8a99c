// The operator's routes: the supervision tree, circuit breakers, the cluster, live events and
// any entity's journal stream (the dead-letter office's are in gateway_dead_letters.cpp). All need the admin token.
#include "actors/gateway_call.hpp"
#include "actors/kinds/kind_module.hpp"
#include "protocols/journal.hpp"
#include "protocols/payment.hpp"
#include "supervision/supervisor.hpp"

#include <boost/json.hpp>

#include <limits>

namespace commerce::actors {
namespace {

boost::json::object tree_json(const supervision::supervision_tree& t) {
  boost::json::array children;
  for (const auto& c : t.children) children.push_back(tree_json(c));
  boost::json::object out{{"id", t.id}, {"type", t.type}, {"state", t.state}, {"restarts", t.restarts}};
  if (!t.strategy.empty()) out["strategy"] = t.strategy;
  if (!children.empty()) out["children"] = std::move(children);
  return out;
}

void admin_actors(const call_ptr& call) {
  const auto root = call->services().supervision_root.get();
  if (!root) return call->respond(unavailable("the supervision tree is not running"));
  call->self->request(root, call->options().request_timeout, caf::get_atom::value)
      .then([call](supervision::supervision_tree& tree) { call->respond(json_response(200, tree_json(tree))); },
            [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// The circuit breakers of the node's outside calls (the payment provider's, for now).
void breakers(const call_ptr& call) {
  if (!call->services().payments) return call->respond(json_response(200, {{"items", boost::json::array{}}}));
  call->self->request(call->services().payments.get(), call->options().request_timeout, caf::get_atom::value)
      .then(
          [call](protocols::breaker_report& b) {
            boost::json::array items{{{"name", b.name}, {"state", b.state}, {"retry_in_ms", b.retry_in_ms}}};
            call->respond(json_response(200, {{"items", std::move(items)}}));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// GET /v1/{collection}/{id}/events?from= : the entity's journal stream, for any kind.
void entity_events(const call_ptr& call) {
  const auto& collection = call->param("collection");
  const auto* found = kind_of_collection(collection);
  if (!found) return call->respond(problem(404, "not_found", "Not found", "no collection " + collection));
  const std::string kind(found->stream_type);
  const auto from_text = query_param(call->request.target, "from");
  const auto from = from_text.empty() ? std::optional<std::int64_t>(1) : parse_integer(from_text);
  if (!from || *from < 1)
    return call->respond(rejection_response(domain::invalid_field("from", "must be a version of 1 or more")));
  // ?limit= pages a long history (the console reads it newest first, a page at a time), and
  // only that page is read from the journal; without it the whole stream from `from` comes back.
  const auto limit_text = query_param(call->request.target, "limit");
  std::size_t limit = std::numeric_limits<std::size_t>::max();
  if (!limit_text.empty() && !read_page_limit(call, limit)) return;
  const auto& readers = call->services().readers;
  const auto reader = readers[std::hash<std::string>{}(call->param("id")) % readers.size()].get();
  call->self
      ->request(reader, call->options().request_timeout, protocols::read_atom::value, kind, call->param("id"), *from,
                static_cast<std::uint64_t>(limit))
      .then(
          [call](std::vector<protocols::stored_event>& stream) {
            boost::json::array events;
            for (const auto& e : stream) {
              boost::json::error_code ec;
              events.push_back({{"version", e.version},
                                {"type", e.event_type},
                                {"data", boost::json::parse(e.data, ec)},
                                {"at", domain::to_iso8601({e.recorded_at_ms})}});
            }
            call->respond(json_response(200, events));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// GET /admin/cluster (API.md, Cluster): the nodes with their leases and each shard's owner, as
// this node last read them from the membership table (a single node owns every shard).
void cluster(const call_ptr& call) {
  const auto& table = call->services().shards;
  if (!table) return call->respond(unavailable("the shard table is not wired"));
  const auto view = table->view();
  boost::json::array nodes;
  for (const auto& n : view->nodes) {
    boost::json::object node{{"id", n.id}, {"address", n.address}, {"http", n.http}, {"status", n.status},
                             {"shards", n.shards}};
    node["lease_expires_at"] = n.lease_expires_at_ms ? boost::json::value(domain::to_iso8601({n.lease_expires_at_ms}))
                                                     : boost::json::value(nullptr);
    nodes.push_back(std::move(node));
  }
  boost::json::object owners;
  for (std::size_t shard = 0; shard < view->owners.size(); ++shard)
    if (!view->owners[shard].empty()) owners[std::to_string(shard)] = view->owners[shard];
  call->respond(json_response(200, {{"self", view->self},
                                    {"nodes", std::move(nodes)},
                                    {"shards", {{"count", view->owners.size()}, {"owners", std::move(owners)}}}}));
}

// POST /admin/cluster/nodes/{id}/leave: the node hands its shards over, then stops.
void leave(const call_ptr& call) {
  const auto& membership = call->services().membership;
  if (!membership)
    return call->respond(problem(409, "not_clustered", "Conflict", "this node is not part of a cluster"));
  const auto actor = membership.get();
  if (!actor) return call->respond(unavailable("the cluster membership is restarting"));
  const auto id = call->param("id");
  call->self->request(actor, call->options().request_timeout, protocols::leave_atom::value, id)
      .then(
          [call, id](bool found) {
            if (!found) return call->respond(rejection_response(domain::not_found("node " + id + " (up)")));
            call->respond(json_response(202, {{"id", id}, {"status", "leaving"}}));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// GET /admin/events/live?types=&stream= : the journal as it happens, as server-sent events
// (live_events.hpp). `types`: event or stream types, comma-separated; `stream`: one stream id.
void events_live(const call_ptr& call) {
  journal_filter filter;
  const auto types = query_param(call->request.target, "types");
  for (std::size_t start = 0; start <= types.size();) {
    const auto end = std::min(types.find(',', start), types.size());
    if (end > start) filter.types.emplace(types.substr(start, end - start));
    start = end + 1;
  }
  filter.stream_id = query_param(call->request.target, "stream");
  std::optional<std::int64_t> last_event_id;
  if (!read_last_event_id(call, last_event_id)) return;
  open_journal_stream(call->self->system(), call->services().live, call->options().live, std::move(filter),
                      last_event_id, call->respond);
}

}  // namespace

void add_admin_routes(gateway_routes& routes) {
  routes.add("GET", "/admin/events/live", {true, events_live});
  routes.add("GET", "/admin/cluster", {true, cluster});
  routes.add("POST", "/admin/cluster/nodes/{id}/leave", {true, leave});
  routes.add("GET", "/v1/{collection}/{id}/events", {true, entity_events});
  routes.add("GET", "/admin/actors", {true, admin_actors});
  routes.add("GET", "/admin/breakers", {true, breakers});
  add_dead_letter_routes(routes);
}

}  // namespace commerce::actors
