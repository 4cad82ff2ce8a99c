// Entities on the real PostgreSQL journal: a node stopped with entities mid-life comes back to
// the same states and its pending timers still fire; PostgreSQL killed under load fails
// commands fast, the node recovers without a restart, and no acknowledged event is lost.
#include "actors/kinds/kind_module.hpp"
#include "actors/timer_service.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/postgres_journal.hpp"
#include "adapters/postgres/migrations.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "protocols/entity.hpp"

#include "support/test_env.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <cstdlib>
#include <map>
#include <thread>

using namespace commerce;
using namespace commerce::domain;
using protocols::entity_status;
using clock_type = std::chrono::steady_clock;

namespace {

// One node's actors over a database; destroying it stops them all, as stopping the node does.
struct pg_node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  protocols::journal_writer_actor writer;
  std::vector<protocols::journal_reader_actor> readers;
  caf::actor timers;
  actors::entity_regions regions;

  explicit pg_node(const std::string& conninfo, actors::entity_kinds_options options = {}) {
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
    adapters::journal_writer_options writer_options;
    writer_options.retry_min = std::chrono::milliseconds(50);
    writer_options.retry_max = std::chrono::milliseconds(400);
    writer = adapters::spawn_journal_writer(*system, std::make_shared<adapters::postgres_journal>(conninfo),
                                            writer_options);
    for (int i = 0; i < 2; ++i)
      readers.push_back(adapters::spawn_journal_reader(*system, std::make_shared<adapters::postgres_journal>(conninfo)));
    actors::entity_services services;
    services.writer = actors::service{writer};
    for (const auto& r : readers) services.readers.emplace_back(r);
    regions = actors::spawn_entity_regions(*system, services, options);
  }
  void start_timers() {
    actors::timer_service_options options;
    options.poll_interval = std::chrono::milliseconds(20);
    timers = actors::spawn_timer_service(*system, actors::service{readers.front()}, actors::service{writer}, regions, options);
  }
  ~pg_node() {
    std::vector<caf::actor> all = regions.all();
    all.insert(all.end(), {caf::actor_cast<caf::actor>(writer), timers});
    for (const auto& reader : readers) all.push_back(caf::actor_cast<caf::actor>(reader));
    for (const auto& a : all)
      if (a) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    system->await_all_actors_done();
  }

  template <class Decider>
  protocols::entity_reply<Decider> ask(const caf::actor& region, const std::string& id,
                                       std::optional<typename Decider::command> command) {
    caf::scoped_actor self{*system};
    protocols::entity_reply<Decider> out;
    out.status = entity_status::conflict;
    auto receive = [&](auto&& request) {
      std::move(request).receive([&](protocols::entity_reply<Decider>& r) { out = std::move(r); },
                                 [&](caf::error& e) { FAIL(system->render(e)); });
    };
    if (command)
      receive(self->request(region, std::chrono::seconds(10), protocols::entity_command<Decider>{id, *command, {}}));
    else
      receive(self->request(region, std::chrono::seconds(10), protocols::entity_get<Decider>{id}));
    return out;
  }
};

template <class State>
std::string json_of(const State& s) {
  return boost::json::serialize(boost::json::value_from(s));
}

struct migrated_database {
  test::scratch_database db;
  migrated_database() {
    adapters::postgres::connection conn(db.conninfo());
    adapters::postgres::migrate(conn);
  }
};

}  // namespace

