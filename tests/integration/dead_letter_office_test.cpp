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

using namespace commerce;
using protocols::dead_letter;

TEST_CASE("dead letters written before a restart are still listed after it, and can be retried or discarded",
          "[dead_letters][postgres]") {
  test::scratch_database db;
  {
    adapters::postgres::connection conn(db.conninfo());
    adapters::postgres::migrate(conn);
  }
  caf::actor_system_config cfg;
  cfg.set("logger.verbosity", caf::atom("quiet"));
  caf::actor_system system{cfg};
  caf::scoped_actor self{system};
  auto fail = [&](caf::error& e) { FAIL(system.render(e)); };
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
      .receive([&](dead_letter& d) { CHECK(d.status == "retried"); }, fail);
  self->request(office, std::chrono::seconds(5), caf::delete_atom::value, ids[1])
      .receive([&](dead_letter& d) { CHECK(d.status == "discarded"); }, fail);
  bool refused = false;
  self->request(office, std::chrono::seconds(5), caf::delete_atom::value, std::int64_t{999'999})
      .receive([&](dead_letter&) {}, [&](caf::error&) { refused = true; });
  CHECK(refused);
  self->request(office, std::chrono::seconds(5), caf::get_atom::value, ids[0], std::uint64_t{100})
      .receive([&](std::vector<dead_letter>& letters) {
        REQUIRE(letters.size() == 1);
        CHECK(letters[0].status == "discarded");
      }, fail);
  self->send_exit(office, caf::exit_reason::user_shutdown);
}
