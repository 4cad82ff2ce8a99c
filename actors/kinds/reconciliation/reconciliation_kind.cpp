// The reconciliation sweep (domain/reconciliation.hpp): requested by the schedule or by POST
// /admin/reconcile, worked page by page by reconciliation_driver from the journal.
#include "actors/kinds/kind_region.hpp"
#include "domain/reconciliation.hpp"

namespace commerce::actors {

void add_reconciliation_routes(gateway_routes& routes);

namespace {

caf::actor spawn_reconciliation_region(caf::actor_system& system, entity_services services,
                                       const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::reconciliation_decider>{}, std::move(services), options);
}

}  // namespace

kind_module reconciliation_kind() {
  auto kind = kind_module_of<domain::reconciliation_decider>("reconciliations");
  kind.spawn_region = spawn_reconciliation_region;
  kind.add_routes = add_reconciliation_routes;
  return kind;
}

}  // namespace commerce::actors
