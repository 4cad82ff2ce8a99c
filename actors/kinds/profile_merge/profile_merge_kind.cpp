// The profile merge (domain/profile_merge.hpp): a saga started by identity resolution or by an
// approved review, undone by POST /v1/profiles/{id}/unmerge. Its steps are merge_process.cpp;
// its deadline resumes a step that made no progress (after a crash, on any node).
#include "actors/kinds/kind_region.hpp"
#include "actors/kinds/profile_merge/merge_process.hpp"
#include "domain/profile_merge.hpp"

namespace commerce::actors {

namespace {
using namespace domain;

caf::actor spawn_profile_merge_region(caf::actor_system& system, entity_services services,
                                      const entity_kinds_options& options) {
  const auto resume_after = options.merge_resume_after;
  entity_kind<profile_merge_decider> kind;
  kind.timers = [resume_after](const profile_merge_state& s) {
    return timers_named("resume", profile_merge_decider::next_deadline(s, resume_after));
  };
  kind.on_timer = [](const std::string& name) -> std::optional<profile_merge_command> {
    if (name == "resume") return profile_merge_command{resume_merge{}};
    return std::nullopt;
  };
  kind.react = merge_steps(services, std::chrono::seconds(5));
  kind.settled = merge_settled;
  return spawn_kind_region(system, std::move(kind), std::move(services), options);
}
}  // namespace

kind_module profile_merge_kind() {
  auto kind = kind_module_of<profile_merge_decider>("profile-merges");
  kind.spawn_region = spawn_profile_merge_region;
  return kind;
}

}  // namespace commerce::actors
