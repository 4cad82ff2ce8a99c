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

void start_child(supervisor_actor* self, child& c) {
  c.handle = c.spec.start(self->system());
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

caf::behavior supervisor(supervisor_actor* self, supervisor_spec spec) {
  auto& st = self->state;
  if (!spec.uniform01)
    spec.uniform01 = [random = std::make_shared<std::mt19937_64>(std::random_device{}())] {
      return std::uniform_real_distribution<double>(0, 1)(*random);
    };
  st.spec = std::move(spec);
  for (const auto& c : st.spec.children) st.children.push_back({c});
  for (auto& c : st.children) start_child(self, c);
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
          if (!c.removed && !c.handle) start_child(self, c);
        }
      },
      // The children as operators see them: id → running.
      [self](caf::get_atom) {
        std::vector<std::pair<std::string, bool>> out;
        for (const auto& c : self->state.children) out.emplace_back(c.spec.id, static_cast<bool>(c.handle));
        return out;
      },
  };
}

}  // namespace

caf::error supervisor_gave_up(const std::string& name) {
  return caf::make_error(caf::sec::runtime_error, "supervisor " + name + " gave up: restart budget spent");
}

caf::actor spawn_supervisor(caf::actor_system& system, supervisor_spec spec) {
  return system.spawn(supervisor, std::move(spec));
}

}  // namespace commerce::supervision
