// Applies recorded webhooks (domain/webhook.hpp) as a journal subscription's handler
// (protocols/subscription.hpp): each WebhookReceived becomes a count_stock of its product,
// with the platform's updated_at as the count's time, so one older than the last applied
// changes nothing; the reconciliation sweep's findings come the same way (topic
// `reconciliation`). A count that could not cover what is reserved raises an alert
// (stock-shortfall-<sku>-<time>). A product this node does not know is logged and skipped.
// Anything unanswered fails the batch, which is delivered again (counts are idempotent).
#pragma once

#include "actors/entity_regions.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

caf::actor spawn_webhook_processor(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds timeout);

}  // namespace commerce::actors
