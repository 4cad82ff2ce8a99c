// The gateway actor: every HTTP request reaches it as (http_request, http_responder) and is
// routed through a table of handlers. Handlers answer through the responder, so they may ask
// other actors first without blocking anything.
#pragma once

#include "common/http_message.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace commerce::actors {

struct gateway_options {
  std::string version;  // reported by /healthz
};

caf::actor spawn_gateway(caf::actor_system& system, gateway_options options);

// Sends one request to the gateway; the responder is called exactly once.
void send_to_gateway(const caf::actor& gateway, http_request request, http_responder respond);

}  // namespace commerce::actors
