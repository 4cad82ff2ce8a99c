// Membership in PostgreSQL (adapters/postgres/cluster_membership): nodes that join share the
// shards exactly once, a node that stops renewing loses its shards after its lease (with their
// epochs grown), a node that leaves hands them over at once, and a node configured with
// another number of shards does not join; and the journal refuses a stale owner's append.
#include "adapters/journal/postgres_journal.hpp"
#include "adapters/postgres/cluster_membership.hpp"
#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/lazy_connection.hpp"
#include "adapters/postgres/migrations.hpp"
#include "support/test_env.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <map>
#include <thread>

using namespace commerce;
using namespace std::chrono_literals;
using adapters::postgres::cluster_membership_options;

namespace {

constexpr std::uint32_t shards = 64;

struct cluster_fixture {
  test::scratch_database db;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;

  cluster_fixture() {
    adapters::postgres::connection c(db.conninfo());
    adapters::postgres::migrate(c);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
  }

  cluster_membership_options options(const std::string& id) const {
    return {id, "127.0.0.1:7355", "127.0.0.1:8080", shards, 900ms};
  }

  struct member {
    std::shared_ptr<protocols::shard_table> table;
    caf::actor actor;
  };
  member start(const std::string& id) {
    adapters::postgres::join_cluster(db.conninfo(), options(id));
    member m{std::make_shared<protocols::shard_table>(id, shards), {}};
    m.table->await_membership();  // as commerced does: nothing served before the first round
    m.actor = adapters::postgres::spawn_cluster_membership(*system, db.conninfo(), options(id), m.table);
    return m;
  }
  void stop(member& m) { caf::anon_send_exit(m.actor, caf::exit_reason::kill); }

  // Owners and epochs as the table holds them.
  std::map<int, std::pair<std::string, std::int64_t>> shard_rows() {
    adapters::postgres::lazy_connection c(db.conninfo(), "test");
    auto r = c.run("SELECT shard, coalesce(node, ''), epoch FROM cluster_shards ORDER BY shard", {});
    std::map<int, std::pair<std::string, std::int64_t>> out;
    for (int i = 0; i < PQntuples(r.get()); ++i)
      out[std::stoi(PQgetvalue(r.get(), i, 0))] = {PQgetvalue(r.get(), i, 1), std::stoll(PQgetvalue(r.get(), i, 2))};
    return out;
  }
  std::map<std::string, int> owned_counts() {
    std::map<std::string, int> out;
    for (const auto& [shard, row] : shard_rows()) ++out[row.first];
    return out;
  }
  // Waits (up to `within`) until `done` holds.
  template <class Done>
  bool eventually(Done done, std::chrono::milliseconds within = 5s) {
    const auto until = std::chrono::steady_clock::now() + within;
    while (!done()) {
      if (std::chrono::steady_clock::now() > until) return false;
      std::this_thread::sleep_for(50ms);
    }
    return true;
  }
};

}  // namespace

TEST_CASE("nodes that join share every shard exactly once, as their shard tables agree", "[integration][cluster]") {
  cluster_fixture f;
  auto a = f.start("node-a");
  REQUIRE(f.eventually([&] { return f.owned_counts() == std::map<std::string, int>{{"node-a", shards}}; }));
  CHECK(f.eventually([&] { return a.table->serves("cart", "cart_1") && a.table->holds_singletons(); }));

  auto b = f.start("node-b");
  REQUIRE(f.eventually([&] {
    const auto counts = f.owned_counts();
    return counts.count("") == 0 && counts.count("node-a") && counts.count("node-b") &&
           counts.at("node-a") + counts.at("node-b") == static_cast<int>(shards) && counts.at("node-b") > 10;
  }));
  // Each node serves exactly the shards the table gives it, and they agree on every owner.
  REQUIRE(f.eventually([&] {
    const auto rows = f.shard_rows();
    for (const auto& [shard, row] : rows) {
      if (a.table->view()->owners[shard] != row.first || b.table->view()->owners[shard] != row.first) return false;
    }
    return true;
  }));
  int served_by_one = 0;
  for (int i = 0; i < 200; ++i) {
    const auto id = "cart_" + std::to_string(i);
    served_by_one += a.table->serves("cart", id) != b.table->serves("cart", id);
  }
  CHECK(served_by_one == 200);
  // A shard that moved from a to b grew its epoch: 1 when a claimed it, 2 when b did.
  for (const auto& [shard, row] : f.shard_rows()) CHECK(row.second == (row.first == "node-a" ? 1 : 2));
  f.stop(a);
  f.stop(b);
}

