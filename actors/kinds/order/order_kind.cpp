// The order (domain/order.hpp). Refunds and the restock of a cancelled order are its own
// journaled steps (order_process.cpp); its deadline runs them again while the provider or a SKU
// does not answer.
#include "actors/kinds/kind_region.hpp"
#include "actors/kinds/order/order_process.hpp"
#include "domain/order.hpp"

namespace commerce::actors {

void add_order_routes(gateway_routes& routes);

namespace {
using namespace domain;

caf::actor spawn_order_region(caf::actor_system& system, entity_services services, const entity_kinds_options& options) {
  const auto retry_after = options.checkout_resume_after;
  entity_kind<order_decider> kind;
  kind.timers = [retry_after](const order_state& s) {
    return timers_named("steps", order_decider::next_deadline(s, retry_after));
  };
  kind.on_timer = [](const std::string& name) -> std::optional<order_command> {
    if (name == "steps") return order_command{resume_order_steps{}};
    return std::nullopt;
  };
  kind.react = order_steps(services, {});
  kind.settled = order_decider::settled;
  return spawn_kind_region(system, std::move(kind), std::move(services), options);
}

caf::actor spawn_order_view(caf::actor_system& system) { return spawn_entity_view<order_decider>(system); }
}  // namespace

kind_module order_kind() {
  auto kind = kind_module_of<order_decider>("orders");
  kind.spawn_region = spawn_order_region;
  kind.spawn_view = spawn_order_view;
  kind.add_routes = add_order_routes;
  return kind;
}

}  // namespace commerce::actors
