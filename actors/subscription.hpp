// A catch-up subscription: reads the journal's global order from its stored checkpoint and
// hands each batch to a handler (protocols/subscription.hpp), storing the checkpoint after every
// acknowledged batch (with checkpoint_every: at most that often, and once caught up). Read models and event handlers (emails, warehouse, analytics) sit behind it.
//
// Failures (protocols/subscription.hpp):
// - transient (a failed read or checkpoint save, a handler that times out or reports that its
//   store or reader did not answer): the batch is tried again with backoff (retry_after,
//   doubling, at most 32 times it), for as long as it takes. Nothing is skipped; the lag shows
//   in /metrics.
// - permanent (the handler marks its own decode/apply error so): a batch is split and tried one
//   event at a time up to its end; the event that is refused on its own is parked in the
//   dead-letter office, and the checkpoint moves past it only once the office has confirmed
//   that it stored the letter (until then parking is retried, with backoff).
// retry_atom with such a letter delivers it again:
//   request(subscription, t, retry_atom, dead_letter) -> std::string: "accepted" once the
//   handler took it, or "not_handled: <why>" once the subscription has put the letter back to
//   pending because the handler did not (handlers take an event delivered twice as once)
//
// Progress: at start the subscription asks the journal for its head and is `caught_up` once it
// has handled everything up to it. Every `status_interval` it asks again and publishes
//   commerce_subscription_position{subscription}      the position of the last event handled
//   commerce_subscription_lag_events{subscription}    events not handled yet (up to 100,000)
//   commerce_subscription_lag_seconds{subscription}   age of the first of them, the next to handle
//   commerce_subscription_caught_up{subscription}     1 once caught up with the head seen at start
//   commerce_subscription_parked_total{subscription}  events parked in the dead-letter office
//   request(subscription, t, get_atom) -> protocols::subscription_status
#pragma once

#include "actors/service_directory.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/journal.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <string_view>

namespace commerce::actors {

// How a retry's answer begins when the handler did not finish the event and the subscription
// has put the letter back to pending (the rest says why).
inline constexpr std::string_view retry_not_handled = "not_handled: ";

struct subscription_options {
  std::string name;  // the checkpoint's key: one per handler, stable across restarts
  std::size_t batch = 256;
  std::chrono::milliseconds poll_interval{100};  // when caught up
  std::chrono::milliseconds retry_after{1000};   // first retry after a transient failure
  std::chrono::milliseconds timeout{std::chrono::seconds(30)};
  std::chrono::milliseconds status_interval{1000};  // how often the head and lag are refreshed
  // false for a handler that keeps nothing durable (an in-memory read model): it starts from
  // the beginning of the journal every time, and no checkpoint is stored.
  bool keep_checkpoint = true;
  // With no checkpoint stored yet, begin at the journal's head instead of its start: for a
  // handler that tells people of what happens from now on (the alerts' notifier), which must
  // not replay the history of a journal it joins late.
  bool start_at_head = false;
  // 0: the checkpoint is stored after every batch. More: at most this often, for a handler that
  // takes an event delivered again as done (the Redis publisher), which saves a durable write
  // per batch at the cost of delivering up to this much again after a crash. The checkpoint
  // kept back is stored as soon as the subscription has caught up.
  std::chrono::milliseconds checkpoint_every{0};
  // Cluster: reads only while this holds (the node holds the cluster's singletons); none: always.
  std::function<bool()> active;
};

struct subscription_services {
  service<protocols::journal_reader_actor> reader;
  service<protocols::journal_writer_actor> writer;  // stores the checkpoint
  caf::actor handler;                               // protocols/subscription.hpp
  service<protocols::dead_letter_office_actor> dead_letters;  // none: parked events are only logged
};

caf::actor spawn_subscription(caf::actor_system& system, subscription_services services,
                              subscription_options options);

}  // namespace commerce::actors
