#include "adapters/postgres/cluster_membership.hpp"

#include "adapters/postgres/lazy_connection.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>

namespace commerce::adapters::postgres {
namespace {

using tick_atom = caf::tick_atom;

constexpr const char* register_sql = R"sql(
INSERT INTO cluster_nodes (id, address, http, shards, status, lease_expires_at)
VALUES ($1, $2, $3, $4::int, 'up', now() + $5::bigint * interval '1 millisecond')
ON CONFLICT (id) DO UPDATE SET address = EXCLUDED.address, http = EXCLUDED.http, shards = EXCLUDED.shards,
  status = 'up', lease_expires_at = EXCLUDED.lease_expires_at, joined_at = now())sql";

constexpr const char* create_shards_sql =
    "INSERT INTO cluster_shards (shard) SELECT generate_series(0, $1::int - 1) ON CONFLICT DO NOTHING";

constexpr const char* count_shards_sql = "SELECT count(*) FROM cluster_shards";

constexpr const char* renew_sql = R"sql(
UPDATE cluster_nodes SET lease_expires_at = now() + $2::bigint * interval '1 millisecond'
WHERE id = $1 AND status <> 'down' RETURNING id)sql";

constexpr const char* nodes_sql = R"sql(
SELECT id, address, http, status, (extract(epoch FROM lease_expires_at) * 1000)::bigint,
       lease_expires_at > now()
FROM cluster_nodes ORDER BY id)sql";

constexpr const char* shards_sql = "SELECT shard, coalesce(node, ''), epoch FROM cluster_shards ORDER BY shard";

// Only from an owner that released it or whose lease has run out, only at the epoch read (a
// racing claim wins once), and only while the claimant's own lease holds.
constexpr const char* claim_sql = R"sql(
UPDATE cluster_shards s SET node = $1, epoch = s.epoch + 1, moved_at = now()
WHERE s.shard = $2::int AND s.epoch = $3::bigint
  AND (s.node IS NULL OR NOT EXISTS (SELECT 1 FROM cluster_nodes n
                                     WHERE n.id = s.node AND n.status <> 'down' AND n.lease_expires_at > now()))
  AND EXISTS (SELECT 1 FROM cluster_nodes me WHERE me.id = $1 AND me.lease_expires_at > now())
RETURNING s.epoch)sql";

constexpr const char* release_sql = R"sql(
UPDATE cluster_shards SET node = NULL, moved_at = now() WHERE shard = $2::int AND node = $1)sql";

constexpr const char* drain_sql = "UPDATE cluster_nodes SET status = 'leaving' WHERE id = $1 AND status = 'up' RETURNING id";

constexpr const char* leave_sql = R"sql(
WITH released AS (UPDATE cluster_shards SET node = NULL, moved_at = now() WHERE node = $1)
UPDATE cluster_nodes SET status = 'down', lease_expires_at = now() WHERE id = $1)sql";

struct node_row {
  protocols::cluster_member member;
  bool alive = false;
};

struct membership_state {
  cluster_membership_options options;
  std::shared_ptr<protocols::shard_table> table;
  std::unique_ptr<lazy_connection> db;
  std::chrono::steady_clock::time_point serve_until{};
  bool fenced_logged = false;
  bool drained = false;  // leaving, and every shard handed over
  metrics::counter* moves = nullptr;
  metrics::gauge* owned = nullptr;
  static inline const char* name = "cluster_membership";
};

using membership_actor = caf::stateful_actor<membership_state>*;

std::string text(const PGresult* r, int row, int column) { return PQgetvalue(r, row, column); }

