// commerced: one node of the commerce runtime. Wiring only: configuration, the schema, the
// actor system with the node's supervision tree (node_tree.hpp) and the HTTP server, then wait
// for SIGINT or SIGTERM — or for the tree to give up, which ends the node with exit status 1.
#include "actors/gateway.hpp"
#include "adapters/http/server.hpp"
#include "adapters/postgres/cluster_membership.hpp"
#include "adapters/postgres/migrations.hpp"
#include "apps/commerced/cluster_links.hpp"
#include "apps/commerced/node_tree.hpp"
#include "common/log.hpp"
#include "common/problem.hpp"
#include "common/secure.hpp"
#include "common/stop_signals.hpp"
#include "config/config.hpp"

#include <caf/all.hpp>

#include <climits>
#include <cstdlib>
#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <optional>
#include <string>
#include <thread>

#ifndef COMMERCE_VERSION
#define COMMERCE_VERSION "0.0.0"
#endif

namespace {

using namespace commerce;

constexpr const char* usage = R"(commerced — a node of the commerce runtime

usage: commerced [--config FILE]
       commerced --print-defaults | --help | --version

  --config FILE      read settings from FILE (INI: [section] and key = value lines)
  --print-defaults   print the default configuration, every key documented, and exit
  --help             print this help and exit
  --version          print the version and exit

Every key can be overridden from the environment as COMMERCED_<SECTION>_<KEY>,
e.g. http.port → COMMERCED_HTTP_PORT=18080. See config/commerced.conf.
)";

struct arguments {
  std::optional<std::string> config_file;
  bool print_defaults = false;
  bool help = false;
  bool version = false;
};

// Returns nullopt (after printing why) on a bad command line.
std::optional<arguments> parse_arguments(int argc, char** argv) {
  arguments args;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (arg == "--help" || arg == "-h") args.help = true;
    else if (arg == "--version") args.version = true;
    else if (arg == "--print-defaults") args.print_defaults = true;
    else if (arg == "--config" && i + 1 < argc) args.config_file = argv[++i];
    else if (arg.rfind("--config=", 0) == 0) args.config_file = arg.substr(9);
    else {
      std::fprintf(stderr, "commerced: unknown argument '%s'\n\n%s", arg.c_str(), usage);
      return std::nullopt;
    }
  }
  return args;
}

// A token of 128 bits from the CSPRNG, written where only the node's user can read it. The log
// names the file, never the token: logs are shipped and kept where more people can read them.
void generate_admin_token(config::node_config& node) {
  node.admin_token = secure::random_hex(16);
  secure::write_private_file(node.admin_token_file, node.admin_token + "\n");
  char resolved[PATH_MAX];
  const std::string shown = ::realpath(node.admin_token_file.c_str(), resolved) ? resolved : node.admin_token_file;
  log::info("generated an admin token (set admin.token or COMMERCED_ADMIN_TOKEN to choose one)",
            {{"admin_token_file", shown}});
}

// cluster.node_id, or the one kept in cluster.node_id_file, made on the first start: a node keeps
// its name across restarts of the same data directory (CAF's own node ids change with the pid).
void resolve_node_id(config::node_config& node) {
  if (!node.cluster.node_id.empty()) return;
  std::ifstream in(node.cluster.node_id_file);
  if (in >> node.cluster.node_id && !node.cluster.node_id.empty()) return;
  node.cluster.node_id = "node-" + secure::random_hex(4);
  try {
    secure::write_private_file(node.cluster.node_id_file, node.cluster.node_id + "\n");
  } catch (const std::exception& e) {
    if (node.cluster.enabled) throw;  // a cluster's node must keep its name
    log::warn("node id not kept (a new one at each start)", {{"error", e.what()}});
  }
}


void configure_actor_system(caf::actor_system_config& cfg, const config::node_config& node) {
  cfg.set("scheduler.max-threads", node.scheduler_max_threads);
  cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{node.scheduler_moderate_sleep});
  cfg.set("logger.verbosity", caf::atom("quiet"));
  actors::add_message_types(cfg);  // ready for the cluster: every node knows every message
}

