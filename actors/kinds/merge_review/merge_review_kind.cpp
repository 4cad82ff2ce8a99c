// Merge reviews (domain/merge_review.hpp): opened by identity resolution, listed from their
// read model and decided by an operator under /v1/merge-reviews.
#include "actors/kinds/kind_region.hpp"
#include "domain/merge_review.hpp"

namespace commerce::actors {

void add_merge_review_routes(gateway_routes& routes);

namespace {
caf::actor spawn_merge_review_region(caf::actor_system& system, entity_services services,
                                     const entity_kinds_options& options) {
  return spawn_kind_region(system, entity_kind<domain::merge_review_decider>{}, std::move(services), options);
}
caf::actor spawn_merge_review_view(caf::actor_system& system) {
  return spawn_entity_view<domain::merge_review_decider>(system);
}
}  // namespace

kind_module merge_review_kind() {
  auto kind = kind_module_of<domain::merge_review_decider>("merge-reviews");
  kind.spawn_region = spawn_merge_review_region;
  kind.spawn_view = spawn_merge_review_view;
  kind.add_routes = add_merge_review_routes;
  return kind;
}

}  // namespace commerce::actors
