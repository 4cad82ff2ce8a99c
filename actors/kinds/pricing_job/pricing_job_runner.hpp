// Runs pricing jobs (domain/pricing_job.hpp) as a journal subscription's handler: every event
// of a job that is not finished leads to its next batch — the rule applied to each of its (at
// most 5) products with the job's id as the change's reference, then the batch's results
// recorded on the job, whose event leads to the batch after. A crash or an unanswered step
// leaves the batch unrecorded and the delivery fails; delivered again, the batch runs again and
// each product takes the job's change once (apply_price_rule's reference), so every SKU is
// processed exactly once whatever node runs it. A dry run only reads the products.
#pragma once

#include "actors/entity_regions.hpp"

#include <caf/fwd.hpp>

#include <chrono>

namespace commerce::actors {

caf::actor spawn_pricing_job_runner(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds timeout);

}  // namespace commerce::actors
