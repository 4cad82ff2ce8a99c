// The supervisor on CAF's deterministic test scheduler: no threads, no sleeps. Time moves only
// when a test triggers the next timeout, so every restart delay is read off the clock exactly.
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>
#include <caf/scheduler/test_coordinator.hpp>
#include <catch2/catch.hpp>

#include <map>

using namespace commerce::supervision;
using namespace std::chrono_literals;

namespace {

// What happened to the children, in order: "start a", "start b", …
struct journal_of_children {
  std::vector<std::string> events;
  std::map<std::string, caf::actor> current;
};

caf::behavior idle_child(caf::event_based_actor*) {
  return {[](caf::ok_atom) {}};
}

struct fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  caf::scheduler::test_coordinator* sched = nullptr;
  std::shared_ptr<journal_of_children> log = std::make_shared<journal_of_children>();
  std::shared_ptr<caf::error> supervisor_exit = std::make_shared<caf::error>();
  bool supervisor_down = false;
  caf::actor parent;  // held: an actor nobody references is cleaned up

  fixture() {
    cfg.set("scheduler.policy", caf::atom("testing"));
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
    sched = &dynamic_cast<caf::scheduler::test_coordinator&>(system->scheduler());
  }

  child_spec child(const std::string& id, restart_type restart = restart_type::permanent) {
    return {id,
            [log = log, id](caf::actor_system& sys) {
              auto a = sys.spawn(idle_child);
              log->events.push_back("start " + id);
              log->current[id] = a;
              return a;
            },
            restart, 0ms};
  }

  supervisor_spec spec(restart_strategy strategy, std::vector<child_spec> children) {
    supervisor_spec s;
    s.name = "test";
    s.strategy = strategy;
    s.max_restarts = 3;
    s.within = 5s;
    s.backoff = {100ms, 1'000ms, 2.0, 0.5, 60'000ms};
    s.children = std::move(children);
    s.uniform01 = [] { return 0.5; };  // jitter pinned: × 1.25
    return s;
  }

  caf::actor start(supervisor_spec s) {
    auto sup = spawn_supervisor(*system, std::move(s));
    // An observer stands in for the parent and records how the supervisor ends.
    parent = system->spawn([sup, exit = supervisor_exit, this](caf::event_based_actor* self) -> caf::behavior {
      self->monitor(sup);
      self->set_down_handler([exit, this](caf::down_msg& down) {
        *exit = down.reason;
        supervisor_down = true;
      });
      return {[](caf::ok_atom) {}};
    });
    sched->run();
    return sup;
  }

  void crash(const std::string& id, caf::error reason = caf::make_error(caf::sec::runtime_error, "boom")) {
    const auto& victim = log->current.at(id);
    caf::anon_send(victim, caf::exit_msg{victim.address(), std::move(reason)});
    sched->run();
  }

  // The delay until the next scheduled timeout (a restart), then fires it.
  std::chrono::milliseconds next_restart() {
    auto& clock = sched->clock();
    REQUIRE(clock.has_pending_timeout());
    const auto delay = clock.schedule().begin()->first - clock.current_time;
    clock.trigger_timeout();
    sched->run();
    return std::chrono::duration_cast<std::chrono::milliseconds>(delay);
  }

  ~fixture() {
    for (auto& [id, a] : log->current) caf::anon_send_exit(a, caf::exit_reason::kill);
    caf::anon_send_exit(parent, caf::exit_reason::kill);
    sched->run();
    while (sched->clock().has_pending_timeout()) {
      sched->clock().trigger_timeout();
      sched->run();
    }
  }
};

}  // namespace

TEST_CASE_METHOD(fixture, "a child crashing again and again is restarted after exact backoff delays", "[supervisor]") {
  auto s = spec(restart_strategy::one_for_one, {child("a")});
  s.max_restarts = 100;
  auto sup = start(std::move(s));
  std::vector<long> delays;
  for (int i = 0; i < 6; ++i) {
    crash("a");
    delays.push_back(next_restart().count());
  }
  // min 100 ms × 2^n, × 1.25 jitter, capped at 1 s.
  CHECK(delays == std::vector<long>{125, 250, 500, 1000, 1000, 1000});
  CHECK(std::count(log->events.begin(), log->events.end(), "start a") == 7);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a spent restart budget stops the children and escalates to the parent", "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_one, {child("a"), child("b")}));
  for (int i = 0; i < 3; ++i) {
    crash("a");
    next_restart();
  }
  CHECK_FALSE(supervisor_down);
  crash("a");  // the fourth within 5 s: over the budget of 3
  CHECK(supervisor_down);
  CHECK(supervisor_exit->code() == static_cast<std::uint8_t>(caf::sec::runtime_error));
  CHECK(system->render(*supervisor_exit).find("gave up") != std::string::npos);
}

