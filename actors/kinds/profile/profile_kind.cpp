// The customer profile (domain/profile.hpp): events arrive through POST /v1/events and are
// resolved to profiles (identity_resolution.cpp); the 360, the lookups by identifier, the
// merge history and unmerge are profile_routes.cpp.
#include "actors/kinds/kind_region.hpp"
#include "domain/profile.hpp"

namespace commerce::actors {

void add_profile_routes(gateway_routes& routes);

namespace {
caf::actor spawn_profile_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::profile_decider>{}, std::move(services), options);
}
}  // namespace

kind_module profile_kind() {
  auto kind = kind_module_of<domain::profile_decider>("profiles");
  kind.spawn_region = spawn_profile_region;
  kind.add_routes = add_profile_routes;
  return kind;
}

}  // namespace commerce::actors
