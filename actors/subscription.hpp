// A catch-up subscription: reads the journal's global order from its stored checkpoint and
// hands each batch to a handler (protocols/subscription.hpp), storing the checkpoint after every
// acknowledged batch. Read models and event handlers (emails, warehouse, analytics) sit behind it.
//
// A refused delivery is tried again with backoff. When a batch keeps being refused, the
// subscription goes on one event at a time up to that batch's end, and an event refused
// `max_attempts` times on its own is parked in the dead-letter office and skipped, so one
// poison event cannot stall a handler forever. retry_atom with such a letter delivers it again:
//   request(subscription, t, retry_atom, dead_letter) -> () once the handler took it
#pragma once

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::actors {

struct subscription_options {
  std::string name;  // the checkpoint's key: one per handler, stable across restarts
  std::size_t batch = 256;
  std::chrono::milliseconds poll_interval{100};  // when caught up
  std::chrono::milliseconds retry_after{1000};   // after a failed read or save; first delivery retry
  int max_attempts = 5;                          // deliveries of a batch, then of a single event
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  // false for a handler that keeps nothing durable (an in-memory read model): it starts from
  // the beginning of the journal every time, and no checkpoint is stored.
  bool keep_checkpoint = true;
};

// `dead_letters` may be invalid: parked events are then only logged.
caf::actor spawn_subscription(caf::actor_system& system, caf::actor reader, caf::actor writer, caf::actor handler,
                              caf::actor dead_letters, subscription_options options);

}  // namespace commerce::actors
