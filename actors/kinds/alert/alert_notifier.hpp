// Alerts reach the merchant through the messaging provider as well (API.md, Store platform): a
// journal subscription's handler that turns each AlertRaised into a notification
// (template `merchant_alert`, key `alert/<id>`) written to the outbox, which the outbox relay
// sends. The outbox keeps each key once, so a batch delivered again sends nothing twice.
#pragma once

#include "protocols/order_effects.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::actors {

caf::actor spawn_alert_notifier(caf::actor_system& system, protocols::order_effects_store_actor outbox,
                                std::string recipient, std::chrono::milliseconds timeout);

}  // namespace commerce::actors
