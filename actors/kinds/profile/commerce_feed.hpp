// Our own carts and orders feed the customer data platform (API.md): a journal subscription's
// handler that turns them into customer events of source api and resolves them like any other
// (identity_resolution.hpp), so a checkout with an email shows up on a profile without anyone
// calling /v1/events.
//   CartLineSet on a cart with an email   → cart_add          {email, cart_id, sku, quantity}
//   CheckoutBegun                         → checkout_started  {email, cart_id, order_id, total}
//   OrderPaid                             → purchase          {email, order_id, total, currency, lines}
// Each event's id is derived from the journal event (cart_add-<cart>-<version>, …), so a batch
// delivered again attaches nothing twice.
#pragma once

#include "actors/entity_regions.hpp"
#include "domain/identity.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::actors {

caf::actor spawn_commerce_feed(caf::actor_system& system, entity_regions regions, domain::identity_rules rules,
                               std::chrono::milliseconds timeout);

}  // namespace commerce::actors
