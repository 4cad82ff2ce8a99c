// The node's entity kinds — product/inventory, cart, order, checkout — each a decider plus a few
// lines of registration in entity_kinds.cpp, and one shard region per kind.
#pragma once

#include "actors/entity_regions.hpp"
#include "actors/entity_services.hpp"
#include "domain/time.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string_view>
#include <vector>

namespace commerce::actors {

struct entity_kinds_options {
  std::chrono::milliseconds passivate_after{std::chrono::minutes(2)};
  std::int64_t snapshot_every = 100;
  domain::duration cart_reservation_ttl{std::chrono::minutes(10)};
  domain::duration checkout_resume_after{std::chrono::seconds(10)};
  domain::duration checkout_give_up_after{std::chrono::minutes(15)};
};

// The stream types of the kinds, in the order their regions start.
const std::vector<std::string_view>& entity_kind_names();

// One kind's region; throws std::invalid_argument for an unknown kind. The checkout kind reaches
// the regions of the kinds before it and the payment client through `services`.
caf::actor spawn_entity_region(caf::actor_system& system, std::string_view kind_name, entity_services services,
                               const entity_kinds_options& options);

entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options);

// The read models of lists (entity_view.hpp): every product, every order. Feed each with a
// subscription that keeps no checkpoint.
caf::actor spawn_product_view(caf::actor_system& system);
caf::actor spawn_order_view(caf::actor_system& system);

// The system clock as a domain timestamp.
domain::timestamp system_now();

}  // namespace commerce::actors