// One round: renew, read, claim and release, publish.
void round(membership_actor self) {
  auto& st = self->state;
  const auto& me = st.options.node_id;
  const auto lease_ms = std::to_string(st.options.lease.count());
  const auto asked = std::chrono::steady_clock::now();
  auto view = *st.table->view();
  view.clustered = true;
  try {
    if (PQntuples(st.db->run(renew_sql, {me.c_str(), lease_ms.c_str()}).get()) == 0)
      throw std::runtime_error("this node is no longer registered (it left)");

    std::map<std::string, node_row> nodes;
    std::vector<std::string> up;
    {
      auto r = st.db->run(nodes_sql, {});
      for (int i = 0; i < PQntuples(r.get()); ++i) {
        node_row n;
        n.member = {text(r.get(), i, 0), text(r.get(), i, 1), text(r.get(), i, 2), text(r.get(), i, 3),
                    std::stoll(text(r.get(), i, 4)), 0};
        n.alive = text(r.get(), i, 5) == "t";
        if (!n.alive) n.member.status = "down";
        if (n.member.status == "up") up.push_back(n.member.id);
        nodes.emplace(n.member.id, std::move(n));
      }
    }
    auto r = st.db->run(shards_sql, {});
    struct row {
      std::string owner;
      std::int64_t epoch;
    };
    std::vector<row> rows(st.options.shards, row{"", 0});
    for (int i = 0; i < PQntuples(r.get()); ++i) {
      const auto shard = static_cast<std::uint32_t>(std::stoul(text(r.get(), i, 0)));
      if (shard < rows.size()) rows[shard] = {text(r.get(), i, 1), std::stoll(text(r.get(), i, 2))};
    }
    // Shards to give away stop being served here first (their messages are held meanwhile),
    // then are released, so a new owner never serves one this node still does.
    std::vector<std::uint32_t> giving;
    for (std::uint32_t shard = 0; shard < rows.size(); ++shard)
      if (rows[shard].owner == me && rendezvous_owner(shard, up) != me) giving.push_back(shard);
    if (!giving.empty()) {
      auto stopped = *st.table->view();
      for (const auto shard : giving) stopped.owners[shard].clear();
      st.table->publish(std::move(stopped));
    }
    view.owners.assign(st.options.shards, "");
    view.epochs.assign(st.options.shards, 0);
    for (std::uint32_t shard = 0; shard < rows.size(); ++shard) {
      auto [owner, epoch] = rows[shard];
      const auto wanted = rendezvous_owner(shard, up);
      const auto shard_text = std::to_string(shard), epoch_text = std::to_string(epoch);
      const auto it = nodes.find(owner);
      // A leaving owner still holds its shards until it releases them.
      const bool owner_alive = it != nodes.end() && it->second.member.status != "down";
      if (owner == me && wanted != me) {
        st.db->run(release_sql, {me.c_str(), shard_text.c_str()});
        st.moves->add();
        owner.clear();
      } else if (wanted == me && owner != me && !owner_alive) {
        auto claimed = st.db->run(claim_sql, {me.c_str(), shard_text.c_str(), epoch_text.c_str()});
        if (PQntuples(claimed.get()) == 1) {
          owner = me;
          epoch = std::stoll(text(claimed.get(), 0, 0));
          st.moves->add();
        }
      }
      view.owners[shard] = owner;
      view.epochs[shard] = epoch;
    }
    // The database's lease ends `lease` after it took the renewal, which is after `asked`:
    // stopping a fifth of a lease before asked + lease stops before anyone may claim. Only a
    // round that also read the owners extends it: serving longer on an old view could serve a
    // shard another node has claimed meanwhile.
    st.serve_until = asked + st.options.lease - st.options.lease / 5;
    st.fenced_logged = false;
    if (const auto self_row = nodes.find(me); self_row != nodes.end() && self_row->second.member.status == "leaving" &&
                                               std::count(view.owners.begin(), view.owners.end(), me) == 0 &&
                                               !st.drained) {
      st.drained = true;
      log::info("left the cluster: every shard handed over", {{"node", me}});
      if (st.options.on_drained) st.options.on_drained();
    }
    view.nodes.clear();
    for (auto& [id, n] : nodes) {
      n.member.shards = std::count(view.owners.begin(), view.owners.end(), id);
      view.nodes.push_back(n.member);
    }
  } catch (const std::exception& e) {
    if (std::chrono::steady_clock::now() >= st.serve_until && !st.fenced_logged) {
      log::error("cluster lease not renewed in time: this node serves no shard until it is",
                 {{"node", me}, {"error", e.what()}});
      st.fenced_logged = true;
    } else {
      log::warn("cluster lease renewal failed", {{"node", me}, {"error", e.what()}});
    }
  }
  view.serve_until = st.serve_until;
  st.owned->set(std::count(view.owners.begin(), view.owners.end(), me));
  st.table->publish(std::move(view));
}

caf::behavior cluster_membership(membership_actor self, std::string conninfo, cluster_membership_options options,
                                 std::shared_ptr<protocols::shard_table> table) {
  auto& st = self->state;
  st.db = std::make_unique<lazy_connection>(std::move(conninfo), "cluster membership");
  st.options = std::move(options);
  st.table = std::move(table);
  st.serve_until = {};  // nothing is served before the first round has read the owners
  auto& registry = metrics::registry::global();
  st.moves = &registry.get_counter("commerce_cluster_shard_moves_total", "Shards this node claimed or released");
  st.owned = &registry.get_gauge("commerce_cluster_shards_owned", "Shards this node owns now");
  registry.get_gauge("commerce_cluster_node_info", "This node's cluster id (the label), always 1",
                     {{"node", st.table->view()->self}})
      .set(1);
  self->send(self, tick_atom::value);
  return {
      [self](tick_atom) {
        round(self);
        self->delayed_send(self, self->state.options.lease / 3, tick_atom::value);
      },
      // A planned leave of `node` (this one or another): it hands its shards over, then stops.
      [self](protocols::leave_atom, const std::string& node) -> caf::result<bool> {
        try {
          const bool found = PQntuples(self->state.db->run(drain_sql, {node.c_str()}).get()) == 1;
          if (found && node == self->state.options.node_id) round(self);  // start handing over now
          return found;
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
  };
}

}  // namespace

void join_cluster(const std::string& conninfo, const cluster_membership_options& options) {
  lazy_connection db(conninfo, "cluster membership");
  const auto shards = std::to_string(options.shards), lease = std::to_string(options.lease.count());
  auto count = std::stoul(PQgetvalue(db.run(count_shards_sql, {}).get(), 0, 0));
  if (count == 0) {  // the cluster's first node fixes its number of shards
    db.run(create_shards_sql, {shards.c_str()});
    count = std::stoul(PQgetvalue(db.run(count_shards_sql, {}).get(), 0, 0));
  }
  if (count != options.shards)
    throw cluster_mismatch("cluster.shards = " + shards + " but the cluster has " + std::to_string(count) +
                           " shards (fixed for its life): this node does not join");
  db.run(register_sql, {options.node_id.c_str(), options.address.c_str(), options.http.c_str(), shards.c_str(),
                        lease.c_str()});
}

void leave_cluster(const std::string& conninfo, const std::string& node_id) {
  lazy_connection db(conninfo, "cluster membership");
  db.run(leave_sql, {node_id.c_str()});
}

caf::actor spawn_cluster_membership(caf::actor_system& system, std::string conninfo,
                                    cluster_membership_options options, std::shared_ptr<protocols::shard_table> table) {
  return system.spawn<caf::detached>(cluster_membership, std::move(conninfo), std::move(options), std::move(table));
}

}  // namespace commerce::adapters::postgres
