// Faults versus rejections in persistent_entity: an exception while deciding restarts the entity
// from its journal and retries the command up to its budget; then the command is answered
// `faulted`, parked in the dead-letter office, and can be delivered again once fixed. Uses a
// small counter kind whose decider throws on a chosen "poison" amount.
#include "actors/shard_region.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/memory_journal.hpp"

#include "actor_fixture.hpp"
#include "memory_office.hpp"

#include <catch2/catch.hpp>

#include <boost/describe/class.hpp>

#include <atomic>
#include <stdexcept>

using namespace commerce;
using protocols::entity_status;

namespace {

std::atomic<std::int64_t> poison{0};  // add{poison} throws while it is non-zero
std::atomic<int> decisions{0};

struct counter_state {
  std::int64_t total = 0;
};
BOOST_DESCRIBE_STRUCT(counter_state, (), (total))

struct add {
  static constexpr std::string_view type_name = "Add";
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(add, (), (n))

struct added {
  static constexpr std::string_view type_name = "Added";
  static constexpr int schema_version = 1;
  std::int64_t n = 0;
};
BOOST_DESCRIBE_STRUCT(added, (), (n))

struct counter_decider {
  using state = counter_state;
  using command = std::variant<add>;
  using event = std::variant<added>;
  static constexpr std::string_view stream_type = "counter";
  static constexpr int state_schema_version = 1;
  static state initial(const std::string&) { return {}; }
  static domain::decision<event> decide(const state&, const command& c, const domain::context&) {
    ++decisions;
    const auto n = std::get<add>(c).n;
    if (n == poison) throw std::logic_error("cannot add " + std::to_string(n));
    return added{n};
  }
  static state evolve(state s, const event& e) {
    s.total += std::get<added>(e).n;
    return s;
  }
};

// Counts stream reads: each one is a recovery from the journal.
class counting_journal : public adapters::memory_journal {
 public:
  std::atomic<int> stream_reads{0};
  std::vector<adapters::stored_event> read_stream(const std::string& type, const std::string& id, std::int64_t from,
                                                  std::size_t limit) override {
    ++stream_reads;
    return memory_journal::read_stream(type, id, from, limit);
  }
};

struct fixture : test::actor_system_fixture {
  std::shared_ptr<counting_journal> journal = std::make_shared<counting_journal>();
  caf::scoped_actor self{*system};
  protocols::journal_writer_actor writer = adapters::spawn_journal_writer(*system, journal);
  protocols::journal_reader_actor reader = adapters::spawn_journal_reader(*system, journal);
  protocols::dead_letter_office_actor office = system->spawn(test::memory_office);
  caf::actor region;

  fixture() {
    poison = 0;
    decisions = 0;
    actors::entity_kind<counter_decider> kind;
    kind.settings.max_command_attempts = 3;
    kind.settings.restart_backoff = {std::chrono::milliseconds(1), std::chrono::milliseconds(1)};
    actors::entity_services services;
    services.writer = actors::service{writer};
    services.readers.emplace_back(reader);
    services.dead_letters = actors::service{office};
    services.clock = [] { return domain::timestamp{1'800'000'000'000}; };
    region = actors::spawn_region(*system, kind, services);
  }
  ~fixture() {
    for (const auto& a : {region, caf::actor_cast<caf::actor>(writer), caf::actor_cast<caf::actor>(reader),
                          caf::actor_cast<caf::actor>(office)})
      self->send_exit(a, caf::exit_reason::user_shutdown);
  }

