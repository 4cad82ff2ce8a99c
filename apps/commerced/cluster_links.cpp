#include "apps/commerced/cluster_links.hpp"

#include "actors/cluster_endpoint.hpp"
#include "common/log.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <set>

namespace commerce::node {
namespace {

constexpr std::chrono::milliseconds connect_every{300};

struct connector_state {
  std::shared_ptr<const protocols::shard_table> shards;
  std::shared_ptr<protocols::cluster_peers> peers;
  std::map<caf::actor_addr, std::string> connected;  // proxies, by the node they reach
  static inline const char* name = "cluster_links";
};

// Connects to each node that is up and not connected yet; forgets a node once it is down (its
// proxy's DOWN message) or gone from the view.
void connect_round(caf::stateful_actor<connector_state>* self) {
  auto& st = self->state;
  const auto view = st.shards->view();
  std::set<std::string> up;
  for (const auto& n : view->nodes)
    if (n.status == "up" && n.id != view->self) up.insert(n.id);
  for (auto it = st.connected.begin(); it != st.connected.end();) {
    if (up.count(it->second)) {
      ++it;
      continue;
    }
    st.peers->set(it->second, {});
    it = st.connected.erase(it);
  }
  for (const auto& n : view->nodes) {
    if (!up.count(n.id) || st.peers->has(n.id)) continue;
    const auto colon = n.address.rfind(':');
    if (colon == std::string::npos) continue;
    auto endpoint = self->system().middleman().remote_actor(
        n.address.substr(0, colon), static_cast<std::uint16_t>(std::stoul(n.address.substr(colon + 1))));
    if (!endpoint) {
      log::warn("cannot reach a cluster node", {{"node", n.id}, {"address", n.address},
                                                {"error", self->system().render(endpoint.error())}});
      continue;
    }
    self->monitor(*endpoint);
    st.connected.emplace(endpoint->address(), n.id);
    st.peers->set(n.id, *endpoint);
    log::info("connected to a cluster node", {{"node", n.id}, {"address", n.address}});
  }
}

caf::behavior connector(caf::stateful_actor<connector_state>* self, std::shared_ptr<const protocols::shard_table> shards,
                        std::shared_ptr<protocols::cluster_peers> peers) {
  self->state.shards = std::move(shards);
  self->state.peers = std::move(peers);
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& st = self->state;
    if (auto it = st.connected.find(down.source); it != st.connected.end()) {
      log::warn("lost a cluster node", {{"node", it->second}});
      st.peers->set(it->second, {});
      st.connected.erase(it);
    }
  });
  self->send(self, caf::tick_atom::value);
  return {
      [self](caf::tick_atom) {
        connect_round(self);
        self->delayed_send(self, connect_every, caf::tick_atom::value);
      },
  };
}

}  // namespace

void configure_cluster_links(caf::actor_system_config& cfg) {
  cfg.load<caf::io::middleman>();
  cfg.set("middleman.heartbeat-interval", caf::timespan{std::chrono::milliseconds(200)});
  cfg.set("middleman.connection-timeout", caf::timespan{std::chrono::seconds(1)});
}

void start_cluster_links(caf::actor_system& system, const config::node_config& config,
                         std::shared_ptr<const actors::service_directory> directory,
                         std::shared_ptr<const protocols::shard_table> shards,
                         std::shared_ptr<protocols::cluster_peers> peers) {
  auto endpoint = actors::spawn_cluster_endpoint(system, std::move(directory), shards);
  auto port = system.middleman().publish(endpoint, config.cluster.port, config.cluster.address.c_str(), true);
  if (!port)
    throw std::runtime_error("cannot listen for the cluster on " + config.cluster.address + ":" +
                             std::to_string(config.cluster.port) + ": " + system.render(port.error()));
  log::info("cluster endpoint listening", {{"address", config.cluster.address}, {"port", *port}});
  system.spawn<caf::detached>(connector, std::move(shards), std::move(peers));
}

}  // namespace commerce::node
