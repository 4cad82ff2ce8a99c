// One HTTP call inside the gateway actor, and the helpers its handlers share: asking an entity
// and turning every outcome that is not a success into the right problem+json answer.
// Includes CAF: only the gateway's .cpp files include it.
#pragma once

#include "api/api_json.hpp"
#include "actors/entity_client.hpp"
#include "actors/entity_view.hpp"
#include "actors/gateway.hpp"
#include "api/http_router.hpp"
#include "common/metrics.hpp"
#include "common/problem.hpp"
#include "protocols/entity.hpp"

#include <caf/all.hpp>

#include <memory>
#include <variant>
#include <string>

// Node-local by nature: the responder is a callback into one of this process's connections,
// so a request never leaves the node that accepted it (every node serves the whole API).
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::http_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::http_responder)

namespace commerce::actors {

struct gateway_state {
  gateway_options options;
  gateway_services services;
  metrics::gauge& mailbox = metrics::mailbox_size("gateway");
  static inline const char* name = "gateway";
};

struct gateway_call {
  caf::stateful_actor<gateway_state>* self;
  http_request request;
  path_params params;
  http_responder respond;
  // The node whose entity answered (entity replies carry it): the answer's X-Served-By.
  std::shared_ptr<std::string> served_by = std::make_shared<std::string>();
  // Who called an admin route: the label of the token it gave ("admin", an operator's, "ingest").
  std::string operator_label;
  bool ingest_token = false;  // it gave the ingestion token (cdp.ingest_token), not an operator's