TEST_CASE("a node that stops renewing loses its shards once its lease has run out", "[integration][cluster]") {
  cluster_fixture f;
  auto a = f.start("node-a");
  auto b = f.start("node-b");
  REQUIRE(f.eventually([&] { return f.owned_counts().size() == 2 && f.owned_counts().count("") == 0; }));
  const auto before = f.shard_rows();
  const auto crashed_at = std::chrono::steady_clock::now();
  f.stop(a);  // as after kill -9: no leave, the lease runs out
  REQUIRE(f.eventually([&] { return f.owned_counts() == std::map<std::string, int>{{"node-b", shards}}; }));
  const auto took = std::chrono::steady_clock::now() - crashed_at;
  CHECK(took >= 600ms);  // not before the lease (900 ms) could have run out, less a renewal period
  for (const auto& [shard, row] : f.shard_rows())
    CHECK(row.second == before.at(shard).second + (before.at(shard).first == "node-a" ? 1 : 0));
  // The crashed node's table stops serving by itself: 4/5 of a lease after its last renewal.
  std::this_thread::sleep_for(900ms);
  int served = 0;
  for (int i = 0; i < 100; ++i) served += a.table->serves("cart", "cart_" + std::to_string(i));
  CHECK(served == 0);
  f.stop(b);
}

TEST_CASE("a node that leaves hands its shards over at once", "[integration][cluster]") {
  cluster_fixture f;
  auto a = f.start("node-a");
  auto b = f.start("node-b");
  REQUIRE(f.eventually([&] { return f.owned_counts().size() == 2 && f.owned_counts().count("") == 0; }));
  f.stop(a);
  adapters::postgres::leave_cluster(f.db.conninfo(), "node-a");
  // Well within the lease: b claims them at its next round (every lease/3).
  CHECK(f.eventually([&] { return f.owned_counts() == std::map<std::string, int>{{"node-b", shards}}; }, 600ms));
  f.stop(b);
}

TEST_CASE("a node configured with another number of shards does not join", "[integration][cluster]") {
  cluster_fixture f;
  adapters::postgres::join_cluster(f.db.conninfo(), f.options("node-a"));
  auto other = f.options("node-b");
  other.shards = shards * 2;
  CHECK_THROWS_AS(adapters::postgres::join_cluster(f.db.conninfo(), other), adapters::postgres::cluster_mismatch);
  other.shards = shards / 2;
  CHECK_THROWS_AS(adapters::postgres::join_cluster(f.db.conninfo(), other), adapters::postgres::cluster_mismatch);
  CHECK_NOTHROW(adapters::postgres::join_cluster(f.db.conninfo(), f.options("node-c")));
}

TEST_CASE("an append by a node that no longer owns its shard at its epoch is refused in its transaction",
          "[integration][cluster][fencing]") {
  cluster_fixture f;
  adapters::postgres::join_cluster(f.db.conninfo(), f.options("node-a"));
  const auto shard_a = shard_of("cart", "cart_a", shards), shard_b = shard_of("cart", "cart_b", shards);
  REQUIRE(shard_a != shard_b);
  adapters::postgres::lazy_connection sql(f.db.conninfo(), "test");
  sql.run("UPDATE cluster_shards SET node = 'node-a', epoch = 1", {});

  // node-a's own view: every shard its own at epoch 1.
  auto table = std::make_shared<protocols::shard_table>("node-a", shards);
  protocols::cluster_view view = *table->view();
  view.clustered = true;
  view.epochs.assign(shards, 1);
  table->publish(view);
  adapters::postgres_journal journal(f.db.conninfo());
  journal.fence("node-a", table);
  auto append = [&](const std::string& id, std::int64_t expected) {
    protocols::append_request r{"cart", id, expected, {{"CartCreated", 1, R"({"n":1})", "{}"}},
                                {{"reservations", 1000 + expected}}};
    return r;
  };
  auto first = journal.append({append("cart_a", 0), append("cart_b", 0)});
  CHECK(first[0].status == protocols::append_status::appended);
  CHECK(first[1].status == protocols::append_status::appended);

  // node-b claims cart_a's shard (epoch 2) while node-a's view still says epoch 1.
  const auto shard_text = std::to_string(shard_a);
  sql.run("UPDATE cluster_shards SET node = 'node-b', epoch = 2 WHERE shard = $1::int", {shard_text.c_str()});
  auto& fenced = metrics::registry::global().get_counter("commerce_journal_fenced_appends_total", "");
  const auto fenced_before = fenced.value();
  auto second = journal.append({append("cart_a", 1), append("cart_b", 1)});
  CHECK(second[0].status == protocols::append_status::fenced);
  CHECK(second[1].status == protocols::append_status::appended);  // the rest of the batch lands
  CHECK(fenced.value() == fenced_before + 1);
  CHECK(journal.read_stream("cart", "cart_a", 1, 10).size() == 1);  // nothing of the stale append
  CHECK(journal.read_stream("cart", "cart_b", 1, 10).size() == 2);
  // Nor its timer: still the first append's.
  const auto due = sql.run("SELECT (extract(epoch FROM due_at) * 1000)::bigint FROM timers WHERE stream_id = 'cart_a'", {});
  CHECK(std::string(PQgetvalue(due.get(), 0, 0)) == "1000");

  // Once node-a's view has the claim it does not own the shard at any epoch: still refused.
  view.epochs[shard_a] = 2;
  view.owners[shard_a] = "node-b";
  table->publish(view);
  CHECK(journal.append({append("cart_a", 1)})[0].status == protocols::append_status::fenced);
}
