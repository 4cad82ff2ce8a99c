// The cart (domain/cart.hpp): after a TTL of inactivity its deadline unmarks its reserved lines.
#include "actors/kinds/kind_region.hpp"
#include "domain/cart.hpp"

namespace commerce::actors {

void add_cart_routes(gateway_routes& routes);

namespace {
using namespace domain;

caf::actor spawn_cart_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  const auto ttl = options.cart_reservation_ttl;
  entity_kind<cart_decider> kind;
  kind.timers = [ttl](const cart_state& s) { return timers_named("reservations", cart_decider::next_deadline(s, ttl)); };
  kind.on_timer = [ttl](const std::string& name) -> std::optional<cart_command> {
    if (name == "reservations") return cart_command{expire_cart_reservations{ttl.count()}};
    return std::nullopt;
  };
  return spawn_kind_region(system, std::move(kind), std::move(services), options);
}
}  // namespace

kind_module cart_kind() {
  auto kind = kind_module_of<cart_decider>("carts");
  kind.spawn_region = spawn_cart_region;
  kind.add_routes = add_cart_routes;
  return kind;
}

}  // namespace commerce::actors
