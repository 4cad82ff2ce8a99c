// The node's supervision tree, as data (docs/architecture.md, "The node's tree"):
//
//   commerced        one_for_one; 3 restarts in 60 s, then it gives up and the node exits non-zero
//   ├─ storage       one_for_one: journal_writer, journal_reader_N, dead_letters,
//   │                idempotency_keys, payment_tokens
//   ├─ payments      the payment client (retries and circuit breaker of the provider)
//   ├─ entities      one_for_one: a shard region per kind (actors/kinds/), each supervising its
//   │                own entities (restart in place from the journal)
//   ├─ read_models   one_for_all: the kinds' list views and the subscriptions feeding them
//   ├─ cluster_membership  with cluster.enabled: the lease and the shards this node owns
//   ├─ timer_service
//   ├─ live_hub      the journal read for the node's server-sent event streams
//   ├─ gateway
//   ├─ event_handlers  rest_for_one: the order handlers, their feed, the outbox relay
//   ├─ search        rest_for_one: product search and the subscription keeping its index
//   └─ streams       rest_for_one, with Redis configured: the journal's publisher to Redis
//                    Streams and its checkpointed subscription
//
// Every worker registers itself in the service directory under its id each time it starts, and
// every actor finds what it uses there by name when it uses it (actors/service_directory.hpp).
// So a child restarts alone: a new journal writer or region is found by everyone without
// restarting them. Groups give up after 5 restarts in a minute, and the root restarts them.
#pragma once

#include "actors/service_directory.hpp"
#include "adapters/postgres/cluster_membership.hpp"
#include "config/config.hpp"
#include "protocols/cluster.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>
#include <string>

namespace commerce::node {

// Directory names the HTTP server and main() use.
inline constexpr const char* root_name = "commerced";
inline constexpr const char* gateway_name = "gateway";
inline constexpr const char* journal_writer_name = "journal_writer";
inline constexpr const char* membership_name = "cluster_membership";

// The cluster membership's settings (cluster.*, and where this node's gateway listens).
adapters::postgres::cluster_membership_options membership_of(const config::node_config& config);

// Starts the tree (all of it, in order, before returning) and returns its root supervisor.
caf::actor spawn_node_tree(caf::actor_system& system, const config::node_config& config, std::string version,
                           std::shared_ptr<actors::service_directory> directory,
                           std::shared_ptr<protocols::shard_table> shards,
                           std::shared_ptr<const protocols::cluster_peers> peers);

}  // namespace commerce::node