TEST_CASE("a restarted node recovers every entity to the same state and its pending timers fire", "[entity][postgres]") {
  migrated_database scratch;
  const auto conninfo = scratch.db.conninfo();
  actors::entity_kinds_options options;
  options.snapshot_every = 4;  // some recover from a snapshot, some by replay alone
  options.cart_reservation_ttl = std::chrono::milliseconds(1500);
  const auto now = actors::system_now();
  const auto soon = now + std::chrono::milliseconds(1500), later = now + std::chrono::hours(1);
  std::map<std::string, std::string> products, carts, orders;
  {
    pg_node node(conninfo, options);
    for (int i = 0; i < 12; ++i) {
      const auto sku = "SKU-" + std::to_string(i), cart = "cart-" + std::to_string(i);
      const auto p = node.regions.of<inventory_decider>();
      REQUIRE(node.ask<inventory_decider>(p, sku, define_product{"Thing", {500, "EUR"}, "misc"}).status ==
              entity_status::accepted);
      node.ask<inventory_decider>(p, sku, adjust_stock{10 + i, "delivery"});
      // Even products: a reservation that expires soon; odd: in an hour.
      node.ask<inventory_decider>(p, sku, reserve_stock{cart, 2, i % 2 == 0 ? soon : later});
      node.ask<inventory_decider>(p, sku, reserve_stock{"cart-x", 1, later});
      for (int k = 0; k < i % 5; ++k) node.ask<inventory_decider>(p, sku, adjust_stock{1, "recount"});
      node.ask<cart_decider>(node.regions.of<cart_decider>(), cart, create_cart{"EUR", "a@example.com", ""});
      node.ask<cart_decider>(node.regions.of<cart_decider>(), cart, set_line{sku, 2, {500, "EUR"}, true});
      if (i % 3 == 0) {
        const auto order = "order-" + std::to_string(i);
        node.ask<order_decider>(node.regions.of<order_decider>(), order,
                                place_order{cart, "", "a@example.com", {}, {{sku, 2, {500, "EUR"}}}});
        REQUIRE(node.ask<order_decider>(node.regions.of<order_decider>(), order, record_payment{"tx-" + order, {1000, "EUR"}})
                    .status == entity_status::accepted);
        orders[order] = json_of(node.ask<order_decider>(node.regions.of<order_decider>(), order, std::nullopt).state);
      }
    }
    for (int i = 0; i < 12; ++i) {
      const auto sku = "SKU-" + std::to_string(i), cart = "cart-" + std::to_string(i);
      products[sku] = json_of(node.ask<inventory_decider>(node.regions.of<inventory_decider>(), sku, std::nullopt).state);
      carts[cart] = json_of(node.ask<cart_decider>(node.regions.of<cart_decider>(), cart, std::nullopt).state);
    }
  }  // the node stops here, with reservations and cart deadlines pending

  pg_node node(conninfo, options);
  for (const auto& [sku, json] : products)
    CHECK(json_of(node.ask<inventory_decider>(node.regions.of<inventory_decider>(), sku, std::nullopt).state) == json);
  for (const auto& [cart, json] : carts)
    CHECK(json_of(node.ask<cart_decider>(node.regions.of<cart_decider>(), cart, std::nullopt).state) == json);
  for (const auto& [order, json] : orders)
    CHECK(json_of(node.ask<order_decider>(node.regions.of<order_decider>(), order, std::nullopt).state) == json);
  REQUIRE(adapters::postgres_journal(conninfo).load_snapshot("product", "SKU-4").has_value());

  // Deadlines set before the restart fire now: the soon ones expire, the later ones stay.
  node.start_timers();
  auto settled = [&] {
    for (int i = 0; i < 12; ++i) {
      const auto p = node.ask<inventory_decider>(node.regions.of<inventory_decider>(), "SKU-" + std::to_string(i), std::nullopt).state;
      if (i % 2 == 0 && p.reservations.count("cart-" + std::to_string(i))) return false;
      const auto c = node.ask<cart_decider>(node.regions.of<cart_decider>(), "cart-" + std::to_string(i), std::nullopt).state;
      if (c.lines.at("SKU-" + std::to_string(i)).reserved) return false;
    }
    return true;
  };
  const auto deadline = clock_type::now() + std::chrono::seconds(10);
  while (!settled() && clock_type::now() < deadline) std::this_thread::sleep_for(std::chrono::milliseconds(50));
  REQUIRE(settled());
  for (int i = 0; i < 12; ++i) {
    const auto p = node.ask<inventory_decider>(node.regions.of<inventory_decider>(), "SKU-" + std::to_string(i), std::nullopt).state;
    CHECK(p.reservations.count("cart-x") == 1);  // due in an hour
    CHECK(p.reservations.count("cart-" + std::to_string(i)) == (i % 2 == 0 ? 0u : 1u));
    CHECK(!check_invariant(p).has_value());
  }
}

// The entity history route (GET /v1/{collection}/{id}/events?from=&limit=) pages a long stream:
// the reader reads that page from PostgreSQL, never the rest of the stream.
TEST_CASE("a journal reader answers a page of one stream: from a version, at most a limit", "[journal][postgres]") {
  migrated_database scratch;
  pg_node node(scratch.db.conninfo());
  const auto p = node.regions.of<inventory_decider>();
  REQUIRE(node.ask<inventory_decider>(p, "SKU-1", define_product{"Thing", {500, "EUR"}, "misc"}).status ==
          entity_status::accepted);
  for (int k = 0; k < 6; ++k)
    REQUIRE(node.ask<inventory_decider>(p, "SKU-1", adjust_stock{1, "delivery"}).status == entity_status::accepted);
  caf::scoped_actor self{*node.system};
  auto versions = [&](std::int64_t from, std::uint64_t limit) {
    std::vector<std::int64_t> out;
    self->request(node.readers.front(), std::chrono::seconds(10), protocols::read_atom::value, std::string("product"),
                  std::string("SKU-1"), from, limit)
        .receive(
            [&](const std::vector<protocols::stored_event>& events) {
              for (const auto& e : events) out.push_back(e.version);
            },
            [&](caf::error& e) { FAIL(node.system->render(e)); });
    return out;
  };
  CHECK(versions(3, 2) == std::vector<std::int64_t>{3, 4});
  CHECK(versions(6, 10) == std::vector<std::int64_t>{6, 7});
  CHECK(versions(8, 10).empty());
  CHECK(versions(1, 1) == std::vector<std::int64_t>{1});
}

