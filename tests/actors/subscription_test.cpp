// A catch-up subscription over the in-memory journal: every event once and in order, the
// checkpoint kept across a restart, a failed delivery redelivered (a transient failure for as
// long as it takes, never parked), an open transaction waited for, a permanently refused event
// parked once the office confirms, and when it has caught up.
#include "actors/subscription.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/memory_journal.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/subscription.hpp"

#include "actor_fixture.hpp"
#include "memory_office.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <mutex>
#include <thread>

using namespace commerce;
using protocols::stored_event;

namespace {

// Collects what it is given; refuses the first `failures` deliveries (transiently: "busy"), and
// every batch holding an event of type `poison` (for good).
struct collected {
  std::mutex mutex;
  std::vector<std::string> types;
  int failures = 0;
  std::string poison;
  int deliveries = 0;
  std::size_t size() {
    std::lock_guard lock(mutex);
    return types.size();
  }
};

caf::behavior collector(caf::event_based_actor*, std::shared_ptr<collected> into) {
  return {
      [into](protocols::deliver_atom, const std::vector<stored_event>& events) -> caf::result<caf::unit_t> {
        std::lock_guard lock(into->mutex);
        if (into->deliveries++ < into->failures) return caf::make_error(caf::sec::runtime_error, "handler busy");
        for (const auto& e : events)
          if (e.event_type == into->poison) return protocols::permanent_failure("cannot handle " + e.event_type);
        for (const auto& e : events) into->types.push_back(e.event_type);
        return caf::unit;
      },
  };
}

struct fixture : test::actor_system_fixture {
  std::shared_ptr<adapters::memory_journal> store = std::make_shared<adapters::memory_journal>();
  std::shared_ptr<collected> seen = std::make_shared<collected>();
  protocols::journal_writer_actor writer = adapters::spawn_journal_writer(*system, store);
  protocols::journal_reader_actor reader = adapters::spawn_journal_reader(*system, store);
  caf::actor handler = system->spawn(collector, seen);
  protocols::dead_letter_office_actor office = system->spawn(test::memory_office);
  caf::actor running;

  void subscribe(bool start_at_head = false) {
    actors::subscription_options options;
    options.start_at_head = start_at_head;
    options.name = "projector";
    options.batch = 7;
    options.poll_interval = std::chrono::milliseconds(5);
    options.retry_after = std::chrono::milliseconds(1);
    options.status_interval = std::chrono::milliseconds(10);
    running = actors::spawn_subscription(*system, services(office), options);
  }
  actors::subscription_services services(protocols::dead_letter_office_actor dead_letters) const {
    actors::subscription_services out;
    out.reader = actors::service{reader};
    out.writer = actors::service{writer};
    out.handler = handler;
    out.dead_letters = actors::service{std::move(dead_letters)};
    return out;
  }
  protocols::subscription_status status() {
    caf::scoped_actor self{*system};
    protocols::subscription_status out;
    self->request(running, std::chrono::seconds(5), caf::get_atom::value)
        .receive([&](protocols::subscription_status& s) { out = std::move(s); },
                 [&](caf::error& e) { FAIL(system->render(e)); });
    return out;
  }
  std::vector<protocols::dead_letter> letters_in(const protocols::dead_letter_office_actor& at) {
    return test::letters_in(*system, at);
  }
  void unsubscribe() { caf::anon_send_exit(running, caf::exit_reason::user_shutdown); }
  // A restart that must not redeliver: the checkpoint is stored after a delivery, so wait for it
  // to cover `position`, then for the old subscription to be gone before a new one starts.
  void stop_after_checkpoint(std::int64_t position) {
    bool stored = false;
    for (int i = 0; i < 500 && !stored; ++i) {
      const auto at = store->load_checkpoint("projector");
      stored = at && at->position >= position;
      if (!stored) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    REQUIRE(stored);
    unsubscribe();
    caf::scoped_actor self{*system};
    self->wait_for(running);
  }
  void append(const std::string& stream, int count) {
    for (int i = 0; i < count; ++i)
      store->append({{"cart", stream, i, {{stream + "-" + std::to_string(i + 1), 1, "{}", "{}"}}, {}}});
  }
  bool wait_for(std::size_t count) {
    for (int i = 0; i < 500 && seen->size() < count; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    return seen->size() == count;
  }
  ~fixture() {
    unsubscribe();
    for (const auto& a : {caf::actor_cast<caf::actor>(writer), caf::actor_cast<caf::actor>(reader), handler,
                          caf::actor_cast<caf::actor>(office)})
      caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  }
};

}  // namespace

TEST_CASE_METHOD(fixture, "a subscription delivers every event once, in order, and resumes from its checkpoint",
                 "[subscription]") {
  append("a", 20);
  subscribe();
  REQUIRE(wait_for(20));
  CHECK(seen->types.front() == "a-1");
  CHECK(seen->types.back() == "a-20");
  stop_after_checkpoint(20);

  append("b", 5);
  subscribe();  // a restart: picks up after the stored checkpoint
  REQUIRE(wait_for(25));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(seen->size() == 25);
  CHECK(seen->types[20] == "b-1");
  REQUIRE(store->load_checkpoint("projector").has_value());
}

TEST_CASE_METHOD(fixture, "a refused delivery is delivered again", "[subscription]") {
  seen->failures = 2;
  append("a", 3);
  subscribe();
  REQUIRE(wait_for(3));
  CHECK(seen->types == std::vector<std::string>{"a-1", "a-2", "a-3"});
  CHECK(seen->deliveries == 3);
}

TEST_CASE_METHOD(fixture, "a subscription waits for an older open transaction instead of skipping it",
                 "[subscription]") {
  append("a", 1);
  const auto held = store->append_uncommitted({"cart", "slow", 0, {{"slow-1", 1, "{}", "{}"}}, {}});
  append("b", 1);
  subscribe();
  REQUIRE(wait_for(1));
  std::this_thread::sleep_for(std::chrono::milliseconds(50));
  CHECK(seen->size() == 1);
  store->commit(held);
  REQUIRE(wait_for(3));
  CHECK(seen->types == std::vector<std::string>{"a-1", "slow-1", "b-1"});
}

TEST_CASE_METHOD(fixture, "a poison event is found, parked after its budget and skipped, a retry delivers it",
                 "[subscription][faults]") {
  seen->poison = "a-3";
  append("a", 5);
  subscribe();
  REQUIRE(wait_for(4));
  CHECK(seen->types == std::vector<std::string>{"a-1", "a-2", "a-4", "a-5"});
  append("b", 2);  // back to whole batches after it
  REQUIRE(wait_for(6));

  const auto letters = letters_in(office);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].target == "subscription/projector");
  CHECK(letters[0].message_type == "a-3");
  CHECK(letters[0].attempts == 1);
  CHECK(letters[0].reason.find("cannot handle a-3") != std::string::npos);

