// Runs reconciliation sweeps (domain/reconciliation.hpp) as a journal subscription's handler,
// one page per step, and requests the scheduled ones.
//
// A step: the next 50 SKUs of the catalog after the sweep's cursor (the products' read model),
// their counts at the store platform (one rate-limited call: a 429 is waited out as Retry-After
// says, an unavailable platform backed off), and each count that differs from the product's
// on_hand and is newer than the last count applied to it recorded as a webhook with topic
// `reconciliation` (id reconcile-<sweep>-<sku>), which the webhook processor applies like any
// other. Then the page is recorded; its event is the next step's delivery. No SKU left: the
// sweep finishes. Every step is idempotent, so a crash in the middle repeats it harmlessly.
//
// The schedule: every `interval` (and at start) the sweep of the current period — id
// rec_schedule_<period number> — is requested; a period's sweep requested already changes
// nothing, so a restart, or another node holding the singletons, never runs a period twice.
//
//   commerce_reconciliation_differences_total   counts found that the node did not have
//   commerce_reconciliation_sweeps_total        sweeps finished
#pragma once

#include "actors/entity_regions.hpp"
#include "actors/service_directory.hpp"
#include "protocols/store_platform.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>

namespace commerce::actors {

struct reconciliation_options {
  std::chrono::milliseconds interval{15 * 60 * 1000};
  std::function<bool()> active;  // requests scheduled sweeps only while this holds; none: always
  // A step waits for the platform at most this long (then it fails as transient and comes again).
  // Its other calls take at most `timeout` each; a step that outlives the subscription's timeout
  // anyway is done twice, harmlessly (every part of it is idempotent).
  std::chrono::milliseconds patience{10'000};
  std::chrono::milliseconds timeout{5'000};
};

caf::actor spawn_reconciliation_driver(caf::actor_system& system, entity_regions regions, kind_actors views,
                                       service<protocols::store_platform_actor> store, reconciliation_options options);

}  // namespace commerce::actors
