// The node's supervision tree, as data (docs/architecture.md, "The node's tree"):
//
//   commerced        rest_for_one; 3 restarts in 60 s, then it gives up and the node exits non-zero
//   ├─ storage       one_for_all, escalates at once: journal_writer, journal_reader_N, dead_letters,
//   │                idempotency_keys, payment_tokens
//   ├─ payments      the payment client (retries and circuit breaker of the provider)
//   ├─ entities      one_for_one, escalates at once: a shard region per kind (actors/kinds/), each
//   │                supervising its own entities (restart in place from the journal)
//   ├─ read_models   one_for_all, escalates at once: the kinds' list views (product_view,
//   │                order_view) and the subscriptions feeding them
//   ├─ timer_service
//   └─ gateway
//
// Children start in dependency order and every start function records its handle in the
// node_directory, where later siblings pick up what they depend on. Actors keep the handles they
// were started with, so a storage or region failure escalates to the root, whose rest_for_one
// restarts it together with everything started after it: nothing is left holding a dead handle.
#pragma once

#include "actors/kinds/kind_module.hpp"
#include "config/config.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

namespace commerce::node {

// The current handles of the tree's actors. Thread-safe: the HTTP server reads the gateway.
class node_directory {
 public:
  struct handles {
    caf::actor writer;
    std::vector<caf::actor> readers;
    caf::actor dead_letters;
    caf::actor idempotency;
    caf::actor payment_tokens;
    actors::entity_regions regions;
    caf::actor payments;
    actors::kind_actors views;  // the kinds' read models of lists
    std::map<std::string, caf::actor> subscriptions;  // by name
    caf::actor gateway;
    caf::actor root;
  };

  template <class F>
  auto with(F&& f) {
    std::lock_guard<std::mutex> lock(mutex_);
    return f(handles_);
  }
  caf::actor gateway() {
    return with([](handles& h) { return h.gateway; });
  }
  caf::actor root() {
    return with([](handles& h) { return h.root; });
  }

 private:
  std::mutex mutex_;
  handles handles_;
};

// Starts the tree (all of it, in order, before returning) and returns its root supervisor.
caf::actor spawn_node_tree(caf::actor_system& system, const config::node_config& config, std::string version,
                           std::shared_ptr<node_directory> directory);

}  // namespace commerce::node