// A cluster node's stop begins as a planned leave: it hands every shard over (the others take
// them, and meanwhile hold or forward what comes for them) while it still serves, so that no
// request fails for the move. Bounded: after two leases it stops anyway (the others then take the
// shards when its lease runs out).
void hand_over_shards(caf::actor_system& system, const actors::service_directory& directory,
                      const protocols::shard_table& shards, std::chrono::milliseconds lease) {
  const auto membership = directory.get<caf::actor>(node::membership_name);
  if (!membership) return;
  caf::scoped_actor self{system};
  self->request(membership, std::chrono::seconds(5), protocols::leave_atom::value, shards.view()->self)
      .receive([](bool) {}, [](caf::error&) {});
  // Until every shard has another owner (this node's own rounds read the claims)...
  const auto until = std::chrono::steady_clock::now() + 2 * lease;
  auto not_taken = [&] {
    const auto view = shards.view();
    return std::count_if(view->owners.begin(), view->owners.end(),
                         [&](const std::string& owner) { return owner.empty() || owner == view->self; });
  };
  auto others_up = [&] {
    const auto view = shards.view();
    return std::any_of(view->nodes.begin(), view->nodes.end(),
                       [&](const protocols::cluster_member& n) { return n.id != view->self && n.status == "up"; });
  };
  // (When the whole cluster stops, nobody is left to take them: no wait.)
  while (not_taken() > 0 && others_up() && std::chrono::steady_clock::now() < until)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  // ...and one more round of the others, so that what they still send here is sent on.
  if (others_up()) std::this_thread::sleep_for(lease / 3 + std::chrono::milliseconds(200));
  log::info("shards handed over", {{"not_taken", not_taken()}});
}

// Waits until the journal writer has stopped, so that the batch it was committing is committed;
// appends still queued behind it were never answered, so no client took them for done.
void wait_for_journal_writer(caf::actor_system& system, const caf::actor& writer) {
  if (!writer) return;
  caf::scoped_actor self{system};
  self->monitor(writer);
  bool stopped = false;
  self->receive_while([&] { return !stopped; })(
      [&](caf::down_msg& down) { stopped = down.source == writer.address(); },
      caf::after(std::chrono::seconds(15)) >> [&] {
        log::warn("the journal writer did not stop within 15 s; exiting anyway");
        stopped = true;
      });
}

