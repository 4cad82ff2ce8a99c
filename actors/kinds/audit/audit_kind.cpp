// The operator audit log (domain/audit.hpp): an entry per admin call that changed something,
// written by the gateway (operator_audit.cpp), listed under /admin/audit. A list read model; no
// timers.
#include "actors/kinds/kind_region.hpp"
#include "domain/audit.hpp"

namespace commerce::actors {

void add_audit_routes(gateway_routes& routes);

namespace {

caf::actor spawn_audit_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::audit_decider>{}, std::move(services), options);
}

caf::actor spawn_audit_view(caf::actor_system& system) { return spawn_entity_view<domain::audit_decider>(system); }

}  // namespace

kind_module audit_kind() {
  auto kind = kind_module_of<domain::audit_decider>("audit");
  kind.spawn_region = spawn_audit_region;
  kind.spawn_view = spawn_audit_view;
  kind.add_routes = add_audit_routes;
  return kind;
}

}  // namespace commerce::actors
