// The checkout (domain/checkout.hpp): a saga whose steps (checkout_process.cpp) run after each
// of its events. Its deadline resumes it when a step made no progress (after a crash), charges
// again when the provider was unreachable, and stalls it for an operator after give_up_after.
#include "actors/kinds/checkout/checkout_process.hpp"
#include "actors/kinds/kind_region.hpp"
#include "domain/checkout.hpp"

namespace commerce::actors {

void add_checkout_routes(gateway_routes& routes);

namespace {
using namespace domain;

caf::actor spawn_checkout_region(caf::actor_system& system, entity_services services,
                                 const entity_kinds_options& options) {
  const auto resume_after = options.checkout_resume_after;
  const auto give_up_after = options.checkout_give_up_after.count();
  checkout_process_options process;
  process.reservation_ttl = options.cart_reservation_ttl;
  entity_kind<checkout_decider> kind;
  kind.timers = [resume_after](const checkout_state& s) {
    return timers_named("resume", checkout_decider::next_deadline(s, resume_after));
  };
  kind.on_timer = [give_up_after](const std::string& name) -> std::optional<checkout_command> {
    if (name == "resume") return checkout_command{resume_checkout{give_up_after}};
    return std::nullopt;
  };
  kind.react = checkout_steps(services, process);
  kind.settled = checkout_decider::answerable;
  return spawn_kind_region(system, std::move(kind), std::move(services), options);
}
}  // namespace

// Its one route, POST /v1/carts/{id}/checkout, lives under the carts; "checkouts" names its
// streams for GET /v1/checkouts/{id}/events.
kind_module checkout_kind() {
  auto kind = kind_module_of<checkout_decider>("checkouts");
  kind.spawn_region = spawn_checkout_region;
  kind.add_routes = add_checkout_routes;
  return kind;
}

}  // namespace commerce::actors
