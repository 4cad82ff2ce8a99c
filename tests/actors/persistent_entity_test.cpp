// persistent_entity<Decider> and its shard region on a real actor system over the in-memory
// journal: persist before reply, recovery, stash order, conflicts, snapshots, passivation,
// deadlines and outages.
#include "actors/kinds/kind_module.hpp"
#include "actors/persistent_entity.hpp"
#include "actors/timer_service.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/memory_journal.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "protocols/entity.hpp"

#include "actor_fixture.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <thread>

using namespace commerce;
using namespace commerce::domain;
using protocols::entity_status;

namespace {

// Remembers where the last stream read started, to tell a snapshot recovery from a full replay.
class observed_journal : public adapters::memory_journal {
 public:
  std::atomic<std::int64_t> last_read_from{0};
  std::atomic<bool> down{false};
  std::vector<adapters::append_result> append(const std::vector<adapters::append_request>& batch) override {
    if (down) throw adapters::storage_unavailable("connection refused");
    return memory_journal::append(batch);
  }
  std::vector<adapters::stored_event> read_stream(const std::string& type, const std::string& id, std::int64_t from,
                                                  std::size_t limit) override {
    last_read_from = from;
    return memory_journal::read_stream(type, id, from, limit);
  }
};

struct node : test::actor_system_fixture {
  std::shared_ptr<observed_journal> store = std::make_shared<observed_journal>();
  std::atomic<std::int64_t> now_ms{1'800'000'000'000};
  protocols::journal_writer_actor writer;
  protocols::journal_reader_actor reader;
  caf::actor timers;
  actors::entity_regions regions;
  caf::scoped_actor self{*system};

  explicit node(actors::entity_kinds_options options = {}) { start(options); }
  ~node() { stop(); }

  void start(actors::entity_kinds_options options) {
    adapters::journal_writer_options writer_options;
    writer_options.retry_min = std::chrono::milliseconds(1);
    writer_options.retry_max = std::chrono::milliseconds(1);
    writer = adapters::spawn_journal_writer(*system, store, writer_options);
    reader = adapters::spawn_journal_reader(*system, store);
    actors::entity_services services;
    services.writer = actors::service{writer};
    services.readers.emplace_back(reader);
    services.clock = [this] { return timestamp{now_ms.load()}; };
    regions = actors::spawn_entity_regions(*system, services, options);
  }
  void start_timer_service() {
    actors::timer_service_options options;
    options.poll_interval = std::chrono::milliseconds(10);
    timers = actors::spawn_timer_service(*system, actors::service{reader}, actors::service{writer}, regions, options,
                                         [this] { return timestamp{now_ms.load()}; });
  }
  void stop() {
    if (timers) self->send_exit(timers, caf::exit_reason::user_shutdown);
    timers = nullptr;
    for (const auto& a : regions.all()) self->send_exit(a, caf::exit_reason::user_shutdown);
    self->send_exit(writer, caf::exit_reason::user_shutdown);
    self->send_exit(reader, caf::exit_reason::user_shutdown);
  }
  // As if the node restarted: new actors, same journal.
  void restart(actors::entity_kinds_options options = {}) {
    stop();
    start(options);
  }

  template <class Decider>
  protocols::entity_reply<Decider> ask(const caf::actor& region, const std::string& id,
                                       typename Decider::command command) {
    protocols::entity_reply<Decider> out;
    self->request(region, std::chrono::seconds(10), protocols::entity_command<Decider>{id, std::move(command), {}})
        .receive([&](protocols::entity_reply<Decider>& r) { out = std::move(r); },
                 [&](caf::error& e) { FAIL(system->render(e)); });
    return out;
  }
  protocols::entity_reply<inventory_decider> product(const std::string& sku, inventory_command c) {
    return ask<inventory_decider>(regions.of<inventory_decider>(), sku, std::move(c));
  }
  protocols::entity_reply<inventory_decider> get_product(const std::string& sku) {
    protocols::entity_reply<inventory_decider> out;
    self->request(regions.of<inventory_decider>(), std::chrono::seconds(10), protocols::entity_get<inventory_decider>{sku})
        .receive([&](protocols::entity_reply<inventory_decider>& r) { out = std::move(r); },
                 [&](caf::error& e) { FAIL(system->render(e)); });
    return out;
  }
  std::size_t active(const caf::actor& region) {
    std::size_t n = 0;
    self->request(region, std::chrono::seconds(10), protocols::count_atom::value)
        .receive([&](std::size_t count) { n = count; }, [&](caf::error& e) { FAIL(system->render(e)); });
    return n;
  }
  entity_status fire_timer(const caf::actor& region, const std::string& id, std::int64_t due) {
    entity_status out = entity_status::conflict;
    self->request(region, std::chrono::seconds(10), protocols::timer_atom::value, id, std::string("reservations"), due)
        .receive([&](entity_status s) { out = s; }, [&](caf::error& e) { FAIL(system->render(e)); });
    return out;
  }
};

const define_product mug{"Mug", {1200, "EUR"}, "kitchen"};

}  // namespace

