// Membership in PostgreSQL (the Orleans pattern: a membership table; migration 0010). Each node
// registers with its id, addresses and a lease it renews every lease/3; each shard's row names
// its owner and an epoch that grows at every move. A node claims the shards that rendezvous
// hashing over the nodes that are up gives it, once their owner has released them or let its
// lease run out, and releases those it no longer should own, so a joining node takes its share
// and a stopped or lost node's shards move. What it read and claimed is published to a
// protocols::shard_table; a node that cannot renew stops serving by itself, a fifth of a lease
// before the others may take its shards (self-fencing).
#pragma once

#include "protocols/cluster.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <stdexcept>
#include <string>

namespace commerce::adapters::postgres {

struct cluster_membership_options {
  std::string node_id;
  std::string address;  // CAF middleman, host:port
  std::string http;     // HTTP gateway, host:port
  std::uint32_t shards = 256;
  std::chrono::milliseconds lease{5000};
  // Called once when this node is leaving and has handed every shard over (it may stop now).
  std::function<void()> on_drained;
};


// The cluster has another number of shards than this node was configured with.
class cluster_mismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Registers the node and creates the shard rows of a new cluster; blocking, called once at
// start. Throws cluster_mismatch when the cluster has another number of shards, and
// std::runtime_error when PostgreSQL cannot be reached.
void join_cluster(const std::string& conninfo, const cluster_membership_options& options);

// Releases the node's shards and marks it down, so the others take them at once instead of
// after a lease: the end of a graceful stop, once the journal writer has written its last batch.
void leave_cluster(const std::string& conninfo, const std::string& node_id);

// Renews the lease and moves shards every lease/3, publishing to `table`. A planned leave:
//   request(membership, t, protocols::leave_atom, node_id) -> bool (false: no such node up)
// marks the node `leaving`: the others stop counting it, it stops serving and releases its
// shards at its next round, the others claim them at theirs, and its on_drained is called once
// it owns none.
caf::actor spawn_cluster_membership(caf::actor_system& system, std::string conninfo,
                                    cluster_membership_options options, std::shared_ptr<protocols::shard_table> table);

}  // namespace commerce::adapters::postgres
