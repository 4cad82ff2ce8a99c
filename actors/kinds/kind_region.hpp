// Starts a kind's shard region with the node's entity settings. Heavy (persistent_entity.hpp):
// included only by the kinds' registrations (kinds/<kind>/<kind>_kind.cpp).
#pragma once

#include "actors/entity_view.hpp"
#include "actors/kinds/kind_module.hpp"
#include "actors/shard_region.hpp"

namespace commerce::actors {

template <class Decider>
caf::actor spawn_kind_region(caf::actor_system& system, entity_kind<Decider> kind, entity_services services,
                             const entity_kinds_options& options) {
  kind.settings.passivate_after = options.passivate_after;
  kind.settings.snapshot_every = options.snapshot_every;
  if (!services.clock) services.clock = system_now;
  return spawn_region(system, std::move(kind), std::move(services));
}

}  // namespace commerce::actors
