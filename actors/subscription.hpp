// A catch-up subscription: reads the journal's global order from its stored checkpoint and
// hands each batch to a handler (protocols/subscription.hpp), storing the checkpoint after every
// acknowledged batch. Read models and event handlers (emails, warehouse, analytics) sit behind it.
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
  std::chrono::milliseconds retry_after{1000};   // after a failed read, delivery or save
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
};

caf::actor spawn_subscription(caf::actor_system& system, caf::actor reader, caf::actor writer, caf::actor handler,
                              subscription_options options);

}  // namespace commerce::actors
