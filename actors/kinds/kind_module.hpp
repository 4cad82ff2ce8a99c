// What an entity kind brings to the node: its shard region, the read model of its lists if it
// has one, and its HTTP routes. Each kind is a folder under actors/kinds/ (its registration
// `<kind>_kind.cpp`, its routes, JSON views and saga steps) and one line in all_kinds.cpp;
// nothing else names it. Recipe: docs/architecture.md, "Adding an entity kind".
#pragma once

#include "actors/entity_services.hpp"
#include "domain/time.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <string_view>
#include <vector>

namespace commerce::actors {

struct route_handler;
template <class Handler>
class http_router;
using gateway_routes = http_router<route_handler>;

// The configuration kinds read (config/commerced.conf); each takes what concerns it.
struct entity_kinds_options {
  std::chrono::milliseconds passivate_after{std::chrono::minutes(2)};
  std::int64_t snapshot_every = 100;
  domain::duration cart_reservation_ttl{std::chrono::minutes(10)};
  domain::duration checkout_resume_after{std::chrono::seconds(10)};
  domain::duration checkout_give_up_after{std::chrono::minutes(15)};
  domain::duration merge_resume_after{std::chrono::seconds(5)};  // a profile merge's step that made no progress
};

struct kind_module {
  std::string_view stream_type;  // the decider's: names its journal streams and its region
  std::string_view collection;   // its path segment under /v1/, e.g. "carts"
  // Registers its messages with the actor system (protocols/kind_messages.hpp).
  void (*add_message_types)(caf::actor_system_config&) = nullptr;
  // Its region. `services.peers` finds the other kinds' regions.
  caf::actor (*spawn_region)(caf::actor_system&, entity_services, const entity_kinds_options&) = nullptr;
  // The read model of its lists (entity_view.hpp), or none.
  caf::actor (*spawn_view)(caf::actor_system&) = nullptr;
  void (*add_routes)(gateway_routes&) = nullptr;
};

// Every kind of the node, in the order their regions start: a process manager after the
// kinds it asks.
const std::vector<kind_module>& kind_modules();

// Registers every message type that may cross nodes with the actor system, by name: the
// protocols' and every kind's (message_types.cpp). Call it on every node's configuration.
void add_message_types(caf::actor_system_config& cfg);

// Every kind's region, started in order (the node starts them under its supervisor instead).
entity_regions spawn_entity_regions(caf::actor_system& system, entity_services services,
                                    const entity_kinds_options& options);

// The kind whose collection is `collection`, or nullptr.
const kind_module* kind_of_collection(std::string_view collection);

// The system clock as a domain timestamp.
domain::timestamp system_now();

}  // namespace commerce::actors
