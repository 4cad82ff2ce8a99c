#include "actors/gateway.hpp"

#include "actors/gateway_call.hpp"
#include "actors/kinds/kind_module.hpp"
#include "api/request_checks.hpp"
#include "common/secure.hpp"
#include "protocols/journal.hpp"
#include "protocols/subscription.hpp"
#include "supervision/supervisor.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <cctype>
#include <string_view>

namespace commerce::actors {

const std::string& gateway_call::param(std::string_view name) const {
  static const std::string none;
  for (const auto& [key, value] : params)
    if (key == name) return value;
  return none;
}

protocols::command_metadata gateway_call::metadata() const {
  return {request.header("idempotency-key"), request.header("x-request-id"), ""};
}

http_response unavailable(const std::string& detail) {
  return with_retry_after(problem(503, "unavailable", "Service unavailable", detail), std::chrono::seconds(1));
}

http_response entity_failure(protocols::entity_status status, const std::optional<domain::rejection>& rejection) {
  using protocols::entity_status;
  switch (status) {
    case entity_status::rejected:
      if (rejection) return rejection_response(*rejection);
      break;
    case entity_status::conflict:
    {
      auto r = problem(409, "conflict", "Conflict", "another update won the race; retry");
      r.headers.emplace_back("Retry-After", "0");
      return r;
    }
    case entity_status::precondition_failed:
      return problem(412, "precondition_failed", "Precondition failed", "If-Match does not name the current version");
    case entity_status::storage_unavailable:
      return unavailable("the journal is unavailable; nothing was changed");
    case entity_status::faulted:
      return problem(500, "entity_fault", "Internal error",
                     "the entity failed on this request; it was kept in the dead-letter office");
    case entity_status::not_owner:
      return unavailable("another node of the cluster serves this entity now; nothing was changed");
    case entity_status::owner_lost:
      return unavailable("the node serving this entity stopped while it held the request, which may or may not "
                         "have been recorded: read the entity, or retry (with the same Idempotency-Key)");
    case entity_status::accepted:
      break;
  }
  return problem(500, "internal_error", "Internal error", "unexpected entity answer");
}

bool read_if_match(const call_ptr& call, std::optional<std::int64_t>& version) {
  const auto& header = call->request.header("if-match");
  if (header.empty()) return true;
  version = version_in_if_match(header);
  if (version) return true;
  call->respond(problem(412, "precondition_failed", "Precondition failed",
                        "If-Match must be an ETag given by this API, such as \"3\""));
  return false;
}

bool read_last_event_id(const call_ptr& call, std::optional<std::int64_t>& position) {
  const auto& header = call->request.header("last-event-id");
  if (header.empty()) return true;
  position = parse_integer(header);
  if (position && *position > 0) return true;
  call->respond(rejection_response(domain::invalid_field("Last-Event-ID", "must be the id of an event this stream sent")));
  return false;
}

bool read_page_limit(const call_ptr& call, std::size_t& limit) {
  const auto text = query_param(call->request.target, "limit");
  const auto n = text.empty() ? std::optional<std::int64_t>(default_page_limit) : parse_integer(text);
  if (!n || *n < 1 || *n > static_cast<std::int64_t>(max_page_limit)) {
    call->respond(rejection_response(domain::invalid_field(
        "limit", "must be a whole number from 1 to " + std::to_string(max_page_limit))));
    return false;
  }
  limit = static_cast<std::size_t>(*n);
  return true;
}

http_response with_etag(http_response r, std::int64_t version) {
  r.headers.emplace_back("ETag", etag_of(version));
  return r;
}

http_response with_retry_after(http_response r, std::chrono::milliseconds wait) {
  r.headers.emplace_back("Retry-After", std::to_string(std::max<std::int64_t>(1, (wait.count() + 999) / 1000)));
  return r;
}

namespace {

// The digests are compared, not the tokens: the time of a wrong guess depends neither on where
// it differs nor on its length or the real token's.
bool same_token(std::string_view given, std::string_view expected) { return secure::same_secret(given, expected); }

// Sets the caller's label, or answers 401 (no bearer token) or 403 (a token of nobody).
std::optional<http_response> refuse_unauthorized(gateway_call& call, bool ingest) {
  const auto& header = call.request.header("authorization");
  const std::string bearer = "Bearer ";
  if (header.size() < bearer.size() || !std::equal(bearer.begin(), bearer.end(), header.begin(), [](char a, char b) {
        return std::tolower(static_cast<unsigned char>(a)) == std::tolower(static_cast<unsigned char>(b));
      })) {
    auto r = problem(401, "unauthorized", "Unauthorized", "this call needs Authorization: Bearer <admin token>");
    r.headers.emplace_back("WWW-Authenticate", "Bearer");
    return r;
  }
  const auto given = std::string_view(header).substr(bearer.size());
  const auto& options = call.options();
  const auto& ingest_token = options.ingest.token;
  if (ingest && !ingest_token.empty() && same_token(given, ingest_token)) {
    call.operator_label = "ingest";
    call.ingest_token = true;
    return std::nullopt;
  }
  if (same_token(given, options.admin_token)) {
    call.operator_label = "admin";
    return std::nullopt;
  }
  for (const auto& [label, token] : options.operator_tokens)
    if (same_token(given, token)) {
      call.operator_label = label;
      return std::nullopt;
    }
  return problem(403, "forbidden", "Forbidden", "the bearer token is not the admin token");
}

// The Host header's name, without its port ("[::1]:8080" → "::1"), in lower case.
std::string host_name(std::string_view host) {
  std::string_view name = host;
  if (!host.empty() && host.front() == '[') {
    const auto close = host.find(']');
    name = host.substr(1, close == std::string_view::npos ? std::string_view::npos : close - 1);
  } else if (const auto colon = host.rfind(':'); colon != std::string_view::npos) {
    name = host.substr(0, colon);
  }
  std::string out(name);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// The operator's routes (admin calls and the console) answer only to the names of this node.
// A browser always sends Host: one naming another host is a page that rebound its own name to
// this address (DNS rebinding) to reach the operator's calls from the operator's browser. A
// request without Host (HTTP/1.0 tools) did not come from a browser and is let through. The
// customer's routes are open to any caller anyway, and answer to any name (a shop's own
// domain, a load balancer's).
std::optional<http_response> refuse_unknown_host(const http_request& request, const std::vector<std::string>& allowed) {
  int hosts = 0;
  for (const auto& [name, value] : request.headers) hosts += name == "host";
  if (hosts > 1) return problem(400, "invalid_header", "Bad request", "Host must be given once");
  const auto& host = request.header("host");
  if (host.empty()) return std::nullopt;
  const auto name = host_name(host);
  for (const auto& a : allowed)
    if (a == "*" || a == name) return std::nullopt;
  return problem(421, "unknown_host", "Misdirected request",
                 "this node does not answer to the host " + name.substr(0, 100) + " (see http.allowed_hosts)");
}

void healthz(const call_ptr& call) {
  call->respond(json_response(200, {{"status", "ok"}, {"version", call->options().version}}));
}

http_response not_ready(const std::string& detail) {
  return with_retry_after(problem(503, "not_ready", "Not ready", detail), std::chrono::seconds(1));
}

// /readyz, in three steps: PostgreSQL answers through a journal reader, then Redis (where it is
// configured), then the read models have caught up with the journal as it was when they
// started (until then the lists would be missing entities).
void ready(const call_ptr& call) {
  boost::json::object body{{"status", "ready"}, {"postgres", "ok"}};
  if (call->services().redis) body["redis"] = "ok";
  body["read_models"] = "caught_up";
  call->respond(json_response(200, std::move(body)));
}

void check_read_models(const call_ptr& call) {
  const auto& feeds = call->services().read_model_feeds;
  if (feeds.empty()) return ready(call);
  struct pending {
    std::size_t waiting;
    std::vector<std::string> behind;
  };
  auto state = std::make_shared<pending>(pending{feeds.size(), {}});
  auto done = [call, state] {
    if (--state->waiting > 0) return;
    if (state->behind.empty()) return ready(call);
    std::string detail = "read models are catching up with the journal:";
    for (const auto& b : state->behind) detail += " " + b;
    call->respond(not_ready(detail));
  };
  for (const auto& feed : feeds)
    call->self->request(feed.get(), std::chrono::seconds(2), caf::get_atom::value)
        .then(
            [state, done](protocols::subscription_status& s) {
              if (!s.caught_up)
                state->behind.push_back(s.name + " (at position " + std::to_string(s.at.position) + ", head " +
                                        std::to_string(s.head.position) + ")");
              done();
            },
            [state, done](caf::error&) {
              state->behind.push_back("(a read model did not answer)");
              done();
            });
}

void check_redis(const call_ptr& call) {
  if (!call->services().redis) return check_read_models(call);
  call->self->request(call->services().redis.get(), std::chrono::seconds(2), protocols::ping_atom::value)
      .then([call]() { check_read_models(call); },
            [call](caf::error& e) {
              call->respond(not_ready("Redis does not answer: " + call->self->system().render(e)));
            });
}

void readyz(const call_ptr& call) {
  const auto reader = call->services().readers.front().get();
  if (!reader) return call->respond(not_ready("the journal reader is restarting"));
  call->self->request(reader, std::chrono::seconds(2), protocols::ping_atom::value)
      .then([call]() { check_redis(call); },
            [call](caf::error& e) {
              call->respond(not_ready("PostgreSQL does not answer: " + call->self->system().render(e)));
            });
}

// Restarts of every child, as its supervisor counts them.
void append_restarts(std::string& out, const supervision::supervision_tree& t) {
  for (const auto& c : t.children) {
    out += "commerce_supervisor_restarts_total" +
           metrics::render_labels({{"supervisor", t.id}, {"child", c.id}}) + " " + std::to_string(c.restarts) + "\n";
    append_restarts(out, c);
  }
}

// Prometheus text: the registry, plus the supervisors' restart counts asked of the tree.
void metrics_text(const call_ptr& call) {
  auto answer = [call](const supervision::supervision_tree* tree) {
    http_response r;
    r.content_type = "text/plain; version=0.0.4; charset=utf-8";
    r.body = metrics::registry::global().render();
    if (tree) {
      r.body += "# HELP commerce_supervisor_restarts_total Children restarted by their supervisor\n"
                "# TYPE commerce_supervisor_restarts_total counter\n";
      append_restarts(r.body, *tree);
    }
    call->respond(std::move(r));
  };
  const auto root = call->services().supervision_root.get();
  if (!root) return answer(nullptr);
  call->self->request(root, call->options().request_timeout, caf::get_atom::value)
      .then([answer](supervision::supervision_tree& tree) { answer(&tree); },
            [answer](caf::error&) { answer(nullptr); });
}

gateway_routes make_routes() {
  gateway_routes routes;
  routes.add("GET", "/healthz", {false, healthz});
  routes.add("GET", "/readyz", {false, readyz});
  routes.add("GET", "/metrics", {false, metrics_text});
  routes.add("GET", "/openapi.json", {false, [](const call_ptr& call) {
               http_response r;
               r.body = openapi_document;
               call->respond(std::move(r));
             }});
  for (const auto& kind : kind_modules())
    if (kind.add_routes) kind.add_routes(routes);
  add_admin_routes(routes);
  add_console_routes(routes);
  return routes;
}

// Counts the answer and its latency by route pattern, method and status. Every label comes from
// a fixed set (the route table's patterns or "unmatched", method_label(), the status codes the
// gateway answers), so no request can create a series of its own.
http_responder measured(std::string route, std::string_view method, http_responder respond) {
  return [route = std::move(route), method = std::string(method_label(method)), started = std::chrono::steady_clock::now(),
          respond = std::move(respond)](http_response r) {
    const std::chrono::duration<double> took = std::chrono::steady_clock::now() - started;
    auto& registry = metrics::registry::global();
    const metrics::labels labels{{"route", route}, {"method", method}, {"status", std::to_string(r.status)}};
    registry.get_counter("commerce_http_requests_total", "HTTP requests answered", labels).add();
    registry
        .get_histogram("commerce_http_request_duration_seconds", "Time from a request reaching the gateway to its answer",
                       labels, metrics::latency_bounds())
        .observe(took.count());
    respond(std::move(r));
  };
}

void dispatch(caf::stateful_actor<gateway_state>* self, const gateway_routes& routes, http_request& request,
              http_responder& respond) {
  self->state.mailbox.set(static_cast<std::int64_t>(self->mailbox().size()));
  const auto found = routes.find(request.method, request.target);
  using outcome = gateway_routes::outcome;
  respond = measured(found.matched ? found.matched->pattern : "unmatched", request.method, std::move(respond));
  // Which node answered (API.md, Cluster): the one whose entity did, else this one.
  auto served_by = std::make_shared<std::string>();
  respond = [node = self->state.options.node_id, served_by, respond = std::move(respond)](http_response r) {
    const auto& by = served_by->empty() ? node : *served_by;
    if (!by.empty()) r.headers.emplace_back("X-Served-By", by);
    respond(std::move(r));
  };
  if (found.matched && (found.matched->handler.admin || found.matched->pattern.rfind("/console", 0) == 0))
    if (auto refused = refuse_unknown_host(request, self->state.options.allowed_hosts)) return respond(std::move(*refused));
  if (found.result == outcome::not_found)
    return respond(problem(404, "not_found", "Not found", "no route for " + std::string(path_of(request.target))));
  if (found.result == outcome::method_not_allowed) {
    auto r = problem(405, "method_not_allowed", "Method not allowed", request.method.substr(0, 32) + " is not allowed here");
    r.headers.emplace_back("Allow", found.allowed);
    return respond(std::move(r));
  }
  // Path parameters become entity ids, which the journal keeps as text: ids of ours and SKUs
  // are printable ASCII, so anything else names nothing.
  for (const auto& [name, value] : found.params)
    if (!printable_ascii(value, false))
      return respond(problem(404, "not_found", "Not found", "no " + name + " of that shape exists"));
  auto call = std::make_shared<gateway_call>(gateway_call{self, std::move(request), found.params, std::move(respond), served_by});
  const auto& handler = found.matched->handler;
  if (handler.admin)
    if (auto refused = refuse_unauthorized(*call, handler.ingest)) return call->respond(std::move(*refused));
  // What the request would carry into the idempotency store and the journal is checked here,
  // before either sees it: PostgreSQL refuses U+0000 and ill-formed UTF-8, and one such value
  // would fail a whole group-commit batch.
  const auto& method = call->request.method;
  if (method != "GET" && method != "HEAD")
    if (auto refused = refuse_bad_metadata_headers(call->request)) return call->respond(std::move(*refused));
  // An operator's change is audited; a source sending customer events with the ingestion token
  // is not an operator.
  if (handler.admin && !call->ingest_token && method != "GET" && method != "HEAD") {
    auto reason = audit_reason_of(call->request);
    if (auto* refused = std::get_if<http_response>(&reason)) return call->respond(std::move(*refused));
    call->respond = audited(*call, std::get<std::string>(std::move(reason)), !handler.ingest, std::move(call->respond));
  }
  if (handler.json_body && (method == "POST" || method == "PUT" || method == "PATCH")) {
    if (auto refused = refuse_media_type(call->request)) return call->respond(std::move(*refused));
    if (!call->request.body.empty())
      if (auto refused = refuse_bad_json(call->request.body)) return call->respond(std::move(*refused));
  }
  if (method == "POST") return run_idempotently(call, handler.handle);
  handler.handle(call);
}

caf::behavior gateway(caf::stateful_actor<gateway_state>* self, gateway_options options, gateway_services services) {
  self->state.options = std::move(options);
  self->state.services = std::move(services);
  auto routes = std::make_shared<gateway_routes>(make_routes());
  return {
      [self, routes](http_request& request, http_responder& respond) { dispatch(self, *routes, request, respond); },
  };
}

}  // namespace

std::vector<route_summary> gateway_route_summaries() {
  std::vector<route_summary> out;
  const auto routes = make_routes();
  for (const auto& r : routes.routes()) out.push_back({r.method, r.pattern, r.handler.admin});
  return out;
}

caf::actor spawn_gateway(caf::actor_system& system, gateway_options options, gateway_services services) {
  return system.spawn(gateway, std::move(options), std::move(services));
}

void send_to_gateway(const caf::actor& gateway, http_request request, http_responder respond) {
  caf::anon_send(gateway, std::move(request), std::move(respond));
}

}  // namespace commerce::actors
