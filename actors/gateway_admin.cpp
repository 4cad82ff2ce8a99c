// The operator's routes: the supervision tree, circuit breakers, the dead-letter office, and any
// entity's journal stream. All need the admin token.
#include "actors/gateway_call.hpp"
#include "actors/kinds/kind_module.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/journal.hpp"
#include "protocols/payment.hpp"
#include "supervision/supervisor.hpp"

#include <boost/json.hpp>

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

boost::json::object letter_json(const protocols::dead_letter& l) {
  boost::json::error_code ec;
  auto payload = boost::json::parse(l.payload, ec);
  return {{"id", l.id},
          {"target", l.target},
          {"message_type", l.message_type},
          {"payload", ec ? boost::json::value(l.payload) : payload},
          {"reason", l.reason},
          {"attempts", l.attempts},
          {"first_failed_at", domain::to_iso8601({l.first_failed_ms})},
          {"last_failed_at", domain::to_iso8601({l.last_failed_ms})},
          {"status", l.status}};
}

const char* status_name(protocols::entity_status s) {
  using protocols::entity_status;
  switch (s) {
    case entity_status::accepted: return "accepted";
    case entity_status::rejected: return "rejected";
    case entity_status::conflict: return "conflict";
    case entity_status::storage_unavailable: return "storage_unavailable";
    case entity_status::faulted: return "faulted";
    case entity_status::precondition_failed: return "precondition_failed";
    case entity_status::not_owner: return "not_owner";
    case entity_status::owner_lost: return "owner_lost";
  }
  return "unknown";
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

void list_dead_letters(const call_ptr& call) {
  const auto after = parse_integer(query_param(call->request.target, "cursor")).value_or(0);
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  call->self
      ->request(call->services().dead_letters.get(), call->options().request_timeout, caf::get_atom::value, after,
                static_cast<std::uint64_t>(limit))
      .then(
          [call, limit](std::vector<protocols::dead_letter>& letters) {
            boost::json::array items;
            for (const auto& l : letters) items.push_back(letter_json(l));
            boost::json::object body{{"items", std::move(items)}};
            body["next_cursor"] = letters.size() == limit
                                      ? boost::json::value(std::to_string(letters.back().id))
                                      : boost::json::value(nullptr);
            call->respond(json_response(200, body));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// The office now; while it restarts none, and the call is answered 503 here: a request to no
// actor fails as sec::invalid_argument, which office_failure would take for an unknown id.
std::optional<protocols::dead_letter_office_actor> running_office(const call_ptr& call) {
  auto office = call->services().dead_letters.get();
  if (!office) call->respond(unavailable("the dead-letter office is restarting"));
  return office ? std::optional(std::move(office)) : std::nullopt;
}

// The office answers an unknown id with sec::invalid_argument.
http_response office_failure(const call_ptr& call, const caf::error& e) {
  if (e == caf::sec::invalid_argument) return problem(404, "not_found", "Not found", "no dead letter " + call->param("id"));
  return unavailable(call->self->system().render(e));
}

// Marks the letter retried, then delivers it again to its target's region and reports how that went.
void retry_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, protocols::retry_atom::value, *id)
      .then(
          [call](protocols::dead_letter& letter) {
            const auto slash = letter.target.find('/');
            const auto kind = letter.target.substr(0, slash);
            const auto& services = call->services();
            auto delivered = [call, letter](const char* status) {
              auto body = letter_json(letter);
              body["delivery"] = status;
              call->respond(json_response(200, body));
            };
            auto failed = [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); };
            if (kind == "subscription") {
              const auto found = services.subscriptions.find(letter.target.substr(slash + 1));
              if (found != services.subscriptions.end())
                return call->self->request(found->second.get(), call->options().request_timeout, protocols::retry_atom::value, letter)
                    .then([delivered]() { delivered("accepted"); }, failed);
            } else if (const auto region = services.regions.of(kind)) {
              return call->self->request(region, call->options().request_timeout, protocols::retry_atom::value, letter)
                  .then([delivered](protocols::entity_status status) { delivered(status_name(status)); }, failed);
            }
            call->respond(problem(409, "not_redeliverable", "Conflict", "no running target for " + letter.target));
          },
          [call](caf::error& e) { call->respond(office_failure(call, e)); });
}

void discard_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, caf::delete_atom::value, *id)
      .then([call](protocols::dead_letter& letter) { call->respond(json_response(200, letter_json(letter))); },
            [call](caf::error& e) { call->respond(office_failure(call, e)); });
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
  const auto& readers = call->services().readers;
  const auto reader = readers[std::hash<std::string>{}(call->param("id")) % readers.size()].get();
  call->self
      ->request(reader, call->options().request_timeout, protocols::load_atom::value, kind, call->param("id"), *from,
                false)
      .then(
          [call](protocols::recovered_stream& stream) {
            boost::json::array events;
            for (const auto& e : stream.events) {
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
  routes.add("GET", "/admin/dead-letters", {true, list_dead_letters});
  routes.add("POST", "/admin/dead-letters/{id}/retry", {true, retry_dead_letter});
  routes.add("DELETE", "/admin/dead-letters/{id}", {true, discard_dead_letter});
}

}  // namespace commerce::actors