  const std::string& param(std::string_view name) const;
  const gateway_options& options() const { return self->state.options; }
  const gateway_services& services() const { return self->state.services; }
  protocols::command_metadata metadata() const;
};

using call_ptr = std::shared_ptr<gateway_call>;

struct route_handler {
  bool admin = false;  // needs the admin bearer token
  void (*handle)(const call_ptr&);
  // POST/PUT/PATCH bodies are JSON: another Content-Type is 415, and the body is checked
  // (request_checks.hpp, refuse_bad_json) before the handler runs. False for a route that
  // takes another type and checks it itself.
  bool json_body = true;
  bool ingest = false;  // an admin route that also takes the ingestion token (cdp.ingest_token)
};
using gateway_routes = http_router<route_handler>;

// The operator's routes (gateway_admin.cpp) and the console's files (gateway_console.cpp).
void add_admin_routes(gateway_routes& routes);
void add_console_routes(gateway_routes& routes);
void add_dead_letter_routes(gateway_routes& routes);

// The operator audit log (kinds/audit/operator_audit.cpp). An admin call that may change
// something gives its reason in X-Audit-Reason (percent-encoded UTF-8, optional); a bad one is
// refused 422 before the call runs. `audited` wraps the call's responder so that the entry is
// in the journal before the answer leaves; with `keep_body`, a small JSON body is kept in the
// entry as what was asked (not for customer data, such as events sent to profiles).
std::variant<std::string, http_response> audit_reason_of(const http_request& request);
http_responder audited(const gateway_call& call, std::string reason, bool keep_body, http_responder respond);

// Runs a POST carrying an Idempotency-Key at most once per key (gateway_idempotency.cpp).
void run_idempotently(const call_ptr& call, void (*handle)(const call_ptr&));

// An entity's answer that is not `accepted`, as HTTP.
http_response entity_failure(protocols::entity_status status, const std::optional<domain::rejection>& rejection);
// No answer from an actor in time, or an error from it.
http_response unavailable(const std::string& detail);

http_response with_etag(http_response r, std::int64_t version);
// Adds Retry-After: the wait in whole seconds, rounded up, at least 1.
http_response with_retry_after(http_response r, std::chrono::milliseconds wait);

// Lists page with ?limit= (default 50, at most 200) and ?cursor= (opaque: the next_cursor of
// the page before). A bad limit answers 422 and returns false.
inline constexpr std::size_t default_page_limit = 50;
inline constexpr std::size_t max_page_limit = 200;
bool read_page_limit(const call_ptr& call, std::size_t& limit);

// The request's If-Match as a version; answers 412 and returns false when it is not one of ours.
bool read_if_match(const call_ptr& call, std::optional<std::int64_t>& version);

// The request's Last-Event-ID (a journal position) for a live stream; answers 422 and returns
// false when it is not a positive whole number.
bool read_last_event_id(const call_ptr& call, std::optional<std::int64_t>& position);

// The entity client (entity_client.hpp) of a call, with the gateway's request timeout.
template <class Decider>
entity_client<Decider> client_of(const call_ptr& call, std::chrono::milliseconds timeout = std::chrono::milliseconds(0)) {
  return {call->self, call->services().regions, timeout.count() > 0 ? timeout : call->options().request_timeout};
}

// Sends `command` to entity `id` of its kind's region (only at `expected_version`, if given). Calls
// on_accepted(reply) when accepted; otherwise on_refused(the HTTP answer), which by default
// answers it.
template <class Decider, class OnAccepted, class OnRefused>
void command_entity(const call_ptr& call, std::string id, typename Decider::command command,
                    std::optional<std::int64_t> expected_version, OnAccepted on_accepted, OnRefused on_refused) {
  client_of<Decider>(call).command(
      std::move(id), std::move(command), call->metadata(), expected_version,
      [call, on_accepted, on_refused](protocols::entity_reply<Decider>& reply) mutable {
        if (!reply.served_by.empty()) *call->served_by = reply.served_by;
        if (reply.status != protocols::entity_status::accepted)
          return on_refused(entity_failure(reply.status, reply.rejection));
        on_accepted(reply);
      },
      [call, on_refused](caf::error& e) mutable { on_refused(unavailable(call->self->system().render(e))); });
}

template <class Decider, class OnAccepted>
void command_entity(const call_ptr& call, std::string id, typename Decider::command command,
                    std::optional<std::int64_t> expected_version, OnAccepted on_accepted) {
  command_entity<Decider>(call, std::move(id), std::move(command), expected_version, std::move(on_accepted),
                          [call](http_response r) { call->respond(std::move(r)); });
}

// A page of the kind's read model (entity_view.hpp) as `{"items": [render(state, version)…],
// "next_cursor"}`; `query` takes ?cursor= and the given limit here.
template <class Decider, class Render>
void respond_with_page(const call_ptr& call, view_query<Decider> query, std::size_t limit, Render render) {
  const auto& view = call->services().views.template of<Decider>();
  if (!view) return call->respond(unavailable("the list's read model is not running"));
  query.after_id = query_param(call->request.target, "cursor");
  query.limit = limit;
  call->self->request(view, call->options().request_timeout, caf::get_atom::value, std::move(query))
      .then(
          [call, render](view_page<Decider>& page) {
            boost::json::array items;
            for (const auto& entry : page.items) items.push_back(render(entry.state, entry.version));
            boost::json::object body{{"items", std::move(items)}};
            body["next_cursor"] = page.next_cursor.empty() ? boost::json::value(nullptr) : boost::json::value(page.next_cursor);
            call->respond(json_response(200, body));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// Reads entity `id`'s state; a state that does not exist yet answers 404 `what`.
template <class Decider, class OnState>
void read_entity(const call_ptr& call, std::string id, std::string what, OnState on_state) {
  client_of<Decider>(call).read(
      std::move(id),
      [call, what, on_state](protocols::entity_reply<Decider>& reply) mutable {
        if (!reply.served_by.empty()) *call->served_by = reply.served_by;
        if (reply.status != protocols::entity_status::accepted)
          return call->respond(entity_failure(reply.status, reply.rejection));
        if (!reply.state.exists) return call->respond(rejection_response(domain::not_found(what)));
        on_state(reply);
      },
      [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

}  // namespace commerce::actors
