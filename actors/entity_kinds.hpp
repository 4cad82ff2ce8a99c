// The node's entity kinds — product/inventory, cart, order — each a decider plus a few lines of
// registration in entity_kinds.cpp, and one shard region per kind.
#pragma once

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
};

struct entity_regions {
  caf::actor product;
  caf::actor cart;
  caf::actor order;

  // The region of a stream type ("product", "cart", "order"); an invalid handle if none.
  caf::actor for_stream_type(std::string_view stream_type) const;
  void set(std::string_view stream_type, caf::actor region);
  std::vector<caf::actor> all() const { return {product, cart, order}; }
};

// The stream types of the kinds, in the order their regions start.
const std::vector<std::string_view>& entity_kind_names();

// One kind's region; throws std::invalid_argument for an unknown kind.
caf::actor spawn_entity_region(caf::actor_system& system, std::string_view kind_name, entity_services services,
                               const entity_kinds_options& options);

entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options);

// The catalog's read model: every product, for lists (entity_view.hpp). Feed it with a
// subscription that keeps no checkpoint.
caf::actor spawn_product_view(caf::actor_system& system);

// The system clock as a domain timestamp.
domain::timestamp system_now();

}  // namespace commerce::actors
