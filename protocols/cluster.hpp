// The cluster as a node sees it (API.md, Cluster): the nodes with their leases, and each
// shard's owner and epoch, as the membership actor (adapters/postgres/cluster_membership)
// last read and claimed them. Regions, the timer service and the gateway read it through a
// shard_table, without asking anyone.
#pragma once

#include "common/shards.hpp"

#include <caf/actor.hpp>
#include <caf/atom.hpp>

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace commerce::protocols {

// A message for an entity another node owns, sent to that node's endpoint
// (actors/cluster_endpoint.hpp), which hands `message` to its region of `stream_type` as if it
// had come there itself: the answer goes straight back to whoever asked.
//   send(endpoint, forward_atom, stream_type, stream_id, caf::message)
using forward_atom = caf::atom_constant<caf::atom("forward")>;
// A planned leave (adapters/postgres/cluster_membership.hpp).
using leave_atom = caf::atom_constant<caf::atom("leave")>;

struct cluster_member {
  std::string id;
  std::string address;  // CAF middleman, host:port
  std::string http;     // HTTP gateway, host:port
  std::string status;   // up | leaving | down (a lease run out is down)
  std::int64_t lease_expires_at_ms = 0;
  std::int64_t shards = 0;  // owned now
};

struct cluster_view {
  std::string self;
  bool clustered = false;  // cluster.enabled; else one node owns every shard
  std::vector<cluster_member> nodes;
  std::vector<std::string> owners;   // by shard: the owner's id, "" while none
  std::vector<std::int64_t> epochs;  // by shard
  // This node serves its shards only until then: a node that could not renew its lease stops
  // serving by itself before the others may take its shards (self-fencing).
  std::chrono::steady_clock::time_point serve_until = std::chrono::steady_clock::time_point::max();

  bool serves(std::uint32_t shard) const {
    return owners[shard] == self && std::chrono::steady_clock::now() < serve_until;
  }
};

// The latest cluster_view, shared by the node's actors: published by the membership actor,
// read by anyone on any thread.
class shard_table {
 public:
  // A single node: it owns all `shards`.
  shard_table(std::string self, std::uint32_t shards) : shards_(shards) {
    cluster_view v;
    v.self = std::move(self);
    v.owners.assign(shards, v.self);
    v.epochs.assign(shards, 0);
    v.nodes.push_back({v.self, "", "", "up", 0, static_cast<std::int64_t>(shards)});
    view_ = std::make_shared<const cluster_view>(std::move(v));
  }

  // A cluster's node before its first membership round: it serves nothing and holds no
  // singleton until it knows what it owns (what comes meanwhile is held).
  void await_membership() {
    cluster_view v = *view();
    v.clustered = true;
    v.owners.assign(shards_, "");
    v.serve_until = std::chrono::steady_clock::time_point{};
    publish(std::move(v));
  }

  std::uint32_t shards() const { return shards_; }

  std::shared_ptr<const cluster_view> view() const {
    std::lock_guard<std::mutex> lock(mutex_);
    return view_;
  }

  void publish(cluster_view v) {
    auto next = std::make_shared<const cluster_view>(std::move(v));
    std::lock_guard<std::mutex> lock(mutex_);
    view_ = std::move(next);
  }

  // The owner of an entity's shard now ("" while it has none).
  std::string owner_of(std::string_view stream_type, std::string_view stream_id) const {
    const auto v = view();
    return v->owners[shard_of(stream_type, stream_id, shards_)];
  }

  // Work that must run once per cluster (subscriptions with checkpoints, the timer service, the
  // outbox relay) runs on the node that serves shard 0 now: it moves with that shard's lease.
  bool holds_singletons() const { return view()->serves(0); }

  bool serves(std::string_view stream_type, std::string_view stream_id) const {
    return view()->serves(shard_of(stream_type, stream_id, shards_));
  }

 private:
  const std::uint32_t shards_;
  mutable std::mutex mutex_;
  std::shared_ptr<const cluster_view> view_;
};

// The other nodes' endpoints (CAF middleman proxies), by node id, as far as they are
// connected: filled off the scheduler by the app (a connect blocks), read by the regions.
class cluster_peers {
 public:
  caf::actor endpoint_of(const std::string& node) const {
    std::lock_guard<std::mutex> lock(mutex_);
    const auto it = endpoints_.find(node);
    return it == endpoints_.end() ? caf::actor{} : it->second;
  }
  void set(const std::string& node, caf::actor endpoint) {
    std::lock_guard<std::mutex> lock(mutex_);
    if (endpoint) endpoints_[node] = std::move(endpoint);
    else endpoints_.erase(node);
  }
  bool has(const std::string& node) const { return static_cast<bool>(endpoint_of(node)); }

 private:
  mutable std::mutex mutex_;
  std::map<std::string, caf::actor> endpoints_;
};

}  // namespace commerce::protocols
