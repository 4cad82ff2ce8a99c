// A supervisor as Erlang/OTP specifies one, configured by data: child specs started in order,
// a restart strategy, a restart intensity (at most `max_restarts` in `within`; beyond it the
// supervisor stops its children and exits with `supervisor_gave_up`, for its own parent to
// handle), and Akka-style backoff before each restart.
//
// Children are monitored, never linked: `kill` travels through links and cannot be trapped
// (see TOOLCHAIN-NOTES), and a DOWN from a child we already replaced or stopped is ignored, so
// a duplicate DOWN cannot restart anything twice.
//
// spawn_supervisor starts the children, in order, before it returns, so the start function of a
// later child may use what an earlier one registered (that is how the node wires its tree).
//
//   request(supervisor, t, get_atom) -> supervision_tree (this supervisor and all below it)
#pragma once

#include "supervision/backoff.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>
#include <caf/meta/type_name.hpp>

#include <chrono>
#include <functional>
#include <string>
#include <vector>

namespace commerce::supervision {

enum class restart_type {
  permanent,  // always restarted
  transient,  // restarted only after an abnormal exit
  temporary,  // never restarted
};

enum class restart_strategy {
  one_for_one,   // restart the child that stopped
  one_for_all,   // stop all others (in reverse order), restart all (in order)
  rest_for_one,  // stop those started after it (in reverse order), restart it and them
};

enum class child_type { worker, supervisor };

struct child_spec {
  std::string id;
  std::function<caf::actor(caf::actor_system&)> start;
  restart_type restart = restart_type::permanent;
  // How long a child asked to stop may take before it is killed.
  std::chrono::milliseconds shutdown{5'000};
  child_type type = child_type::worker;  // a supervisor's own tree is included in reports
};

struct supervisor_spec {
  std::string name;
  restart_strategy strategy = restart_strategy::one_for_one;
  int max_restarts = 3;
  std::chrono::milliseconds within{5'000};
  backoff_policy backoff;
  std::vector<child_spec> children;
  // The jitter's random draw in [0, 1); tests pin it.
  std::function<double()> uniform01;
};

// What operators see (GET /admin/actors): one node per supervisor or worker.
struct supervision_tree {
  std::string id;
  std::string type;      // "supervisor" | "worker"
  std::string strategy;  // supervisors only
  std::string state;     // "running" | "restarting" | "stopped"
  int restarts = 0;      // since the node started
  std::vector<supervision_tree> children;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, supervision_tree& x) {
  return f(caf::meta::type_name("supervision_tree"), x.id, x.type, x.strategy, x.state, x.restarts, x.children);
}

// The exit reason of a supervisor whose restart budget is spent.
caf::error supervisor_gave_up(const std::string& name);

caf::actor spawn_supervisor(caf::actor_system& system, supervisor_spec spec);

}  // namespace commerce::supervision
