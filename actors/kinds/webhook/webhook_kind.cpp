// The webhook inbox (domain/webhook.hpp): one entity per delivery id, recorded by
// POST /webhooks/inventory and processed afterwards by webhook_processor from the journal.
// Nothing reads a webhook back after that, so its entity leaves memory soon.
#include "actors/kinds/kind_region.hpp"
#include "domain/webhook.hpp"

namespace commerce::actors {

void add_webhook_routes(gateway_routes& routes);

namespace {

caf::actor spawn_webhook_region(caf::actor_system& system, entity_services services, entity_kinds_options options) {
  options.passivate_after = std::min(options.passivate_after, std::chrono::milliseconds(std::chrono::seconds(5)));
  return spawn_kind_region(system, entity_kind<domain::webhook_decider>{}, std::move(services), options);
}

}  // namespace

kind_module webhook_kind() {
  auto kind = kind_module_of<domain::webhook_decider>("webhooks");
  kind.spawn_region = [](caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
    return spawn_webhook_region(system, std::move(services), options);
  };
  kind.add_routes = add_webhook_routes;
  return kind;
}

}  // namespace commerce::actors
