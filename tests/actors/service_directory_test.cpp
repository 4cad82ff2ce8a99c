// Dependencies found by name: the directory forgets an actor once it stops (never its
// successor), and an entity whose journal writer is killed and restarted by its supervisor goes
// on journaling through the new one, without being restarted itself.
#include "actors/kinds/kind_module.hpp"
#include "actors/service_directory.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/memory_journal.hpp"
#include "domain/inventory.hpp"
#include "protocols/entity.hpp"
#include "supervision/supervisor.hpp"
#include "actor_fixture.hpp"

#include <catch2/catch.hpp>

#include <thread>

namespace {

using namespace commerce;
using namespace std::chrono_literals;

caf::behavior idle(caf::event_based_actor*) {
  return {[](caf::ok_atom) {}};
}

// Polls until `holds` (an actor stops, a supervisor restarts one), for up to 5 s.
template <class Condition>
bool eventually(Condition holds) {
  for (int i = 0; i < 500; ++i) {
    if (holds()) return true;
    std::this_thread::sleep_for(10ms);
  }
  return holds();
}

}  // namespace

TEST_CASE("the directory finds the live actor of a name, and nothing once it has stopped", "[directory]") {
  test::actor_system_fixture fx;
  auto directory = std::make_shared<actors::service_directory>();
  caf::scoped_actor self{*fx.system};
  auto first = fx.system->spawn(idle);
  // Monitored before it is registered: CAF runs an actor's clean-ups last attached first, so
  // the directory has done its part by the time the DOWN is sent.
  self->monitor(first);
  directory->put("office", first);
  CHECK(directory->get<caf::actor>("office") == first);
  CHECK_FALSE(directory->get<caf::actor>("elsewhere"));

  // A successor takes the name; the first one stopping later does not remove it.
  auto second = fx.system->spawn(idle);
  directory->put("office", second);
  caf::anon_send_exit(first, caf::exit_reason::kill);
  self->receive([](caf::down_msg&) {});
  CHECK(directory->get<caf::actor>("office") == second);

  caf::anon_send_exit(second, caf::exit_reason::kill);
  CHECK(eventually([&] { return !directory->get<caf::actor>("office"); }));

  // A service resolves at each use.
  actors::service<caf::actor> office{directory, "office"};
  CHECK(static_cast<bool>(office));
  CHECK_FALSE(office.get());
  auto third = fx.system->spawn(idle);
  directory->put("office", third);
  CHECK(office.get() == third);
  caf::anon_send_exit(third, caf::exit_reason::user_shutdown);
}

TEST_CASE("a killed journal writer is restarted alone and the entities go on through the new one",
          "[directory][supervision]") {
  test::actor_system_fixture fx;
  auto journal = std::make_shared<adapters::memory_journal>();
  auto directory = std::make_shared<actors::service_directory>();

  supervision::supervisor_spec storage;
  storage.name = "storage";
  storage.strategy = supervision::restart_strategy::one_for_one;
  storage.max_restarts = 5;
  storage.within = 60s;
  storage.backoff = {1ms, 1ms, 1.0, 0.0, 60s};
  storage.children.push_back({"journal_writer", [=](caf::actor_system& system) {
                                auto writer = adapters::spawn_journal_writer(system, journal);
                                directory->put("journal_writer", writer);
                                return caf::actor_cast<caf::actor>(writer);
                              }});
  auto supervisor = supervision::spawn_supervisor(*fx.system, storage);

  actors::entity_services services;
  services.writer = actors::service<protocols::journal_writer_actor>{directory, "journal_writer"};
  services.readers.emplace_back(adapters::spawn_journal_reader(*fx.system, journal));
  auto regions = actors::spawn_entity_regions(*fx.system, services, {});
  const auto region = regions.of<domain::inventory_decider>();

  caf::scoped_actor self{*fx.system};
  auto ask = [&](std::string sku, domain::inventory_command command) {
    auto status = protocols::entity_status::conflict;
    self->request(region, 10s, protocols::entity_command<domain::inventory_decider>{std::move(sku), std::move(command), {}})
        .receive([&](protocols::entity_reply<domain::inventory_decider>& r) { status = r.status; },
                 [&](caf::error& e) { FAIL(fx.system->render(e)); });
    return status;
  };
  REQUIRE(ask("MUG", domain::define_product{"Mug", {1200, "EUR"}, "kitchen"}) == protocols::entity_status::accepted);

  const auto killed = directory->get<caf::actor>("journal_writer");
  caf::anon_send_exit(killed, caf::exit_reason::kill);
  REQUIRE(eventually([&] {
    const auto now = directory->get<caf::actor>("journal_writer");
    return now && now != killed;
  }));

  // The same region and entity journal through the new writer; only the writer restarted.
  CHECK(ask("MUG", domain::adjust_stock{5, "delivery"}) == protocols::entity_status::accepted);
  CHECK(journal->read_stream("product", "MUG", 1, 10).size() == 2);
  self->request(supervisor, 10s, caf::get_atom::value)
      .receive([](supervision::supervision_tree& tree) { CHECK(tree.children.at(0).restarts == 1); },
               [&](caf::error& e) { FAIL(fx.system->render(e)); });

  for (const auto& a : regions.all()) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
  caf::anon_send_exit(services.readers.front().get(), caf::exit_reason::user_shutdown);
  caf::anon_send_exit(supervisor, caf::exit_reason::user_shutdown);
}
