#include "actors/entity_kinds.hpp"

#include "actors/checkout_process.hpp"
#include "actors/entity_view.hpp"
#include "actors/order_process.hpp"
#include "actors/persistent_entity.hpp"
#include "domain/cart.hpp"
#include "domain/checkout.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"

namespace commerce::actors {

domain::timestamp system_now() {
  using namespace std::chrono;
  return {duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

const std::vector<std::string_view>& entity_kind_names() {
  static const std::vector<std::string_view> names{domain::inventory_decider::stream_type,
                                                   domain::cart_decider::stream_type,
                                                   domain::order_decider::stream_type,
                                                   domain::checkout_decider::stream_type};
  return names;
}

caf::actor spawn_entity_region(caf::actor_system& system, std::string_view kind_name, entity_services services,
                               const entity_kinds_options& options) {
  using namespace domain;
  entity_settings settings;
  settings.passivate_after = options.passivate_after;
  settings.snapshot_every = options.snapshot_every;
  if (!services.clock) services.clock = system_now;
  const auto ttl = options.cart_reservation_ttl;

  // Product: cart-stage reservations expire by themselves.
  if (kind_name == inventory_decider::stream_type)
    return spawn_region(system,
                        entity_kind<inventory_decider>{settings, inventory_decider::next_deadline,
                                                       [] { return inventory_command{expire_reservations{}}; }, {}, {}},
                        std::move(services));
  // Cart: a TTL of inactivity unmarks its reserved lines.
  if (kind_name == cart_decider::stream_type)
    return spawn_region(system,
                        entity_kind<cart_decider>{settings,
                                                  [ttl](const cart_state& s) { return cart_decider::next_deadline(s, ttl); },
                                                  [ttl] { return cart_command{expire_cart_reservations{ttl.count()}}; }, {}, {}},
                        std::move(services));
  // Order: refunds and the restock of a cancelled order are its own steps; its deadline runs
  // them again while the provider or a SKU does not answer.
  if (kind_name == order_decider::stream_type) {
    const auto retry_after = options.checkout_resume_after;
    entity_kind<order_decider> kind{
        settings, [retry_after](const order_state& s) { return order_decider::next_deadline(s, retry_after); },
        [] { return order_command{resume_order_steps{}}; }, order_steps(services, {}), order_decider::settled};
    return spawn_region(system, std::move(kind), std::move(services));
  }
  // Checkout: a saga. Its steps run after each of its events; its deadline resumes it when a
  // step made no progress (after a crash) and charges again when the provider was unreachable.
  if (kind_name == checkout_decider::stream_type) {
    const auto resume_after = options.checkout_resume_after;
    const auto give_up_after = options.checkout_give_up_after.count();
    checkout_process_options process;
    process.reservation_ttl = ttl;
    entity_kind<checkout_decider> kind{
        settings, [resume_after](const checkout_state& s) { return checkout_decider::next_deadline(s, resume_after); },
        [give_up_after] { return checkout_command{resume_checkout{give_up_after}}; }, checkout_steps(services, process),
        checkout_decider::answerable};
    return spawn_region(system, std::move(kind), std::move(services));
  }
  throw std::invalid_argument("no entity kind " + std::string(kind_name));
}

caf::actor spawn_product_view(caf::actor_system& system) { return spawn_entity_view<domain::inventory_decider>(system); }
caf::actor spawn_order_view(caf::actor_system& system) { return spawn_entity_view<domain::order_decider>(system); }

entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options) {
  entity_regions out;
  for (const auto name : entity_kind_names()) {
    services.peers = out;
    out.set(name, spawn_entity_region(system, name, services, options));
  }
  return out;
}

namespace {
// The member of `regions` that holds the kind's region, or nullptr.
template <class Regions>
auto* slot_of(Regions& regions, std::string_view stream_type) {
  if (stream_type == domain::inventory_decider::stream_type) return &regions.product;
  if (stream_type == domain::cart_decider::stream_type) return &regions.cart;
  if (stream_type == domain::order_decider::stream_type) return &regions.order;
  if (stream_type == domain::checkout_decider::stream_type) return &regions.checkout;
  return static_cast<decltype(&regions.product)>(nullptr);
}
}  // namespace

caf::actor entity_regions::for_stream_type(std::string_view stream_type) const {
  const auto* slot = slot_of(*this, stream_type);
  return slot ? *slot : caf::actor();
}

void entity_regions::set(std::string_view stream_type, caf::actor region) {
  if (auto* slot = slot_of(*this, stream_type)) *slot = std::move(region);
}

}  // namespace commerce::actors