TEST_CASE("a command is answered after its events are in the journal", "[entity]") {
  node n;
  auto created = n.product("MUG-1", mug);
  REQUIRE(created.status == entity_status::accepted);
  CHECK(created.version == 1);
  CHECK(created.state.exists);
  REQUIRE(created.events.size() == 1);
  auto stocked = n.product("MUG-1", adjust_stock{10, "delivery"});
  CHECK(stocked.state.on_hand == 10);
  CHECK(stocked.version == 2);
  const auto stored = n.store->read_stream("product", "MUG-1", 1, 10);
  REQUIRE(stored.size() == 2);
  CHECK(stored[1].event_type == "StockAdjusted");
}

TEST_CASE("a rejection answers the caller and stores nothing", "[entity]") {
  node n;
  n.product("MUG-1", mug);
  auto refused = n.product("MUG-1", reserve_stock{"cart-1", 5, std::nullopt});
  CHECK(refused.status == entity_status::rejected);
  REQUIRE(refused.rejection.has_value());
  CHECK(refused.rejection->code == "insufficient_stock");
  CHECK(refused.version == 1);
  CHECK(n.store->read_stream("product", "MUG-1", 1, 10).size() == 1);
  // A command that changes nothing is accepted without an event (retries are idempotent).
  n.product("MUG-1", adjust_stock{3, "delivery"});
  n.product("MUG-1", reserve_stock{"cart-1", 2, std::nullopt});
  auto again = n.product("MUG-1", reserve_stock{"cart-1", 2, std::nullopt});
  CHECK(again.status == entity_status::accepted);
  CHECK(again.events.empty());
  CHECK(again.version == 3);
}

TEST_CASE("an event the journal cannot store is a rejection, not an outage", "[entity][invalid]") {
  node n;
  // Boost.JSON writes a NUL character as \u0000, which PostgreSQL's jsonb refuses.
  auto refused = n.product("MUG-0", define_product{std::string("Mu\0g", 4), {1200, "EUR"}, "kitchen"});
  CHECK(refused.status == entity_status::rejected);
  REQUIRE(refused.rejection.has_value());
  CHECK(refused.rejection->code == "validation_failed");
  CHECK(refused.version == 0);
  CHECK(n.store->read_stream("product", "MUG-0", 1, 10).empty());
  // The entity is unharmed and takes the next command.
  CHECK(n.product("MUG-0", mug).status == entity_status::accepted);
}

TEST_CASE("commands sent together are decided one after another, in order", "[entity]") {
  node n;
  n.product("MUG-1", mug);
  constexpr int count = 200;
  for (int i = 0; i < count; ++i)
    n.self->send(n.regions.of<inventory_decider>(),
                 protocols::entity_command<inventory_decider>{"MUG-1", adjust_stock{1, std::to_string(i)}, {}});
  std::vector<std::int64_t> versions;
  for (int i = 0; i < count; ++i)
    n.self->receive([&](protocols::entity_reply<inventory_decider>& r) { versions.push_back(r.version); },
                    caf::after(std::chrono::seconds(10)) >> [] { FAIL("no reply"); });
  for (int i = 0; i < count; ++i) CHECK(versions[i] == i + 2);
  const auto stored = n.store->read_stream("product", "MUG-1", 1, 1000);
  REQUIRE(stored.size() == count + 1);
  for (int i = 0; i < count; ++i)  // stored in the order sent
    CHECK(boost::json::parse(stored[i + 1].data).at("reason").as_string() == std::to_string(i));
}

