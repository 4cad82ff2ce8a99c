// The node's links to the rest of its cluster over CAF's middleman (the only file that
// includes CAF's I/O module): its endpoint published at cluster.address:port, and a detached
// actor that connects to every other node that is up (a connect blocks) and keeps their
// endpoints in `peers` for the regions.
#pragma once

#include "actors/service_directory.hpp"
#include "config/config.hpp"
#include "protocols/cluster.hpp"

#include <caf/actor_system_config.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace commerce::node {

// Loads the middleman with heartbeats, so that a hung peer is noticed (call before the system
// starts, only in a cluster).
void configure_cluster_links(caf::actor_system_config& cfg);

// Publishes the endpoint and starts connecting to the others. Throws std::runtime_error when the
// port cannot be bound.
void start_cluster_links(caf::actor_system& system, const config::node_config& config,
                         std::shared_ptr<const actors::service_directory> directory,
                         std::shared_ptr<const protocols::shard_table> shards,
                         std::shared_ptr<protocols::cluster_peers> peers);

}  // namespace commerce::node
