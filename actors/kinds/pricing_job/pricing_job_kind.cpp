// The pricing job (domain/pricing_job.hpp): created by POST /v1/pricing-jobs, run batch by
// batch by pricing_job_runner from the journal, read by GET /v1/pricing-jobs/{id}.
#include "actors/kinds/kind_region.hpp"
#include "domain/pricing_job.hpp"

namespace commerce::actors {

void add_pricing_job_routes(gateway_routes& routes);

namespace {

caf::actor spawn_pricing_job_region(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::pricing_job_decider>{}, std::move(services), options);
}

}  // namespace

kind_module pricing_job_kind() {
  auto kind = kind_module_of<domain::pricing_job_decider>("pricing-jobs");
  kind.spawn_region = spawn_pricing_job_region;
  kind.add_routes = add_pricing_job_routes;
  return kind;
}

}  // namespace commerce::actors
