// The price sync: pushes every price of a product — created, updated, changed by a job, a
// campaign or a rollback — to the store platform, as a journal subscription's handler
// (protocols/subscription.hpp). Deliveries come one at a time in journal order and each is
// worked through in order, so a SKU's prices reach the platform in the order they were set.
//
// Before a price is sent the product is read: when its price is no longer that one, a later
// change is on its way and carries the newer price, so this one is skipped (superseded). That
// also keeps a change re-sent from the dead-letter office, maybe hours later, from putting an
// old price back. A price already sent last for the SKU is not sent again.
//
// The saga rule with the platform: setting a price is idempotent, so a call that may have
// reached the platform is simply made again until a definite answer.
// - 429: wait what Retry-After says and send again; as often as it takes (never a dead letter).
// - unavailable (timeout, no connection, 5xx): back off with jitter (0.5 s doubling to 30 s) and
//   send again, up to `max_attempts` per change; after that the change is parked in the
//   dead-letter office (retrying it there sends it again) and an alert is raised
//   (price-sync-<sku>-v<version>).
// - refused (another 4xx): parked and alerted at once.
// A delivery never waits past `patience` (below the subscription's timeout): it then fails as
// transient and is delivered again later; what was sent already is not sent twice.
//
//   commerce_price_sync_total{outcome="sent|superseded|parked"}
//   commerce_price_sync_throttled_total                  429s waited out
// The queue's depth is the feed's commerce_subscription_lag_events{subscription="price_sync"}.
#pragma once

#include "actors/entity_regions.hpp"
#include "actors/service_directory.hpp"
#include "protocols/store_platform.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

struct price_sync_options {
  int max_attempts = 8;
  std::chrono::milliseconds patience{20'000};
  std::chrono::milliseconds timeout{10'000};  // of an entity read or a platform call
};

caf::actor spawn_price_sync(caf::actor_system& system, entity_regions regions,
                            service<protocols::store_platform_actor> store, price_sync_options options);

}  // namespace commerce::actors
