// Drives campaigns (domain/campaign.hpp) from the journal, as a subscription's handler:
// - every product event (a sale, a stock call, a webhook, a reconciliation: any source) has its
//   SKU's available stock right after it observed by each active campaign that covers it;
// - a campaign's firing crossing applies its rule to that SKU, unless another active campaign
//   on the SKU, whose condition holds too, has a higher priority (then it wins); the product
//   takes the change once (its reference is the crossing's version), and the campaign records
//   it (the price before its first change of the SKU is kept for rollback);
// - a campaign rolling back restores each SKU it changed, unless its price was changed since by
//   someone else (recorded as rollback_skipped), then finishes as rolled_back.
// Every step is idempotent, so a delivery that fails halfway is simply delivered again.
#pragma once

#include "actors/entity_regions.hpp"
#include "actors/service_directory.hpp"
#include "protocols/journal.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

// `view_feed`: the subscription feeding the campaigns' read model (waited for, see the .cpp).
caf::actor spawn_campaign_driver(caf::actor_system& system, entity_regions regions, kind_actors views,
                                 service<caf::actor> view_feed, service<protocols::journal_reader_actor> reader,
                                 std::chrono::milliseconds timeout);

}  // namespace commerce::actors
