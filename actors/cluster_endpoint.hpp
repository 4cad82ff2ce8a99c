// A node's door for the other nodes of its cluster, published on CAF's middleman at
// cluster.address:port. A region that does not own an entity's shard forwards the message
// there (protocols/cluster.hpp, forward_atom); the endpoint hands it to this node's region of
// the kind, as if it had come there itself, so the answer goes straight back to the asker.
// Should this node not own the shard (the sender's view lagged a move), its region sends the
// message on to the owner it knows, or holds it until it knows one.
#pragma once

#include "actors/service_directory.hpp"
#include "protocols/cluster.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <memory>

namespace commerce::actors {

caf::actor spawn_cluster_endpoint(caf::actor_system& system, std::shared_ptr<const service_directory> directory,
                                  std::shared_ptr<const protocols::shard_table> shards);

}  // namespace commerce::actors
