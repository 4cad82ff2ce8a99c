// The pricing campaign (domain/campaign.hpp): created and steered under /v1/campaigns, listed
// from its read model, driven from the journal by campaign_driver.
#include "actors/kinds/kind_region.hpp"
#include "domain/campaign.hpp"

namespace commerce::actors {

void add_campaign_routes(gateway_routes& routes);

namespace {

caf::actor spawn_campaign_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::campaign_decider>{}, std::move(services), options);
}

caf::actor spawn_campaign_view(caf::actor_system& system) { return spawn_entity_view<domain::campaign_decider>(system); }

}  // namespace

kind_module campaign_kind() {
  auto kind = kind_module_of<domain::campaign_decider>("campaigns");
  kind.spawn_region = spawn_campaign_region;
  kind.spawn_view = spawn_campaign_view;
  kind.add_routes = add_campaign_routes;
  return kind;
}

}  // namespace commerce::actors