  caf::scoped_actor self{*system};
  // Retries as the operator's routes make them: the office claims the letter, then the
  // subscription delivers it and says how that went.
  auto retry = [&] {
    self->request(office, std::chrono::seconds(5), protocols::retry_atom::value, letters[0].id)
        .receive([&](protocols::letter_change& c) { REQUIRE(c.changed); }, [&](caf::error& e) { FAIL(system->render(e)); });
    std::string outcome;
    self->request(running, std::chrono::seconds(5), protocols::retry_atom::value, letters[0])
        .receive([&](std::string& o) { outcome = std::move(o); }, [&](caf::error& e) { FAIL(system->render(e)); });
    return outcome;
  };
  // Still refused: the subscription puts the letter back to pending, not lost as retried.
  CHECK(retry().rfind("not_handled: cannot handle a-3", 0) == 0);
  CHECK(letters_in(office).at(0).status == "pending");
  CHECK(seen->size() == 6);

  {
    std::lock_guard lock(seen->mutex);
    seen->poison.clear();  // fixed
  }
  CHECK(retry() == "accepted");
  CHECK(letters_in(office).at(0).status == "retried");
  CHECK(seen->types.back() == "a-3");
  CHECK(seen->size() == 7);
}

TEST_CASE_METHOD(fixture, "a transient failure is retried with backoff for as long as it takes, never parked",
                 "[subscription][faults]") {
  seen->failures = 9;  // more than any attempt budget: a store that is down for a while
  append("a", 3);
  subscribe();
  REQUIRE(wait_for(3));
  CHECK(seen->types == std::vector<std::string>{"a-1", "a-2", "a-3"});
  CHECK(seen->deliveries == 10);
  CHECK(letters_in(office).empty());
}

