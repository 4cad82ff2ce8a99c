// The product: catalog entry and inventory of one SKU (domain/inventory.hpp). Cart-stage
// reservations expire by themselves at its deadline.
#include "actors/kinds/kind_region.hpp"
#include "domain/inventory.hpp"

namespace commerce::actors {

void add_product_routes(gateway_routes& routes);

namespace {
using namespace domain;

caf::actor spawn_product_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  entity_kind<inventory_decider> kind;
  kind.timers = [](const inventory_state& s) { return timers_named("reservations", inventory_decider::next_deadline(s)); };
  kind.on_timer = [](const std::string& name) -> std::optional<inventory_command> {
    if (name == "reservations") return inventory_command{expire_reservations{}};
    return std::nullopt;
  };
  return spawn_kind_region(system, std::move(kind), std::move(services), options);
}

caf::actor spawn_product_view(caf::actor_system& system) { return spawn_entity_view<inventory_decider>(system); }
}  // namespace

kind_module product_kind() {
  auto kind = kind_module_of<inventory_decider>("products");
  kind.spawn_region = spawn_product_region;
  kind.spawn_view = spawn_product_view;
  kind.add_routes = add_product_routes;
  return kind;
}

}  // namespace commerce::actors
