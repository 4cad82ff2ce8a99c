// The alert (domain/alert.hpp): raised by the runtime's own steps, listed and acknowledged by
// an operator under /admin/alerts. No timers; a list read model for GET /admin/alerts.
#include "actors/kinds/kind_region.hpp"
#include "domain/alert.hpp"

namespace commerce::actors {

void add_alert_routes(gateway_routes& routes);

namespace {

caf::actor spawn_alert_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::alert_decider>{}, std::move(services), options);
}

caf::actor spawn_alert_view(caf::actor_system& system) { return spawn_entity_view<domain::alert_decider>(system); }

}  // namespace

kind_module alert_kind() {
  auto kind = kind_module_of<domain::alert_decider>("alerts");
  kind.spawn_region = spawn_alert_region;
  kind.spawn_view = spawn_alert_view;
  kind.add_routes = add_alert_routes;
  return kind;
}

}  // namespace commerce::actors
