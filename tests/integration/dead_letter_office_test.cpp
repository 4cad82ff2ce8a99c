// The dead-letter office on the real PostgreSQL: letters survive a restart of the office, and
// operators can retry and discard them.
#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/dead_letter_office.hpp"
#include "adapters/postgres/migrations.hpp"
#include "common/metrics.hpp"
#include "protocols/dead_letters.hpp"

#include "support/test_env.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <functional>

using namespace commerce;
using protocols::dead_letter;

namespace {

struct migrated_database : test::scratch_database {
  migrated_database() {
    adapters::postgres::connection conn(conninfo());
    adapters::postgres::migrate(conn);
  }
};

struct quiet_config : caf::actor_system_config {
  quiet_config() { set("logger.verbosity", caf::atom("quiet")); }
};

// A migrated scratch database and an actor system to ask the office from.
struct office_fixture {
  migrated_database db;
  quiet_config cfg;
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  std::function<void(caf::error&)> fail = [this](caf::error& e) { FAIL(system.render(e)); };
};

}  // namespace

TEST_CASE_METHOD(office_fixture, "dead letters written before a restart are still listed after it, and can be retried or discarded",
          "[dead_letters][postgres]") {
  auto& parked = metrics::registry::global().get_counter("commerce_dead_letters_total", "");
  const auto parked_before = parked.value();
  std::vector<std::int64_t> ids;
  {
    auto office = adapters::postgres::spawn_dead_letter_office(system, db.conninfo());
    for (const auto* target : {"cart/c-1", "webhook:https://example.com/hook"})
      self->request(office, std::chrono::seconds(5), caf::put_atom::value,
                    dead_letter{0, target, "CartLineSet", R"({"sku":"MUG","quantity":2})", "decide threw: boom", 5,
                                1'800'000'000'000, 1'800'000'060'000, "pending"})
          .receive([&](std::int64_t id) { ids.push_back(id); }, fail);
    self->send_exit(office, caf::exit_reason::user_shutdown);
  }
  REQUIRE(ids.size() == 2);
  CHECK(parked.value() == parked_before + 2);

  auto office = adapters::postgres::spawn_dead_letter_office(system, db.conninfo());  // "after the restart"
  std::vector<dead_letter> listed;
  self->request(office, std::chrono::seconds(5), caf::get_atom::value, std::int64_t{0}, std::uint64_t{100})
      .receive([&](std::vector<dead_letter>& letters) { listed = std::move(letters); }, fail);
  REQUIRE(listed.size() == 2);
  CHECK(listed[0].id == ids[0]);
  CHECK(listed[0].target == "cart/c-1");
  CHECK(listed[0].attempts == 5);
  CHECK(listed[0].first_failed_ms == 1'800'000'000'000);
  CHECK(listed[0].last_failed_ms == 1'800'000'060'000);
  CHECK(listed[0].status == "pending");
  CHECK(listed[1].payload.find("MUG") != std::string::npos);

  self->request(office, std::chrono::seconds(5), protocols::retry_atom::value, ids[0])
      .receive([&](protocols::letter_change& c) { CHECK((c.changed && c.letter.status == "retried")); }, fail);
  self->request(office, std::chrono::seconds(5), caf::delete_atom::value, ids[1])
      .receive([&](protocols::letter_change& c) { CHECK((c.changed && c.letter.status == "discarded")); }, fail);
  // Only a pending letter changes: a second operator acting on the same letter changes nothing.
  self->request(office, std::chrono::seconds(5), caf::delete_atom::value, ids[0])
      .receive([&](protocols::letter_change& c) { CHECK((!c.changed && c.letter.status == "retried")); }, fail);
  self->request(office, std::chrono::seconds(5), protocols::retry_atom::value, ids[1])
      .receive([&](protocols::letter_change& c) { CHECK((!c.changed && c.letter.status == "discarded")); }, fail);
  // A redelivery that did not reach its target puts the letter back.
  self->request(office, std::chrono::seconds(5), protocols::release_atom::value, ids[0])
      .receive([&](protocols::letter_change& c) { CHECK((c.changed && c.letter.status == "pending")); }, fail);
  bool refused = false;
  self->request(office, std::chrono::seconds(5), caf::delete_atom::value, std::int64_t{999'999})
      .receive([&](protocols::letter_change&) {}, [&](caf::error& e) { refused = e == caf::sec::invalid_argument; });
  CHECK(refused);
  self->request(office, std::chrono::seconds(5), caf::get_atom::value, ids[0], std::uint64_t{100})
      .receive([&](std::vector<dead_letter>& letters) {
        REQUIRE(letters.size() == 1);
        CHECK(letters[0].status == "discarded");
      }, fail);
  self->send_exit(office, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(office_fixture, "the office filters, counts and claims letters in one statement, only pending ones, only as many as expected",
          "[dead_letters][postgres]") {
  auto office = adapters::postgres::spawn_dead_letter_office(system, db.conninfo());
  std::vector<std::int64_t> ids;
  for (const auto* target : {"subscription/price_sync", "subscription/price_sync", "cart/c-1", "subscription/price_%"})
    self->request(office, std::chrono::seconds(5), caf::put_atom::value,
                  dead_letter{0, target, "ProductCreated", "{}", "refused", 1, 0, 0, "pending"})
        .receive([&](std::int64_t id) { ids.push_back(id); }, fail);
  auto tally = [&](protocols::letter_filter f) {
    std::pair<std::int64_t, std::int64_t> out;
    self->request(office, std::chrono::seconds(5), protocols::tally_atom::value, f)
        .receive([&](std::int64_t count, std::int64_t last) { out = {count, last}; }, fail);
    return out;
  };
  CHECK(tally({"subscription/price_", "", "", std::numeric_limits<std::int64_t>::max()}) ==
        std::pair<std::int64_t, std::int64_t>{3, ids[3]});
  CHECK(tally({"subscription/price_%", "", "", std::numeric_limits<std::int64_t>::max()}).first == 1);  // not a pattern
  CHECK(tally({"", "ProductCreated", "pending", ids[2]}) == std::pair<std::int64_t, std::int64_t>{3, ids[2]});
  self->request(office, std::chrono::seconds(5), caf::get_atom::value,
                protocols::letter_filter{"subscription", "", "", std::numeric_limits<std::int64_t>::max()}, ids[0],
                std::uint64_t{1})
      .receive([&](std::vector<dead_letter>& page) {
        REQUIRE(page.size() == 1);
        CHECK(page[0].id == ids[1]);
      }, fail);

  // A claim changes nothing unless the set has exactly the count the operator confirmed.
  const protocols::letter_filter sync{"subscription/price_sync", "", "", ids[2]};
  self->request(office, std::chrono::seconds(5), protocols::claim_atom::value, sync, std::string("discarded"), std::int64_t{3})
      .receive([&](std::vector<dead_letter>& claimed) { CHECK(claimed.empty()); }, fail);
  CHECK(tally({"", "", "pending", std::numeric_limits<std::int64_t>::max()}).first == 4);
  self->request(office, std::chrono::seconds(5), protocols::claim_atom::value, sync, std::string("discarded"), std::int64_t{2})
      .receive([&](std::vector<dead_letter>& claimed) {
        REQUIRE(claimed.size() == 2);
        CHECK(claimed[0].status == "discarded");
      }, fail);
  // Claimed once: a second operator's claim of the same set finds none of them pending.
  self->request(office, std::chrono::seconds(5), protocols::claim_atom::value, sync, std::string("retried"), std::int64_t{2})
      .receive([&](std::vector<dead_letter>& claimed) { CHECK(claimed.empty()); }, fail);
  CHECK(tally({"", "", "pending", std::numeric_limits<std::int64_t>::max()}).first == 2);
  self->send_exit(office, caf::exit_reason::user_shutdown);
}
