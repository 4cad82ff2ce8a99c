#include "actors/cluster_endpoint.hpp"

#include "common/metrics.hpp"

#include <caf/all.hpp>

namespace commerce::actors {

caf::actor spawn_cluster_endpoint(caf::actor_system& system, std::shared_ptr<const service_directory> directory,
                                  std::shared_ptr<const protocols::shard_table> shards) {
  auto& received = metrics::registry::global().get_counter(
      "commerce_cluster_forwarded_in_total", "Messages other nodes forwarded to this node's entities");
  return system.spawn([directory, shards, &received](caf::event_based_actor* self) -> caf::behavior {
    (void)shards;
    return {
        [=, &received](protocols::forward_atom, const std::string& stream_type, const std::string& id,
                       caf::message& message) {
          received.add();
          const auto region = directory->get<caf::actor>(stream_type);
          if (!region) {
            self->make_response_promise().deliver(caf::make_error(
                caf::sec::request_receiver_down, "node " + shards->view()->self + " has no " + stream_type + " region now"));
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