TEST_CASE("an entity recovers its state from the journal after a restart", "[entity]") {
  node n;
  n.product("MUG-1", mug);
  n.product("MUG-1", adjust_stock{10, "delivery"});
  n.product("MUG-1", reserve_stock{"cart-1", 4, std::nullopt});
  n.restart();
  auto recovered = n.get_product("MUG-1");
  CHECK(recovered.version == 3);
  CHECK(recovered.state.on_hand == 10);
  CHECK(recovered.state.available() == 6);
  CHECK(recovered.state.reservations.at("cart-1").quantity == 4);
  CHECK(n.product("MUG-1", reserve_stock{"cart-2", 7, std::nullopt}).status == entity_status::rejected);
}

TEST_CASE("a conflicting append reloads what another writer stored and decides again", "[entity]") {
  node n;
  n.product("MUG-1", mug);
  n.product("MUG-1", adjust_stock{10, "delivery"});
  // A second writer (a stale owner elsewhere) appends behind the entity's back.
  n.store->append({{"product", "MUG-1", 2, {{"StockAdjusted", 1, R"({"delta":-10,"reason":"recount"})", "{}"}}, {}}});
  auto refused = n.product("MUG-1", reserve_stock{"cart-1", 1, std::nullopt});
  CHECK(refused.status == entity_status::rejected);  // decided on the reloaded state: no stock
  CHECK(refused.state.on_hand == 0);
  CHECK(refused.version == 3);
  auto ok = n.product("MUG-1", adjust_stock{5, "delivery"});
  CHECK(ok.status == entity_status::accepted);
  CHECK(ok.version == 4);
  CHECK(ok.state.on_hand == 5);
}

TEST_CASE("snapshots every N events shorten recovery to the events after them", "[entity]") {
  actors::entity_kinds_options options;
  options.snapshot_every = 10;
  node n(options);
  n.product("MUG-1", mug);
  for (int i = 0; i < 24; ++i) n.product("MUG-1", adjust_stock{1, "delivery"});
  const auto snap = n.store->load_snapshot("product", "MUG-1");
  REQUIRE(snap.has_value());
  CHECK(snap->version == 20);
  n.restart(options);
  auto recovered = n.get_product("MUG-1");
  CHECK(n.store->last_read_from == 21);
  CHECK(recovered.version == 25);
  CHECK(recovered.state.on_hand == 24);
  CHECK(recovered.state.name == "Mug");

  // A snapshot of a shape this build does not know is skipped: full replay.
  n.store->save_snapshot({"product", "MUG-1", 30, 99, R"({"from":"the future"})"});
  n.restart(options);
  CHECK(n.get_product("MUG-1").state.on_hand == 24);
  CHECK(n.store->last_read_from == 1);
}

