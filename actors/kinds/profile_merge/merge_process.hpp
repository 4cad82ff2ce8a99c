// The merge saga's steps (domain/profile_merge.hpp says which comes when): what a merge entity
// does after each of its events, as the `react` of its kind. A step asks the profiles and the
// identity index and reports back with a record_* or finish_merge_step command. A step that
// gets no answer reports nothing: the merge's resume deadline runs it again, and every step
// is safe to run again.
#pragma once

#include "actors/entity_services.hpp"
#include "domain/profile_merge.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace commerce::actors {

using merge_react = std::function<void(caf::event_based_actor*, const domain::profile_merge_state&,
                                       const std::vector<domain::profile_merge_event>&, std::shared_ptr<const void>,
                                       std::function<void(domain::profile_merge_command)>)>;

merge_react merge_steps(entity_services services, std::chrono::milliseconds ask_timeout);

}  // namespace commerce::actors
