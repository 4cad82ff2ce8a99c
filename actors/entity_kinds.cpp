#include "actors/entity_kinds.hpp"

#include "actors/persistent_entity.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"

namespace commerce::actors {

domain::timestamp system_now() {
  using namespace std::chrono;
  return {duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options) {
  using namespace domain;
  entity_settings settings;
  settings.passivate_after = options.passivate_after;
  settings.snapshot_every = options.snapshot_every;
  if (!services.clock) services.clock = system_now;
  const auto ttl = options.cart_reservation_ttl;

  // Product: cart-stage reservations expire by themselves.
  entity_kind<inventory_decider> product{settings, inventory_decider::next_deadline,
                                         [] { return inventory_command{expire_reservations{}}; }};
  // Cart: a TTL of inactivity unmarks its reserved lines.
  entity_kind<cart_decider> cart{settings, [ttl](const cart_state& s) { return cart_decider::next_deadline(s, ttl); },
                                 [ttl] { return cart_command{expire_cart_reservations{ttl.count()}}; }};
  // Order: no deadlines yet.
  entity_kind<order_decider> order{settings, {}, {}};

  return {spawn_region(system, std::move(product), services), spawn_region(system, std::move(cart), services),
          spawn_region(system, std::move(order), services)};
}

caf::actor entity_regions::for_stream_type(std::string_view stream_type) const {
  if (stream_type == domain::inventory_decider::stream_type) return product;
  if (stream_type == domain::cart_decider::stream_type) return cart;
  if (stream_type == domain::order_decider::stream_type) return order;
  return {};
}

}  // namespace commerce::actors
