// The persistence benchmark (issue 3), run by `scripts/bench persistence` against a PostgreSQL
// of its own. Measures, through the same actors and journal commerced runs:
//   persist    commands/s through product entities (one event each), 10,000 entities, with
//              64, 256 and 512 commands in flight;
//   replay     events/s of an entity recovering a 1,000- and a 100,000-event stream, next to a raw
//              SELECT of the same rows over libpq;
//   memory     RSS per active cart entity with 3 lines, over 100,000 activations;
//   activation p50/p99 of activating an entity with 100 events, without and with a snapshot.
// Prints one `name=value` line at the end; scripts/bench adds pgbench's figure and the ratios.
//
// usage: persistence_bench [--schema-only] CONNINFO   (--schema-only: migrate, empty the tables, stop)
#include "actors/kinds/kind_module.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/postgres_journal.hpp"
#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/libpq.hpp"
#include "adapters/postgres/migrations.hpp"
#include "domain/cart.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "protocols/entity.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <malloc.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

using namespace commerce;
using namespace commerce::domain;
using bench_clock = std::chrono::steady_clock;

namespace {

std::vector<std::pair<std::string, std::string>> figures;

void report(const std::string& name, double value) {
  std::ostringstream text;
  text.precision(value < 100 ? 3 : 0);
  text << std::fixed << value;
  figures.emplace_back(name, text.str());
  std::fprintf(stderr, "  %-34s %s\n", name.c_str(), text.str().c_str());
}

void progress(const std::string& what) { std::fprintf(stderr, "==> %s\n", what.c_str()); }

double seconds_since(bench_clock::time_point start) {
  return std::chrono::duration<double>(bench_clock::now() - start).count();
}

std::size_t rss_bytes() {
  std::ifstream status("/proc/self/status");
  std::string line;
  while (std::getline(status, line))
    if (line.rfind("VmRSS:", 0) == 0) return std::stoul(line.substr(6)) * 1024;
  return 0;
}

// CPU seconds used so far by this process, and by all PostgreSQL processes (the profile that
// says where a command's time goes).
double own_cpu_seconds() {
  rusage usage{};
  getrusage(RUSAGE_SELF, &usage);
  auto seconds = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return seconds(usage.ru_utime) + seconds(usage.ru_stime);
}

double postgres_cpu_seconds() {
  double ticks = 0;
  for (const auto& entry : std::filesystem::directory_iterator("/proc")) {
    std::ifstream stat(entry.path() / "stat");
    std::string line;
    if (!std::getline(stat, line) || line.find("(postgres)") == std::string::npos) continue;
    std::istringstream fields(line.substr(line.rfind(')') + 2));
    std::string field;
    double utime = 0, stime = 0;
    for (int i = 3; i <= 15 && fields >> field; ++i) {  // fields 14 and 15 of /proc/PID/stat
      if (i == 14) utime = std::stod(field);
      if (i == 15) stime = std::stod(field);
    }
    ticks += utime + stime;
  }
  return ticks / static_cast<double>(sysconf(_SC_CLK_TCK));
}

// The node's actors over the benchmark database, configured as commerced's defaults.
struct node {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  protocols::journal_writer_actor writer;
  std::vector<protocols::journal_reader_actor> readers;
  actors::entity_regions regions;

