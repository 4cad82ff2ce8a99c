#include "actors/cluster_endpoint.hpp"

#include "common/metrics.hpp"

#include <caf/all.hpp>

namespace commerce::actors {

caf::actor spawn_cluster_endpoint(caf::actor_system& system, std::shared_ptr<const service_directory> directory,
                                  std::shared_ptr<const protocols::shard_table> shards) {
  auto& registry = metrics::registry::global();
  auto& received = registry.get_counter("commerce_cluster_forwarded_in_total",
                                        "Messages other nodes forwarded to this node's entities");
  auto& unreadable = registry.get_counter(
      "commerce_cluster_unreadable_total",
      "Forwarded messages refused because their type is not registered on this node");
  return system.spawn([directory, shards, &received, &unreadable](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=, &received, &unreadable](protocols::forward_atom, const std::string& stream_type, const std::string& id,
                                    caf::message& message) {
          received.add();
          const auto& self_id = shards->view()->self;
          // CAF 0.17 reads a nested message of a type it does not know as an empty message,
          // without an error: refused here, so the asker learns why instead of waiting.
          if (message.empty()) {
            unreadable.add();
            self->make_response_promise().deliver(caf::make_error(
                caf::sec::unknown_type, "node " + self_id + " cannot read the message forwarded for " + stream_type +
                                            "/" + id + ": its type is not registered here"));
            return;
          }
          const auto region = directory->get<caf::actor>(stream_type);
          if (!region) {
            self->make_response_promise().deliver(caf::make_error(
                caf::sec::request_receiver_down, "node " + self_id + " has no " + stream_type + " region now"));
            return;
          }
          // The region serves it, or (the sender's view lagged a move) holds it until the new
          // owner is known and sends it on: a node that claimed a shard never names another.
          self->delegate(region, std::move(message));
        },
    };
  });
}

}  // namespace commerce::actors
