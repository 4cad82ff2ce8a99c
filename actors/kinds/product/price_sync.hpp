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
// reached the platform is simply made again until a definite answer — and until then the
// platform's price is unknown (a later change back to the price confirmed before is sent again).
// - 429: wait what Retry-After says and send again; as often as it takes (never a dead letter).
// - unavailable (timeout, no connection, 5xx): back off with jitter (actors/store_calls.hpp) and
//   send again, for up to `give_up_after` per change; then the change is parked in the
//   dead-letter office (retrying it there sends it again) and an alert is raised
//   (price-sync-<sku>-v<version>; raised again for the same change, it is the same alert).
// - refused (another 4xx): parked and alerted at once.
// A delivery stops at `patience` (below the subscription's timeout, with one call's `timeout`
// to spare): it then fails as transient and is delivered again later; what the platform
// confirmed already is not sent twice. A delivery that a newer one replaced stops at its next step.
//
//   commerce_price_sync_total{outcome="sent|superseded"}
//   commerce_subscription_parked_total{subscription="price_sync"}   parked, counted where parked
//                                                        (a change given up on twice, its first
//                                                        parking unconfirmed, is one)
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
  std::chrono::milliseconds give_up_after{10 * 60 * 1000};
  std::chrono::milliseconds patience{15'000};
  std::chrono::milliseconds timeout{5'000};  // of an entity read or a platform call
};

caf::actor spawn_price_sync(caf::actor_system& system, entity_regions regions,
                            service<protocols::store_platform_actor> store, price_sync_options options);

}  // namespace commerce::actors