  node(const std::string& conninfo, std::int64_t snapshot_every) {
    cfg.set("scheduler.max-threads", 2);
    cfg.set("work-stealing.moderate-sleep-duration", caf::timespan{0});
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
    writer = adapters::spawn_journal_writer(*system, std::make_shared<adapters::postgres_journal>(conninfo));
    for (int i = 0; i < 2; ++i)
      readers.push_back(adapters::spawn_journal_reader(*system, std::make_shared<adapters::postgres_journal>(conninfo)));
    actors::entity_kinds_options options;
    options.passivate_after = std::chrono::hours(1);
    options.snapshot_every = snapshot_every;
    actors::entity_services services;
    services.writer = actors::service{writer};
    for (const auto& r : readers) services.readers.emplace_back(r);
    regions = actors::spawn_entity_regions(*system, services, options);
  }
  ~node() {
    auto all = regions.all();
    for (const auto& a : all) caf::anon_send_exit(a, caf::exit_reason::user_shutdown);
    caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
    for (const auto& r : readers) caf::anon_send_exit(r, caf::exit_reason::user_shutdown);
    system->await_all_actors_done();
  }
};

template <class Decider>
protocols::entity_command<Decider> command(std::string id, typename Decider::command c) {
  return {std::move(id), std::move(c), {}};
}

// Keeps `in_flight` commands outstanding until `total` have been answered; returns answers/s.
// The client is an event-based actor, as the gateway is: a blocking receive per answer would
// measure thread wake-ups instead of the node. Exits on any answer but `accepted`: a
// benchmark of failures would measure nothing.
template <class Decider, class Make>
double pipelined(caf::actor_system& system, const caf::actor& region, std::size_t in_flight, std::size_t total,
                 Make make) {
  struct progress_state {
    std::size_t sent = 0, answered = 0, failed = 0;
  };
  auto counts = std::make_shared<progress_state>();
  const auto start = bench_clock::now();
  auto client = system.spawn([=](caf::event_based_actor* self) -> caf::behavior {
    auto send_next = [=] {
      const auto n = counts->sent++;
      self->request(region, std::chrono::minutes(1), make(n))
          .then(
              [=](const protocols::entity_reply<Decider>& reply) {
                if (reply.status != protocols::entity_status::accepted) ++counts->failed;
                if (++counts->answered == total) self->quit();
                else if (counts->sent < total) self->send(self, caf::tick_atom::value);
              },
              [=](caf::error&) {
                ++counts->failed;
                if (++counts->answered == total) self->quit();
                else if (counts->sent < total) self->send(self, caf::tick_atom::value);
              });
    };
    for (std::size_t i = 0; i < std::min(in_flight, total); ++i) send_next();
    return {[=](caf::tick_atom) { send_next(); }};
  });
  caf::scoped_actor waiter{system};
  waiter->wait_for(client);
  const double rate = static_cast<double>(total) / seconds_since(start);
  if (counts->failed > 0) {
    std::fprintf(stderr, "error: %zu of %zu commands failed\n", counts->failed, total);
    std::exit(1);
  }
  return rate;
}

// A stream of `events` StockAdjusted events for one product, written in bulk with SQL.
void make_product_stream(adapters::postgres::connection& db, const std::string& sku, int events) {
  db.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
          "SELECT 'product', '" + sku + "', 1, 'ProductCreated', 1, "
          "'{\"name\":\"Thing\",\"price\":{\"amount\":500,\"currency\":\"EUR\"},\"category\":\"bench\"}';"
          "INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
          "SELECT 'product', '" + sku + "', v, 'StockAdjusted', 1, '{\"delta\":1,\"reason\":\"delivery\"}' "
          "FROM generate_series(2, " + std::to_string(events) + ") v");
}

void bench_persist(const std::string& conninfo) {
  progress("persist: 10,000 product entities, one event per command");
  constexpr std::size_t entities = 10'000;
  node n(conninfo, 100);
  auto sku = [](std::size_t i) { return "P-" + std::to_string(i); };
  // Create them (and so activate them) first: what follows is commands to live entities.
  pipelined<inventory_decider>(*n.system, n.regions.of<inventory_decider>(), 256, entities, [&](std::size_t i) {
    return command<inventory_decider>(sku(i), define_product{"Thing", {500, "EUR"}, "bench"});
  });
  std::mt19937_64 random(42);
  for (std::size_t in_flight : {64, 256, 512}) {
    const std::size_t total = 100'000;
    const auto node_cpu = own_cpu_seconds(), pg_cpu = postgres_cpu_seconds();
    const auto rate = pipelined<inventory_decider>(*n.system, n.regions.of<inventory_decider>(), in_flight, total, [&](std::size_t) {
      return command<inventory_decider>(sku(random() % entities), adjust_stock{1, "delivery"});
    });
    report("persist_cmds_per_s_" + std::to_string(in_flight), rate);
    if (in_flight == 512) {
      report("persist_node_cpu_us_per_cmd", (own_cpu_seconds() - node_cpu) * 1e6 / total);
      report("persist_pg_cpu_us_per_cmd", (postgres_cpu_seconds() - pg_cpu) * 1e6 / total);
    }
  }
}