  void send_add(const std::string& id, std::int64_t n) {
    self->send(region, protocols::entity_command<counter_decider>{id, add{n}, {"cmd-" + std::to_string(n), "", ""}});
  }
  protocols::entity_reply<counter_decider> next_reply() {
    protocols::entity_reply<counter_decider> out;
    self->receive([&](protocols::entity_reply<counter_decider>& r) { out = std::move(r); },
                  caf::after(std::chrono::seconds(10)) >> [] { FAIL("no reply"); });
    return out;
  }
  std::vector<protocols::dead_letter> letters() {
    return test::letters_in(*system, office);
  }
};

}  // namespace

TEST_CASE_METHOD(fixture, "a poison command is retried from the journal up to its budget, then dead-lettered",
                 "[entity][faults]") {
  send_add("c1", 1);
  REQUIRE(next_reply().status == entity_status::accepted);
  const int reads_before = journal->stream_reads;
  auto& restarts = metrics::registry::global().get_counter("commerce_entity_restarts_total", "", {{"kind", "counter"}});
  const auto restarts_before = restarts.value();

  poison = 5;
  send_add("c1", 5);
  send_add("c1", 2);  // queued behind the poison: must neither be lost nor overtake it
  const auto poisoned = next_reply();
  CHECK(poisoned.status == entity_status::faulted);
  const auto after = next_reply();
  // The first command, the poison three times, then the one behind it (counted once both are
  // answered: the next one may be decided before the poison's answer is read).
  CHECK(decisions == 1 + 3 + 1);
  CHECK(journal->stream_reads - reads_before == 3);  // a restart from the journal after each fault
  CHECK(restarts.value() - restarts_before == 3);      // and each counted for /metrics
  CHECK(after.status == entity_status::accepted);
  CHECK(after.state.total == 3);  // 1 + 2: the poison changed nothing
  CHECK(after.version == 2);

  const auto parked = letters();
  REQUIRE(parked.size() == 1);
  CHECK(parked[0].target == "counter/c1");
  CHECK(parked[0].message_type == "Add");
  CHECK(parked[0].attempts == 3);
  CHECK(parked[0].reason == "cannot add 5");
  CHECK(parked[0].first_failed_ms <= parked[0].last_failed_ms);
  const auto payload = boost::json::parse(parked[0].payload);
  CHECK(payload.at("id") == "c1");
  CHECK(payload.at("command").at("n") == 5);
  CHECK(payload.at("meta").at("command_id") == "cmd-5");

  SECTION("an operator's retry delivers it again once the cause is fixed") {
    poison = 0;
    protocols::dead_letter retried;
    self->request(office, std::chrono::seconds(10), protocols::retry_atom::value, parked[0].id)
        .receive([&](protocols::letter_change& c) { retried = std::move(c.letter); }, [&](caf::error& e) { FAIL(system->render(e)); });
    CHECK(retried.status == "retried");
    entity_status status = entity_status::conflict;
    self->request(region, std::chrono::seconds(10), protocols::retry_atom::value, retried)
        .receive([&](entity_status s) { status = s; }, [&](caf::error& e) { FAIL(system->render(e)); });
    CHECK(status == entity_status::accepted);
    self->request(region, std::chrono::seconds(10), protocols::entity_get<counter_decider>{"c1"})
        .receive([&](protocols::entity_reply<counter_decider>& r) { CHECK(r.state.total == 8); },
                 [&](caf::error& e) { FAIL(system->render(e)); });
    const auto events = journal->read_stream("counter", "c1", 3, 10);
    REQUIRE(events.size() == 1);
    CHECK(boost::json::parse(events[0].metadata).at("causation_id") == "dead-letter:1");
  }

  SECTION("a retry while the cause remains parks it again as a new letter") {
    entity_status status = entity_status::accepted;
    self->request(region, std::chrono::seconds(10), protocols::retry_atom::value, parked[0])
        .receive([&](entity_status s) { status = s; }, [&](caf::error& e) { FAIL(system->render(e)); });
    CHECK(status == entity_status::faulted);
    CHECK(letters().size() == 2);
  }
}

TEST_CASE_METHOD(fixture, "a letter that is not a command of the kind is refused, not delivered", "[entity][faults]") {
  protocols::dead_letter letter;
  letter.id = 7;
  letter.target = "counter/c1";
  letter.message_type = "Subtract";
  letter.payload = R"({"id":"c1","command":{"n":1}})";
  self->request(region, std::chrono::seconds(10), protocols::retry_atom::value, letter)
      .receive([&](entity_status) { FAIL("delivered"); },
               [&](caf::error& e) { CHECK_THAT(system->render(e), Catch::Contains("unknown type Subtract")); });
}

TEST_CASE_METHOD(fixture, "an entity whose journal cannot be replayed parks what waits for it and stops",
                 "[entity][faults]") {
  // An event this build cannot read, as a newer node might have written it.
  journal->append({{"counter", "c2", 0, {{"Added", 9, R"({"n":1})", "{}"}}, {}}});
  send_add("c2", 4);
  const auto reply = next_reply();
  CHECK(reply.status == entity_status::faulted);
  CHECK(journal->stream_reads == 3);  // the budget of recoveries, then it gives up
  const auto parked = letters();
  REQUIRE(parked.size() == 1);
  CHECK_THAT(parked[0].reason, Catch::Contains("recovery failed"));
  CHECK(parked[0].attempts == 3);
  CHECK(journal->read_stream("counter", "c2", 1, 10).size() == 1);  // nothing written over it
}