TEST_CASE("PostgreSQL killed under load: fast storage_unavailable, recovery without a restart, nothing acknowledged lost",
          "[entity][postgres][outage]") {
  const auto control = test::required_env("COMMERCE_TEST_PG_CONTROL");
  migrated_database scratch;
  // Test PostgreSQL runs with synchronous_commit off; the journal's commits must be on disk
  // (well, in the OS) before they are acknowledged, as in production.
  const auto conninfo = scratch.db.conninfo() + " options='-c synchronous_commit=on' connect_timeout=2";
  // Brings PostgreSQL back whatever happens, for the suites after this one.
  struct restart_guard {
    std::string control;
    bool down = false;
    void kill() { down = std::system((control + " kill").c_str()) == 0; }
    void start() {
      REQUIRE(std::system((control + " start >/dev/null 2>&1").c_str()) == 0);
      down = false;
    }
    ~restart_guard() {
      if (down) std::system((control + " start >/dev/null 2>&1").c_str());
    }
  } postgres{control};

  constexpr int skus = 100;
  std::map<std::string, int> acknowledged;
  // Answered storage_unavailable: not applied, but a commit whose answer PostgreSQL's death cut
  // off may still have landed (the journal says its outcome is unknown): 503 means "maybe".
  std::map<std::string, int> maybe;
  pg_node node(conninfo);
  caf::scoped_actor self{*node.system};
  auto sku = [](int i) { return "SKU-" + std::to_string(i); };
  for (int i = 0; i < skus; ++i)
    REQUIRE(node.ask<inventory_decider>(node.regions.of<inventory_decider>(), sku(i), define_product{"Thing", {500, "EUR"}, "misc"})
                .status == entity_status::accepted);

  struct round_result {
    int accepted = 0, unavailable = 0, other = 0;
    clock_type::duration slowest{};
  };
  // One command to every product at once; counts the answers.
  auto round = [&] {
    round_result r;
    std::map<std::string, clock_type::time_point> sent;
    for (int i = 0; i < skus; ++i) {
      self->send(node.regions.of<inventory_decider>(), protocols::entity_command<inventory_decider>{sku(i), adjust_stock{1, "load"}, {}});
    }
    const auto started = clock_type::now();
    for (int i = 0; i < skus; ++i)
      self->receive(
          [&](protocols::entity_reply<inventory_decider>& reply) {
            r.slowest = std::max(r.slowest, clock_type::now() - started);
            if (reply.status == entity_status::accepted) ++acknowledged[reply.state.sku], ++r.accepted;
            else if (reply.status == entity_status::storage_unavailable) ++maybe[reply.state.sku], ++r.unavailable;
            else ++r.other;
          },
          [&](caf::error&) { ++r.other; },
          caf::after(std::chrono::seconds(15)) >> [&] { FAIL("a command got no answer within 15 s"); });
    return r;
  };

  for (int i = 0; i < 3; ++i) CHECK(round().accepted == skus);
  // PostgreSQL dies while rounds are in flight.
  std::thread killer([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    postgres.kill();
  });
  int outage_rounds = 0;
  for (int i = 0; i < 1000 && outage_rounds < 3; ++i) {
    const auto r = round();
    CHECK(r.other == 0);                             // appended or storage_unavailable, nothing else
    CHECK(r.slowest < std::chrono::seconds(3));      // no hang
    if (r.unavailable == skus) ++outage_rounds;
  }
  killer.join();
  REQUIRE(postgres.down);
  REQUIRE(outage_rounds == 3);
  postgres.start();
  // Back without restarting anything: within the writer's backoff, every command lands again.
  const auto deadline = clock_type::now() + std::chrono::seconds(20);
  bool recovered = false;
  while (!recovered && clock_type::now() < deadline) {
    recovered = round().accepted == skus;
    if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  REQUIRE(recovered);
  for (int i = 0; i < 3; ++i) CHECK(round().accepted == skus);

  // Every acknowledged command is in the journal, nothing else is but what may have landed, and
  // the entities agree with the journal.
  adapters::postgres_journal journal(conninfo);
  pg_node fresh(conninfo);
  for (int i = 0; i < skus; ++i) {
    const auto events = journal.read_stream("product", sku(i), 1, 100'000);
    const auto adjusted = std::count_if(events.begin(), events.end(),
                                        [](const auto& e) { return e.event_type == "StockAdjusted"; });
    CHECK(adjusted >= acknowledged[sku(i)]);
    CHECK(adjusted <= acknowledged[sku(i)] + maybe[sku(i)]);
    CHECK(node.ask<inventory_decider>(node.regions.of<inventory_decider>(), sku(i), std::nullopt).state.on_hand == adjusted);
    CHECK(fresh.ask<inventory_decider>(fresh.regions.of<inventory_decider>(), sku(i), std::nullopt).state.on_hand == adjusted);
  }
}
