#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <deque>
#include <random>

namespace commerce::supervision {
namespace {

using restart_atom = caf::atom_constant<caf::atom("restart")>;
using time_point = caf::actor_clock::time_point;

struct child {
  child_spec spec;
  caf::actor handle;  // none while stopped or waiting to be restarted
  int attempt = 0;    // restarts in a row; back to 0 once it stayed up for backoff.reset_after
  time_point started{};
  int restarts = 0;
  bool removed = false;  // a temporary or finished transient child: never started again
};

struct supervisor_state {
  supervisor_spec spec;
  std::vector<child> children;
  std::deque<time_point> restarts;  // within the intensity window
  static inline const char* name = "supervisor";
};

using supervisor_actor = caf::stateful_actor<supervisor_state>;

time_point now(supervisor_actor* self) { return self->clock().now(); }

void watch(supervisor_actor* self, child& c, caf::actor handle) {
  c.handle = std::move(handle);
  c.started = now(self);
  self->monitor(c.handle);
}

// Stops a running child without it counting as a failure: its DOWN is no longer awaited.
void stop_child(supervisor_actor* self, child& c) {
  if (!c.handle) return;
  self->demonitor(c.handle);
  if (c.spec.shutdown.count() == 0) {
    self->send_exit(c.handle, caf::exit_reason::kill);
  } else {
    self->send_exit(c.handle, caf::exit_reason::user_shutdown);
    // `user_shutdown` can be trapped; `kill` cannot. Harmless if the child is already gone.
    self->delayed_anon_send(c.handle, c.spec.shutdown, caf::exit_msg{self->address(), caf::exit_reason::kill});
  }
  c.handle = nullptr;
}

void stop_all(supervisor_actor* self) {
  auto& children = self->state.children;
  for (auto it = children.rbegin(); it != children.rend(); ++it) stop_child(self, *it);
}

// Which children restart along with child `i`, in start order.
std::vector<std::size_t> affected_by(const supervisor_state& st, std::size_t i) {
  std::vector<std::size_t> out;
  switch (st.spec.strategy) {
    case restart_strategy::one_for_one: out.push_back(i); break;
    case restart_strategy::one_for_all:
      for (std::size_t k = 0; k < st.children.size(); ++k) out.push_back(k);
      break;
    case restart_strategy::rest_for_one:
      for (std::size_t k = i; k < st.children.size(); ++k) out.push_back(k);
      break;
  }
  return out;
}

// Counts a restart; false when that spends more than the budget.
bool within_budget(supervisor_actor* self) {
  auto& st = self->state;
  const auto t = now(self);
  st.restarts.push_back(t);
  while (!st.restarts.empty() && st.restarts.front() <= t - st.spec.within) st.restarts.pop_front();
  return static_cast<int>(st.restarts.size()) <= st.spec.max_restarts;
}

void on_child_down(supervisor_actor* self, const caf::down_msg& down) {
  auto& st = self->state;
  std::size_t i = 0;
  while (i < st.children.size() && st.children[i].handle.address() != down.source) ++i;
  if (i == st.children.size()) return;  // a child already replaced or stopped: nothing to do
  auto& failed = st.children[i];
  failed.handle = nullptr;
  const bool normal = down.reason == caf::exit_reason::normal;
  if (failed.spec.restart == restart_type::temporary ||
      (failed.spec.restart == restart_type::transient && normal)) {
    failed.removed = true;
    return;
  }
  if (!within_budget(self)) {
    stop_all(self);
    self->quit(supervisor_gave_up(st.spec.name));
    return;
  }
  if (now(self) - failed.started >= st.spec.backoff.reset_after) failed.attempt = 0;
  const auto delay = backoff_delay(st.spec.backoff, failed.attempt++, st.spec.uniform01());
  auto affected = affected_by(st, i);
  for (auto it = affected.rbegin(); it != affected.rend(); ++it) {
    auto& c = st.children[*it];
    if (c.spec.restart == restart_type::temporary && c.handle) {
      c.removed = true;  // as in OTP: a temporary child is not brought back with its siblings
    }
    stop_child(self, c);
  }
  std::vector<std::uint64_t> indexes(affected.begin(), affected.end());
  self->delayed_send(self, delay, restart_atom::value, std::move(indexes));
}

const char* to_string(restart_strategy s) {
  switch (s) {
    case restart_strategy::one_for_one: return "one_for_one";
    case restart_strategy::one_for_all: return "one_for_all";
    case restart_strategy::rest_for_one: return "rest_for_one";
  }
  return "";
}

// This supervisor's tree, with the subtrees of its running child supervisors asked for.
caf::result<supervision_tree> report(supervisor_actor* self) {
  auto& st = self->state;
  auto tree = std::make_shared<supervision_tree>();
  tree->id = st.spec.name;
  tree->type = "supervisor";
  tree->strategy = to_string(st.spec.strategy);
  tree->state = "running";
  for (const auto& c : st.children) {
    supervision_tree node;
    node.id = c.spec.id;
    node.type = c.spec.type == child_type::supervisor ? "supervisor" : "worker";
    node.state = c.handle ? "running" : c.removed ? "stopped" : "restarting";
    node.restarts = c.restarts;
    tree->children.push_back(std::move(node));
  }
  auto waiting = std::make_shared<std::size_t>(0);
  for (const auto& c : st.children) *waiting += c.handle && c.spec.type == child_type::supervisor;
  if (*waiting == 0) return *tree;
  auto promise = self->make_response_promise<supervision_tree>();
  for (std::size_t i = 0; i < st.children.size(); ++i) {
    const auto& c = st.children[i];
    if (!c.handle || c.spec.type != child_type::supervisor) continue;
    auto done = [tree, waiting, promise]() mutable {
      if (--*waiting == 0) promise.deliver(*tree);
    };
    self->request(c.handle, std::chrono::seconds(2), caf::get_atom::value)
        .then(
            [tree, i, done](supervision_tree& sub) mutable {
              auto& node = tree->children[i];
              node.strategy = std::move(sub.strategy);
              node.children = std::move(sub.children);
              done();
            },
            [done](caf::error&) mutable { done(); });  // shown without its children
  }
  return promise;
}

caf::behavior supervisor(supervisor_actor* self, supervisor_spec spec, std::vector<caf::actor> started) {
  auto& st = self->state;
  if (!spec.uniform01)
    spec.uniform01 = [random = std::make_shared<std::mt19937_64>(std::random_device{}())] {
      return std::uniform_real_distribution<double>(0, 1)(*random);
    };
  st.spec = std::move(spec);
  for (const auto& c : st.spec.children) {
    st.children.emplace_back();
    st.children.back().spec = c;
  }
  // Started by spawn_supervisor; one that already stopped sends its DOWN at once.
  for (std::size_t i = 0; i < started.size(); ++i) watch(self, st.children[i], std::move(started[i]));
  self->set_down_handler([self](caf::down_msg& down) { on_child_down(self, down); });
  // Asked to stop (by its parent): children go first, last started first.
  self->set_exit_handler([self](caf::exit_msg& exit) {
    stop_all(self);
    self->quit(std::move(exit.reason));
  });
  return {
      [self](restart_atom, const std::vector<std::uint64_t>& indexes) {
        for (auto i : indexes) {
          auto& c = self->state.children[i];
          if (c.removed || c.handle) continue;
          watch(self, c, c.spec.start(self->system()));
          ++c.restarts;
        }
      },
      [self](caf::get_atom) { return report(self); },
  };
}

}  // namespace

caf::error supervisor_gave_up(const std::string& name) {
  return caf::make_error(caf::sec::runtime_error, "supervisor " + name + " gave up: restart budget spent");
}

caf::actor spawn_supervisor(caf::actor_system& system, supervisor_spec spec) {
  std::vector<caf::actor> started;
  for (const auto& c : spec.children) started.push_back(c.start(system));
  return system.spawn(supervisor, std::move(spec), std::move(started));
}

}  // namespace commerce::supervision