// Replays a stream through an entity (activation: load + decode + evolve) and through a raw
// SELECT of the same rows.
void bench_replay(const std::string& conninfo, adapters::postgres::connection& db, int events) {
  progress("replay: a " + std::to_string(events) + "-event stream");
  const auto sku = "R-" + std::to_string(events);
  make_product_stream(db, sku, events);
  db.exec("ANALYZE events");
  const int runs = events >= 100'000 ? 3 : 20;
  double best_entity = 0, best_raw = 0;
  for (int run = 0; run < runs; ++run) {
    {
      node n(conninfo, 0);  // a fresh node: the entity is not active, no snapshot exists
      caf::scoped_actor self{*n.system};
      const auto start = bench_clock::now();
      std::int64_t on_hand = -1;
      self->request(n.regions.of<inventory_decider>(), std::chrono::minutes(5), protocols::entity_get<inventory_decider>{sku})
          .receive([&](const protocols::entity_reply<inventory_decider>& r) { on_hand = r.state.on_hand; },
                   [&](caf::error& e) { std::fprintf(stderr, "replay failed: %s\n", n.system->render(e).c_str()); });
      const double elapsed = seconds_since(start);
      if (on_hand != events - 1) {
        std::fprintf(stderr, "error: replay gave on_hand %lld, expected %d\n", static_cast<long long>(on_hand),
                     events - 1);
        std::exit(1);
      }
      best_entity = std::max(best_entity, events / elapsed);
    }
    {
      // The same query the journal runs, every row fetched to the client, nothing decoded.
      PGconn* raw = PQconnectdb(conninfo.c_str());
      const auto start = bench_clock::now();
      adapters::postgres::result_ptr rows(PQexec(
          raw, ("SELECT position, version, event_type, schema_version, data::text, metadata::text, "
                "(extract(epoch FROM recorded_at) * 1000)::bigint FROM events WHERE stream_type = 'product' AND "
                "stream_id = '" + sku + "' AND version >= 1 ORDER BY version").c_str()));
      const double elapsed = seconds_since(start);
      const int fetched = PQntuples(rows.get());
      PQfinish(raw);
      if (fetched != events) {
        std::fprintf(stderr, "error: raw SELECT fetched %d rows, expected %d\n", fetched, events);
        std::exit(1);
      }
      best_raw = std::max(best_raw, events / elapsed);
    }
  }
  const auto label = events >= 100'000 ? std::string("100k") : std::string("1k");
  report("replay_" + label + "_events_per_s", best_entity);
  report("raw_select_" + label + "_rows_per_s", best_raw);
}

void bench_cart_memory(const std::string& conninfo, adapters::postgres::connection& db) {
  constexpr int carts = 100'000;
  progress("memory: 100,000 active carts with 3 lines");
  db.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
          "SELECT 'cart', 'C-' || c, 1, 'CartCreated', 1, "
          "'{\"currency\":\"EUR\",\"email\":\"someone@example.com\",\"customer_id\":\"\",\"at\":\"2026-11-21T10:00:00.000Z\"}' "
          "FROM generate_series(1, " + std::to_string(carts) + ") c");
  db.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
          "SELECT 'cart', 'C-' || c, 1 + l, 'CartLineSet', 1, "
          "json_build_object('sku', 'SKU-' || l, 'quantity', 2, 'unit_price', "
          "json_build_object('amount', 1299, 'currency', 'EUR'), 'reserved', true, "
          "'at', '2026-11-21T10:00:00.000Z')::jsonb "
          "FROM generate_series(1, " + std::to_string(carts) + ") c, generate_series(1, 3) l");
  db.exec("ANALYZE events");
  node n(conninfo, 0);
  malloc_trim(0);
  const auto before = rss_bytes();
  const auto start = bench_clock::now();
  caf::scoped_actor self{*n.system};
  std::size_t answered = 0, sent = 0, wrong = 0;
  for (; sent < 256; ++sent) self->send(n.regions.of<cart_decider>(), protocols::entity_get<cart_decider>{"C-" + std::to_string(sent + 1)});
  while (answered < static_cast<std::size_t>(carts)) {
    self->receive([&](const protocols::entity_reply<cart_decider>& r) {
      if (r.state.lines.size() != 3) ++wrong;
      ++answered;
      if (sent < static_cast<std::size_t>(carts))
        self->send(n.regions.of<cart_decider>(), protocols::entity_get<cart_decider>{"C-" + std::to_string(++sent)});
    });
  }
  const double rate = carts / seconds_since(start);
  malloc_trim(0);
  const auto after = rss_bytes();
  if (wrong > 0) {
    std::fprintf(stderr, "error: %zu carts did not recover 3 lines\n", wrong);
    std::exit(1);
  }
  report("cart_bytes_per_entity", static_cast<double>(after - before) / carts);
  report("activations_per_s", rate);
}