TEST_CASE_METHOD(fixture, "while it is refused transiently the subscription is behind and not caught up",
                 "[subscription][faults]") {
  seen->failures = 1'000'000;
  append("a", 4);
  subscribe();
  for (int i = 0; i < 200 && status().behind != 4; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  const auto s = status();
  CHECK_FALSE(s.caught_up);
  CHECK(s.behind == 4);
  CHECK(s.at.position == 0);
  CHECK(s.head.position == 4);
  CHECK(seen->size() == 0);
  CHECK(letters_in(office).empty());
}

TEST_CASE_METHOD(fixture, "a subscription reports when it has caught up with the journal's head at its start",
                 "[subscription]") {
  append("a", 20);
  subscribe();
  REQUIRE(wait_for(20));
  bool caught_up = false;
  for (int i = 0; i < 200 && !(caught_up = status().caught_up); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  CHECK(caught_up);
  CHECK(status().at.position == 20);
}

namespace {

// An office that refuses to store anything until it is opened; then it stores as the real one.
struct gated_office_state {
  std::vector<protocols::dead_letter> letters;
  std::shared_ptr<std::atomic<bool>> open;
  int refused = 0;
};

protocols::dead_letter_office_actor::behavior_type gated_office(
    protocols::dead_letter_office_actor::stateful_pointer<gated_office_state> self, std::shared_ptr<std::atomic<bool>> open) {
  self->state.open = std::move(open);
  return {
      [self](caf::put_atom, protocols::dead_letter& letter) -> caf::result<std::int64_t> {
        if (!*self->state.open) {
          ++self->state.refused;
          return caf::make_error(caf::sec::runtime_error, "dead letters cannot be stored");
        }
        letter.id = static_cast<std::int64_t>(self->state.letters.size()) + 1;
        self->state.letters.push_back(letter);
        return letter.id;
      },
      [self](caf::get_atom, std::int64_t, std::uint64_t) { return self->state.letters; },
      [](caf::get_atom, const protocols::letter_filter&, std::int64_t, std::uint64_t)
          -> caf::result<std::vector<protocols::dead_letter>> { return caf::sec::runtime_error; },
      [](protocols::tally_atom, const protocols::letter_filter&) -> caf::result<std::int64_t, std::int64_t> {
        return caf::sec::runtime_error;
      },
      [](protocols::retry_atom, std::int64_t) -> caf::result<protocols::letter_change> { return caf::sec::invalid_argument; },
      [](caf::delete_atom, std::int64_t) -> caf::result<protocols::letter_change> { return caf::sec::invalid_argument; },
      [](protocols::release_atom, std::int64_t) -> caf::result<protocols::letter_change> { return caf::sec::invalid_argument; },
      [](protocols::claim_atom, const protocols::letter_filter&, const std::string&, std::int64_t)
          -> caf::result<std::vector<protocols::dead_letter>> { return caf::sec::runtime_error; },
  };
}

}  // namespace

TEST_CASE_METHOD(fixture, "a poison event is skipped only after the office confirmed it stored the letter",
                 "[subscription][faults]") {
  auto open = std::make_shared<std::atomic<bool>>(false);
  auto flaky = system->spawn(gated_office, open);
  seen->poison = "a-3";
  append("a", 5);
  actors::subscription_options options;
  options.name = "projector";
  options.batch = 7;
  options.poll_interval = std::chrono::milliseconds(5);
  options.retry_after = std::chrono::milliseconds(1);
  running = actors::spawn_subscription(*system, services(flaky), options);
  REQUIRE(wait_for(2));
  std::this_thread::sleep_for(std::chrono::milliseconds(150));
  CHECK(seen->size() == 2);  // a-4 and a-5 wait: a-3 is not parked yet
  CHECK(letters_in(flaky).empty());
  *open = true;
  REQUIRE(wait_for(4));
  CHECK(seen->types == std::vector<std::string>{"a-1", "a-2", "a-4", "a-5"});
  const auto letters = letters_in(flaky);
  REQUIRE(letters.size() == 1);
  CHECK(letters[0].message_type == "a-3");
  CHECK(letters[0].attempts > 1);  // parking was tried again
  caf::anon_send_exit(flaky, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(fixture, "a subscription started at the head skips the history, then delivers what comes and keeps its place",
                 "[subscription]") {
  append("old", 5);
  subscribe(true);
  // It reads the head as it starts: what comes after that is new.
  for (int i = 0; i < 200 && status().at.position != 5; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  REQUIRE(status().at.position == 5);
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(seen->size() == 0);
  append("new", 2);
  REQUIRE(wait_for(2));
  CHECK(seen->types == std::vector<std::string>{"new-1", "new-2"});
  stop_after_checkpoint(7);
  append("later", 1);
  subscribe(true);  // a checkpoint is stored now: it goes on from there
  REQUIRE(wait_for(3));
  CHECK(seen->types.back() == "later-1");
}