TEST_CASE("an idle entity passivates and comes back with its state on the next message", "[entity]") {
  actors::entity_kinds_options options;
  options.passivate_after = std::chrono::milliseconds(300);  // longer than the three calls take, even under load
  node n(options);
  n.product("MUG-1", mug);
  n.product("MUG-1", adjust_stock{2, "delivery"});
  n.product("MUG-2", mug);
  CHECK(n.active(n.regions.of<inventory_decider>()) == 2);
  for (int i = 0; i < 150 && n.active(n.regions.of<inventory_decider>()) > 0; ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  CHECK(n.active(n.regions.of<inventory_decider>()) == 0);
  auto back = n.product("MUG-1", adjust_stock{1, "delivery"});
  CHECK(back.version == 3);
  CHECK(back.state.on_hand == 3);
}

TEST_CASE("a deadline is stored with the events and met by a late or repeated timer", "[entity]") {
  node n;
  const auto start = n.now_ms.load();
  n.product("MUG-1", mug);
  n.product("MUG-1", adjust_stock{5, "delivery"});
  n.product("MUG-1", reserve_stock{"cart-1", 2, timestamp{start + 1'000}});
  n.product("MUG-1", reserve_stock{"cart-2", 1, timestamp{start + 5'000}});
  auto timers = n.store->due_timers(start + 60'000, 10);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].name == "reservations");
  CHECK(timers[0].due_at_ms == start + 1'000);

  // Early delivery (a clock behind): nothing expires.
  CHECK(n.fire_timer(n.regions.of<inventory_decider>(), "MUG-1", start + 1'000) == entity_status::accepted);
  CHECK(n.get_product("MUG-1").state.reserved == 3);
  // On time, after a restart: cart-1 expires; the deadline moves to cart-2's.
  n.restart();
  n.now_ms = start + 1'500;
  CHECK(n.fire_timer(n.regions.of<inventory_decider>(), "MUG-1", start + 1'000) == entity_status::accepted);
  auto after = n.get_product("MUG-1");
  CHECK(after.state.reserved == 1);
  CHECK(after.state.reservations.count("cart-1") == 0);
  timers = n.store->due_timers(start + 60'000, 10);
  REQUIRE(timers.size() == 1);
  CHECK(timers[0].due_at_ms == start + 5'000);
  // Repeated: no change, no event.
  const auto version = after.version;
  CHECK(n.fire_timer(n.regions.of<inventory_decider>(), "MUG-1", start + 1'000) == entity_status::accepted);
  CHECK(n.get_product("MUG-1").version == version);
  // The last reservation goes: the timer is cleared.
  n.now_ms = start + 6'000;
  n.fire_timer(n.regions.of<inventory_decider>(), "MUG-1", start + 5'000);
  CHECK(n.store->due_timers(start + 60'000, 10).empty());
}

TEST_CASE("an outage answers storage_unavailable and leaves the entity as it was", "[entity]") {
  node n;
  n.product("MUG-1", mug);
  n.store->down = true;
  auto failed = n.product("MUG-1", adjust_stock{5, "delivery"});
  CHECK(failed.status == entity_status::storage_unavailable);
  CHECK(failed.state.on_hand == 0);
  CHECK(failed.version == 1);
  n.store->down = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(5));
  auto ok = n.product("MUG-1", adjust_stock{5, "delivery"});
  CHECK(ok.status == entity_status::accepted);
  CHECK(ok.state.on_hand == 5);
  CHECK(ok.version == 2);
}

TEST_CASE("the timer service delivers due deadlines, re-armed from the journal after a restart", "[entity][timers]") {
  node n;
  const auto start = n.now_ms.load();
  n.product("MUG-1", mug);
  n.product("MUG-1", adjust_stock{5, "delivery"});
  n.product("MUG-1", reserve_stock{"cart-1", 2, timestamp{start + 1'000}});
  n.product("MUG-2", mug);
  n.product("MUG-2", adjust_stock{5, "delivery"});
  n.product("MUG-2", reserve_stock{"cart-1", 3, timestamp{start + 2'000}});
  n.restart();  // nothing of the deadlines lives in memory now
  n.start_timer_service();
  auto wait_for = [&](const std::string& sku, std::int64_t reserved) {
    for (int i = 0; i < 300 && n.get_product(sku).state.reserved != reserved; ++i)
      std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return n.get_product(sku).state.reserved;
  };
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  CHECK(n.get_product("MUG-1").state.reserved == 2);  // not yet due
  n.now_ms = start + 1'200;
  CHECK(wait_for("MUG-1", 0) == 0);
  CHECK(n.get_product("MUG-2").state.reserved == 3);
  n.now_ms = start + 2'500;
  CHECK(wait_for("MUG-2", 0) == 0);
  for (int i = 0; i < 100 && !n.store->due_timers(start + 60'000, 10).empty(); ++i)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  CHECK(n.store->due_timers(start + 60'000, 10).empty());
  const auto stored = n.store->read_stream("product", "MUG-1", 1, 100);
  CHECK(stored.back().event_type == "ReservationExpired");
  CHECK(boost::json::parse(stored.back().metadata).at("causation_id").as_string() ==
        "timer:" + std::to_string(start + 1'000));
}

TEST_CASE("an entity's timers are kept by name: only what changed is written", "[entity][timers]") {
  using actors::detail::timer_changes;
  const actors::stored_timers before{{"reservations", 1'000}, {"abandonment", 9'000}};
  // One moved, one cleared, one new; the unchanged one is not written again.
  const auto changes = timer_changes(before, {{"reservations", 2'000}, {"reminder", 5'000}});
  std::map<std::string, std::int64_t> written;
  for (const auto& c : changes) written[c.name] = c.due_at_ms;
  CHECK(written == std::map<std::string, std::int64_t>{{"abandonment", 0}, {"reminder", 5'000}, {"reservations", 2'000}});
  CHECK(timer_changes(before, before).empty());
  CHECK(actors::timers_named("x", std::nullopt).empty());
  CHECK(actors::timers_named("x", timestamp{7}).at("x").ms_since_epoch == 7);
}
