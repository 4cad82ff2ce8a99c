// The identity index (domain/identity_index.hpp): one entity per identifier value, claimed by
// identity resolution and moved by merges. No routes of its own: GET /v1/profiles?email=… reads
// it, and /v1/identities/{key}/events shows who held a value when.
#include "actors/kinds/kind_region.hpp"
#include "domain/identity_index.hpp"

namespace commerce::actors {

namespace {
caf::actor spawn_identity_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::identity_index_decider>{}, std::move(services), options);
}
}  // namespace

kind_module identity_kind() {
  auto kind = kind_module_of<domain::identity_index_decider>("identities");
  kind.spawn_region = spawn_identity_region;
  return kind;
}

}  // namespace commerce::actors