// Activates `count` entities one at a time and returns the latencies in microseconds, sorted.
std::vector<double> activation_latencies(node& n, const std::string& prefix, int count) {
  caf::scoped_actor self{*n.system};
  std::vector<double> out;
  for (int i = 0; i < count; ++i) {
    const auto start = bench_clock::now();
    self->request(n.regions.of<inventory_decider>(), std::chrono::seconds(30),
                  protocols::entity_get<inventory_decider>{prefix + std::to_string(i)})
        .receive([](const protocols::entity_reply<inventory_decider>&) {}, [](caf::error&) {});
    out.push_back(std::chrono::duration<double, std::micro>(bench_clock::now() - start).count());
  }
  std::sort(out.begin(), out.end());
  return out;
}

double percentile(const std::vector<double>& sorted, double p) {
  return sorted[std::min(sorted.size() - 1, static_cast<std::size_t>(p * static_cast<double>(sorted.size())))];
}

void bench_activation(const std::string& conninfo, adapters::postgres::connection& db) {
  constexpr int entities = 2'000;
  progress("activation: entities with 100 events, without and with a snapshot");
  for (const char* prefix : {"A-", "S-"})
    db.exec(std::string("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
                        "SELECT 'product', '") + prefix + "' || p, v, "
            "CASE WHEN v = 1 THEN 'ProductCreated' ELSE 'StockAdjusted' END, 1, "
            "CASE WHEN v = 1 THEN '{\"name\":\"Thing\",\"price\":{\"amount\":500,\"currency\":\"EUR\"},\"category\":\"bench\"}'::jsonb "
            "ELSE '{\"delta\":1,\"reason\":\"delivery\"}'::jsonb END "
            "FROM generate_series(0, " + std::to_string(entities - 1) + ") p, generate_series(1, 100) v");
  {
    // Snapshots at version 100 for the S- entities, as an entity with snapshot_every = 100 takes.
    adapters::postgres_journal journal(conninfo);
    for (int i = 0; i < entities; ++i) {
      const auto sku = "S-" + std::to_string(i);
      auto state = inventory_decider::initial(sku);
      for (const auto& e : journal.read_stream("product", sku, 1, 1000))
        state = inventory_decider::evolve(std::move(state), decode_event<inventory_event>(
                                                                e.event_type, e.schema_version, boost::json::parse(e.data)));
      journal.save_snapshot({"product", sku, 100, inventory_decider::state_schema_version,
                             boost::json::serialize(boost::json::value_from(state))});
    }
  }
  db.exec("ANALYZE events; ANALYZE snapshots");
  node n(conninfo, 0);
  const auto replayed = activation_latencies(n, "A-", entities);
  const auto snapshotted = activation_latencies(n, "S-", entities);
  report("activation_p50_us", percentile(replayed, 0.50));
  report("activation_p99_us", percentile(replayed, 0.99));
  report("activation_snapshot_p50_us", percentile(snapshotted, 0.50));
  report("activation_snapshot_p99_us", percentile(snapshotted, 0.99));
}

}  // namespace

int main(int argc, char** argv) {
  const bool schema_only = argc == 3 && std::string(argv[1]) == "--schema-only";
  if (argc != 2 && !schema_only) {
    std::fprintf(stderr, "usage: persistence_bench [--schema-only] CONNINFO\n");
    return 2;
  }
  const std::string conninfo = argv[argc - 1];
  adapters::postgres::connection db(conninfo);
  adapters::postgres::migrate(db);
  db.exec("TRUNCATE events, snapshots, timers, subscription_checkpoints");
  if (schema_only) return 0;

  const char* only = std::getenv("BENCH_ONLY");
  auto wanted = [&](const char* part) { return !only || std::string(only) == part; };
  if (wanted("persist")) bench_persist(conninfo);
  if (wanted("replay")) bench_replay(conninfo, db, 1'000);
  if (wanted("replay")) bench_replay(conninfo, db, 100'000);
  if (wanted("activation")) bench_activation(conninfo, db);
  if (wanted("memory")) bench_cart_memory(conninfo, db);

  std::string line;
  for (const auto& [name, value] : figures) line += (line.empty() ? "" : " ") + name + "=" + value;
  std::printf("%s\n", line.c_str());
  return 0;
}
