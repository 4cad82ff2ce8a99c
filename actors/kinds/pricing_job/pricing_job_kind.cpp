// The pricing job (domain/pricing_job.hpp): created by POST /v1/pricing-jobs, run batch by
// batch by pricing_job_runner from the journal, read by GET /v1/pricing-jobs/{id} and listed
// from a read model.
#include "actors/kinds/kind_region.hpp"
#include "domain/pricing_job.hpp"

namespace commerce::actors {

void add_pricing_job_routes(gateway_routes& routes);

namespace {

caf::actor spawn_pricing_job_region(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::pricing_job_decider>{}, std::move(services), options);
}

caf::actor spawn_pricing_job_view(caf::actor_system& system) {
  return spawn_entity_view<domain::pricing_job_decider>(system);
}

}  // namespace

kind_module pricing_job_kind() {
  auto kind = kind_module_of<domain::pricing_job_decider>("pricing-jobs");
  kind.spawn_region = spawn_pricing_job_region;
  kind.spawn_view = spawn_pricing_job_view;
  kind.add_routes = add_pricing_job_routes;
  return kind;
}

}  // namespace commerce::actors
