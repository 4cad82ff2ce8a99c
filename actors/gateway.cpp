#include "actors/gateway.hpp"

#include "actors/http_router.hpp"
#include "common/problem.hpp"

#include <caf/all.hpp>

#include <functional>
#include <memory>

// Requests and responders only ever travel between actors of one node, so they need no
// serialization; CAF must be told that is intended.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::http_request)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::http_responder)

namespace commerce::actors {
namespace {

using route_handler = std::function<void(const http_request&, const path_params&, http_responder&)>;

http_router<route_handler> make_routes(const gateway_options& options) {
  http_router<route_handler> routes;
  routes.add("GET", "/healthz", [version = options.version](const http_request&, const path_params&, http_responder& respond) {
    respond(json_response(200, {{"status", "ok"}, {"version", version}}));
  });
  return routes;
}

void dispatch(const http_router<route_handler>& routes, const http_request& request, http_responder& respond) {
  const auto found = routes.find(request.method, request.target);
  using outcome = http_router<route_handler>::outcome;
  if (found.result == outcome::not_found)
    return respond(problem(404, "not_found", "Not found", "no route for " + std::string(path_of(request.target))));
  if (found.result == outcome::method_not_allowed) {
    auto r = problem(405, "method_not_allowed", "Method not allowed", request.method + " is not allowed here");
    r.headers.emplace_back("Allow", found.allowed);
    return respond(std::move(r));
  }
  found.matched->handler(request, found.params, respond);
}

caf::behavior gateway(caf::event_based_actor*, gateway_options options) {
  auto routes = std::make_shared<http_router<route_handler>>(make_routes(options));
  return {
      [routes](http_request& request, http_responder& respond) { dispatch(*routes, request, respond); },
  };
}

}  // namespace

caf::actor spawn_gateway(caf::actor_system& system, gateway_options options) {
  return system.spawn(gateway, std::move(options));
}

void send_to_gateway(const caf::actor& gateway, http_request request, http_responder respond) {
  caf::anon_send(gateway, std::move(request), std::move(respond));
}

}  // namespace commerce::actors
