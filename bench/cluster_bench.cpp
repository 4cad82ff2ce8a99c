// Messages forwarded between two nodes over CAF's middleman, pipelined, as a region forwards
// them (actors/shard_region.hpp): this program is the forwarding node. It connects to a node's
// cluster endpoint and keeps WINDOW gets of carts that node owns in flight for SECONDS; each
// goes through the node's endpoint, region and entity (answered from memory, so PostgreSQL is
// not what is measured) and its entity_reply comes back.
//
//   cluster_bench forward PORT CARTS_FILE SECONDS WINDOW
//   cluster_bench echo                      (the limit: publishes an actor that answers every
//                                            forward with a cart's reply at once; prints its port)
// `forward` prints one line: forward_rps=… forward_p50_ms=… forward_p99_ms=… failures=…
#include "actors/kinds/kind_module.hpp"
#include "domain/cart.hpp"
#include "protocols/cluster.hpp"
#include "protocols/kind_messages.hpp"

#include <caf/all.hpp>
#include <caf/io/all.hpp>

#include <algorithm>
#include <chrono>
#include <fstream>
#include <iostream>
#include <string>
#include <vector>

using namespace commerce;
using clock_type = std::chrono::steady_clock;
using cart_reply = protocols::entity_reply<domain::cart_decider>;

namespace {

struct config : caf::actor_system_config {
  config() {
    load<caf::io::middleman>();
    actors::add_message_types(*this);
  }
};

struct figures {
  std::uint64_t answered = 0, failed = 0;
  std::vector<double> latencies_ms;
};

struct blaster_state {
  std::vector<std::string> carts;
  std::size_t next = 0;
  clock_type::time_point until;
  figures result;
  std::size_t in_flight = 0;
  caf::actor done_to;
};

// Keeps `window` forwards in flight until `until`, then reports to `done_to`.
caf::behavior blaster(caf::stateful_actor<blaster_state>* self, caf::actor endpoint, std::vector<std::string> carts,
                      std::chrono::seconds duration, std::size_t window, caf::actor done_to) {
  auto& st = self->state;
  st.carts = std::move(carts);
  st.until = clock_type::now() + duration;
  st.done_to = std::move(done_to);
  auto send_one = std::make_shared<std::function<void()>>();
  *send_one = [self, endpoint, send_one] {
    auto& st = self->state;
    if (clock_type::now() >= st.until) {
      if (st.in_flight == 0) self->send(st.done_to, st.result.answered, st.result.failed, st.result.latencies_ms), self->quit();
      return;
    }
    const auto& id = st.carts[st.next++ % st.carts.size()];
    ++st.in_flight;
    const auto sent = clock_type::now();
    auto answered = [self, sent, send_one](bool ok) {
      auto& st = self->state;
      --st.in_flight;
      (ok ? st.result.answered : st.result.failed)++;
      st.result.latencies_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - sent).count());
      (*send_one)();
    };
    self->request(endpoint, std::chrono::seconds(10), protocols::forward_atom::value, std::string("cart"), id,
                  caf::make_message(protocols::entity_get<domain::cart_decider>{id}))
        .then([answered](cart_reply& r) { answered(r.status == protocols::entity_status::accepted); },
              [answered](caf::error&) { answered(false); });
  };
  for (std::size_t i = 0; i < window; ++i) (*send_one)();
  return {[](caf::unit_t) {}};
}

double percentile(std::vector<double>& v, double p) {
  if (v.empty()) return 0;
  const auto k = static_cast<std::size_t>(p * static_cast<double>(v.size() - 1));
  std::nth_element(v.begin(), v.begin() + static_cast<std::ptrdiff_t>(k), v.end());
  return v[k];
}

int forward(std::uint16_t port, const std::string& carts_file, int seconds, std::size_t window) {
  std::vector<std::string> carts;
  std::ifstream in(carts_file);
  for (std::string line; std::getline(in, line);)
    if (!line.empty()) carts.push_back(line);
  if (carts.empty()) return std::cerr << "no carts in " << carts_file << "\n", 1;
  config cfg;
  caf::actor_system system{cfg};
  auto endpoint = system.middleman().remote_actor("127.0.0.1", port);
  if (!endpoint) return std::cerr << "cannot reach 127.0.0.1:" << port << ": " << system.render(endpoint.error()) << "\n", 1;
  // Warm up: every cart once, so their entities are in memory.
  {
    caf::scoped_actor warm{system};
    for (const auto& id : carts)
      warm->request(*endpoint, std::chrono::seconds(10), protocols::forward_atom::value, std::string("cart"), id,
                    caf::make_message(protocols::entity_get<domain::cart_decider>{id}))
          .receive([](cart_reply&) {}, [&](caf::error& e) { std::cerr << "warm-up: " << system.render(e) << "\n"; });
  }
  caf::scoped_actor waiter{system};
  const auto started = clock_type::now();
  system.spawn(blaster, *endpoint, carts, std::chrono::seconds(seconds), window, caf::actor{waiter});
  figures f;
  waiter->receive([&](std::uint64_t answered, std::uint64_t failed, std::vector<double>& latencies) {
    f.answered = answered;
    f.failed = failed;
    f.latencies_ms = std::move(latencies);
  });
  const double elapsed = std::chrono::duration<double>(clock_type::now() - started).count();
  std::printf("forward_rps=%.0f forward_p50_ms=%.2f forward_p99_ms=%.2f failures=%llu window=%zu\n",
              static_cast<double>(f.answered) / elapsed, percentile(f.latencies_ms, 0.5),
              percentile(f.latencies_ms, 0.99), static_cast<unsigned long long>(f.failed), window);
  return 0;
}

// Answers every forward with a cart holding one line, at once: the middleman and serialisation
// both ways, nothing else.
int echo() {
  config cfg;
  caf::actor_system system{cfg};
  cart_reply reply;
  reply.state = domain::cart_decider::evolve(
      domain::cart_decider::initial("cart_0123456789abcdef"),
      domain::cart_event{domain::cart_created{"EUR", "", "", domain::timestamp{1'763'740'800'000}}});
  reply.state = domain::cart_decider::evolve(
      reply.state, domain::cart_event{domain::cart_line_set{"S1", 1, {1000, "EUR"}, true, domain::timestamp{1'763'740'800'000}}});
  reply.version = 2;
  reply.served_by = "echo";
  auto actor = system.spawn([reply](caf::event_based_actor*) -> caf::behavior {
    return {[reply](protocols::forward_atom, const std::string&, const std::string&, const caf::message&) { return reply; }};
  });
  auto port = system.middleman().publish(actor, 0, "127.0.0.1", true);
  if (!port) return std::cerr << "cannot publish: " << system.render(port.error()) << "\n", 1;
  std::printf("%u\n", static_cast<unsigned>(*port));
  std::fflush(stdout);
  std::string line;
  std::getline(std::cin, line);  // until stdin closes
  caf::anon_send_exit(actor, caf::exit_reason::user_shutdown);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  const std::string mode = argc > 1 ? argv[1] : "";
  if (mode == "echo" && argc == 2) return echo();
  if (mode == "forward" && argc == 6)
    return forward(static_cast<std::uint16_t>(std::stoi(argv[2])), argv[3], std::stoi(argv[4]),
                   static_cast<std::size_t>(std::stoul(argv[5])));
  std::cerr << "usage: cluster_bench forward PORT CARTS_FILE SECONDS WINDOW | cluster_bench echo\n";
  return 2;
}
