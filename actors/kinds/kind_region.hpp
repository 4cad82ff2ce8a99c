// Starts a kind's shard region with the node's entity settings. Heavy (persistent_entity.hpp):
// included only by the kinds' registrations (kinds/<kind>/<kind>_kind.cpp).
#pragma once

#include "actors/entity_view.hpp"
#include "actors/kinds/kind_module.hpp"
#include "actors/shard_region.hpp"
#include "protocols/kind_messages.hpp"

namespace commerce::actors {

// The kind of `Decider`, listed under /v1/`collection`; the registration fills in the rest.
template <class Decider>
kind_module kind_module_of(std::string_view collection) {
  kind_module kind;
  kind.stream_type = Decider::stream_type;
  kind.collection = collection;
  kind.add_message_types = protocols::add_kind_message_types<Decider>;
  return kind;
}

template <class Decider>
caf::actor spawn_kind_region(caf::actor_system& system, entity_kind<Decider> kind, entity_services services,
                             const entity_kinds_options& options) {
  kind.settings.passivate_after = options.passivate_after;
  kind.settings.snapshot_every = options.snapshot_every;
  if (!services.clock) services.clock = system_now;
  return spawn_region(system, std::move(kind), std::move(services));
}

}  // namespace commerce::actors