int run(const config::node_config& node) {
  const stop_signals stop;  // before any thread starts

  {
    log::info("connecting to PostgreSQL", {{"host", node.postgres.host}, {"port", node.postgres.port},
                                           {"database", node.postgres.database}});
    auto db = adapters::postgres::connection::wait_for(node.postgres.conninfo(), node.postgres.connect_timeout);
    const auto applied = adapters::postgres::migrate(db);
    boost::json::array versions(applied.begin(), applied.end());
    log::info("schema up to date", {{"applied", versions},
                                    {"latest", adapters::postgres::migrations().back().version}});
  }

  auto shards = std::make_shared<protocols::shard_table>(node.cluster.node_id, node.cluster.shards);
  if (node.cluster.enabled) shards->await_membership();
  auto peers = std::make_shared<protocols::cluster_peers>();
  caf::actor_system_config cfg;
  configure_actor_system(cfg, node);
  if (node.cluster.enabled) node::configure_cluster_links(cfg);
  caf::actor_system system{cfg};

  auto directory = std::make_shared<actors::service_directory>();
  if (node.cluster.enabled) {
    // The endpoint listens before the node joins: one that cannot would own shards nobody reaches.
    try {
      node::start_cluster_links(system, node, directory, shards, peers);
    } catch (const std::exception& e) {
      log::error("commerced failed", {{"error", e.what()}});
      std::fflush(nullptr);
      std::_Exit(1);  // no actor of the tree runs yet; the system's destructor would wait on the links
    }
    adapters::postgres::join_cluster(node.postgres.conninfo(), node::membership_of(node));
    log::info("joined the cluster", {{"node", node.cluster.node_id}, {"shards", node.cluster.shards}});
  }
  auto root = node::spawn_node_tree(system, node, COMMERCE_VERSION, directory, shards, peers);
  // The tree stopping by itself means its restart budget is spent: say why, then stop the node
  // (the signal wakes the sigwait below) and exit non-zero rather than limp on.
  auto tree_gave_up = std::make_shared<std::atomic<bool>>(false);
  auto watcher = system.spawn([root, tree_gave_up](caf::event_based_actor* self) -> caf::behavior {
    self->monitor(root);
    self->set_down_handler([self, tree_gave_up](caf::down_msg& down) {
      if (down.reason == caf::exit_reason::user_shutdown) return self->quit();
      log::error("supervision tree gave up, stopping the node", {{"reason", self->system().render(down.reason)}});
      *tree_gave_up = true;
      kill(getpid(), SIGTERM);
      self->quit();
    });
    return {[](caf::ok_atom) {}};
  });

  adapters::http::server_options http_options;
  http_options.address = node.http.address;
  http_options.port = node.http.port;
  http_options.body_limit = node.http.body_limit;
  http_options.header_limit = node.http.header_limit;
  http_options.read_timeout = node.http.read_timeout;
  http_options.idle_timeout = node.http.idle_timeout;
  http_options.max_connections = node.http.max_connections;
  http_options.max_in_flight = node.http.max_in_flight;
  http_options.shutdown_grace = node.http.shutdown_grace;
  http_options.stream_buffer_limit = node.live.max_buffered;
  adapters::http::server http(http_options, [directory](http_request request, http_responder respond) {
    auto gateway = directory->get<caf::actor>(node::gateway_name);
    if (!gateway) {  // between a failure and the restart of the gateway
      auto busy = problem(503, "unavailable", "Service unavailable", "the node is restarting");
      busy.headers.emplace_back("Retry-After", "1");
      return respond(std::move(busy));
    }
    actors::send_to_gateway(gateway, std::move(request), std::move(respond));
  });
  try {
    http.start();
  } catch (const std::exception& e) {
    // The tree runs (and in a cluster owns shards): leave at once rather than wait for it.
    log::error("commerced failed", {{"error", e.what()}});
    if (node.cluster.enabled) {
      try {
        adapters::postgres::leave_cluster(node.postgres.conninfo(), node.cluster.node_id);
      } catch (const std::exception&) {
        // its lease runs out instead
      }
    }
    std::fflush(nullptr);
    std::_Exit(1);
  }
  log::info("commerced listening", {{"address", node.http.address}, {"port", http.port()},
                                    {"version", COMMERCE_VERSION},
                                    {"scheduler_threads", node.scheduler_max_threads}});

  const int signal = stop.wait();
  if (!*tree_gave_up) log::info("stopping", {{"signal", signal == SIGINT ? "SIGINT" : "SIGTERM"}});
  if (node.cluster.enabled && !*tree_gave_up) hand_over_shards(system, *directory, *shards, node.cluster.lease);
  // In-flight requests are answered first (the actors are still up), new ones refused.
  http.stop();
  // The root stops its children last-started first: streams, search, event handlers, gateway,
  // timers, read models, entities, storage.
  const auto writer = directory->get<caf::actor>(node::journal_writer_name);  // before it leaves the directory
  caf::anon_send_exit(root, caf::exit_reason::user_shutdown);
  wait_for_journal_writer(system, writer);
  if (node.cluster.enabled) {
    try {
      adapters::postgres::leave_cluster(node.postgres.conninfo(), node.cluster.node_id);
      log::info("left the cluster: its shards move now", {{"node", node.cluster.node_id}});
    } catch (const std::exception& e) {
      log::warn("cluster leave failed; the shards move when the lease runs out", {{"error", e.what()}});
    }
  }
  log::info("stopped");
  // Entities keep nothing that is not journaled (they answer only once their events are
  // durable), so the node does not wait for each of its actors to stop: with 100,000 entities in
  // memory that took 5-19 s of CAF's scheduler. Once the journal writer has finished its last
  // batch the process ends here, without running the actor system's destructor (which would
  // wait for every actor) nor the server's (responders may still post into it).
  std::fflush(nullptr);
  std::_Exit(*tree_gave_up ? 1 : 0);
}

}  // namespace

int main(int argc, char** argv) {
  const auto args = parse_arguments(argc, argv);
  if (!args) return 2;
  if (args->help) return std::fputs(usage, stdout), 0;
  if (args->version) return std::printf("commerced %s\n", COMMERCE_VERSION), 0;
  if (args->print_defaults) return std::fputs(config::default_file(), stdout), 0;

  try {
    auto node = config::load(args->config_file);
    log::level level;
    log::parse_level(node.log_level, level);
    log::set_level(level);
    if (node.admin_token.empty()) generate_admin_token(node);
    resolve_node_id(node);
    return run(node);
  } catch (const adapters::postgres::cluster_mismatch& e) {
    log::error("cannot join the cluster", {{"error", e.what()}});
    return 2;
  } catch (const config::config_error& e) {
    log::error("bad configuration", {{"error", e.what()}});
    return 2;
  } catch (const std::exception& e) {
    log::error("commerced failed", {{"error", e.what()}});
    return 1;
  }
}
