// The order event handlers (seed 001's domain events): a subscription's handler
// (protocols/subscription.hpp) that turns order events into their effects — the warehouse's
// pick list, the customer's notifications, analytics' sales facts (domain/order_effects.hpp) —
// and hands each batch's effects to the store (protocols/order_effects.hpp) at once.
//
// An effect needs the order as it was right after its event (an OrderPaid alone names no lines
// or email), so the handlers replay the streams of the batch's orders from the journal: exact
// whatever the batch holds, and the same however often the batch is delivered.
#pragma once

#include "actors/service_directory.hpp"
#include "protocols/journal.hpp"
#include "protocols/order_effects.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

caf::actor spawn_order_handlers(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                                protocols::order_effects_store_actor store, std::chrono::milliseconds timeout);

}  // namespace commerce::actors