TEST_CASE_METHOD(fixture, "restarts spread out in time stay within the budget", "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_one, {child("a")}));
  for (int i = 0; i < 6; ++i) {
    crash("a");
    next_restart();
    sched->clock().advance_time(3s);  // older restarts leave the 5 s window
  }
  CHECK_FALSE(supervisor_down);
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "one_for_all restarts every child in start order", "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_all, {child("a"), child("b"), child("c")}));
  log->events.clear();
  crash("b");
  next_restart();
  CHECK(log->events == std::vector<std::string>{"start a", "start b", "start c"});
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "rest_for_one restarts the child and those started after it", "[supervisor]") {
  auto sup = start(spec(restart_strategy::rest_for_one, {child("a"), child("b"), child("c")}));
  const auto first_a = log->current["a"];
  log->events.clear();
  crash("b");
  next_restart();
  CHECK(log->events == std::vector<std::string>{"start b", "start c"});
  CHECK(log->current["a"] == first_a);  // untouched
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "transient children are restarted only after abnormal exits, temporary never",
                 "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_one,
                        {child("t", restart_type::transient), child("tmp", restart_type::temporary)}));
  log->events.clear();
  crash("t", caf::exit_reason::normal);
  CHECK_FALSE(sched->clock().has_pending_timeout());
  crash("tmp");
  CHECK_FALSE(sched->clock().has_pending_timeout());
  CHECK(log->events.empty());
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a transient child that fails is restarted", "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_one, {child("t", restart_type::transient)}));
  log->events.clear();
  crash("t");
  next_restart();
  CHECK(log->events == std::vector<std::string>{"start t"});
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a second DOWN for a child already replaced restarts nothing", "[supervisor]") {
  auto sup = start(spec(restart_strategy::one_for_one, {child("a")}));
  const auto old = log->current["a"];
  crash("a");
  next_restart();
  log->events.clear();
  caf::anon_send(sup, caf::down_msg{old.address(), caf::make_error(caf::sec::runtime_error, "boom")});
  sched->run();
  CHECK_FALSE(sched->clock().has_pending_timeout());
  CHECK(log->events.empty());
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "children are started in order before spawn_supervisor returns", "[supervisor]") {
  auto s = spec(restart_strategy::rest_for_one, {child("a"), child("b")});
  // b's start function sees what a's registered: the way the node passes handles down its tree.
  bool a_was_there = false;
  auto start_b = s.children[1].start;
  s.children[1].start = [this, &a_was_there, start_b](caf::actor_system& sys) {
    a_was_there = log->current.count("a") == 1;
    return start_b(sys);
  };
  auto sup = spawn_supervisor(*system, std::move(s));
  CHECK(log->events == std::vector<std::string>{"start a", "start b"});  // no scheduler run needed
  CHECK(a_was_there);
  sched->run();
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  sched->run();
}

TEST_CASE_METHOD(fixture, "the tree reports nested supervisors, child states and restart counts", "[supervisor]") {
  auto inner = spec(restart_strategy::one_for_one, {child("b")});
  inner.name = "inner";
  auto outer = spec(restart_strategy::rest_for_one, {child("a")});
  outer.name = "root";
  outer.children.push_back({"inner", [inner](caf::actor_system& sys) { return spawn_supervisor(sys, inner); },
                            restart_type::permanent, 1'000ms, child_type::supervisor});
  auto sup = start(std::move(outer));
  crash("b");
  next_restart();
  crash("b");  // its restart is pending

  auto tree = std::make_shared<supervision_tree>();
  auto asker = system->spawn([sup, tree](caf::event_based_actor* self) {
    self->request(sup, 1s, caf::get_atom::value).then([tree](supervision_tree& t) { *tree = std::move(t); });
  });
  sched->run();
  CHECK(tree->id == "root");
  CHECK(tree->strategy == "rest_for_one");
  REQUIRE(tree->children.size() == 2);
  CHECK(tree->children[0].id == "a");
  CHECK(tree->children[0].type == "worker");
  CHECK(tree->children[0].state == "running");
  const auto& nested = tree->children[1];
  CHECK(nested.type == "supervisor");
  CHECK(nested.strategy == "one_for_one");
  REQUIRE(nested.children.size() == 1);
  CHECK(nested.children[0].id == "b");
  CHECK(nested.children[0].restarts == 1);
  CHECK(nested.children[0].state == "restarting");
  caf::anon_send_exit(sup, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(asker, caf::exit_reason::user_shutdown);
}
