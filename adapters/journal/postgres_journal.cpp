#include "adapters/journal/postgres_journal.hpp"

#include "adapters/postgres/libpq.hpp"
#include "common/log.hpp"

#include <algorithm>
#include <chrono>
#include <thread>
#include <limits>
#include <map>
#include <set>
#include <optional>
#include <string_view>

namespace commerce::adapters {
namespace {

using postgres::result_ptr;
using postgres::succeeded;

// Inserts a whole batch with one statement, one array element per event. A request's events go
// in only if its stream is exactly at the expected version (the subquery sees the table as the
// statement began, not the rows it inserts itself); rows a concurrent writer took come back
// missing (ON CONFLICT), which the caller treats as a conflict.
constexpr const char* append_sql = R"sql(
INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data, metadata)
SELECT b.stream_type, b.stream_id, b.version, b.event_type, b.schema_version, b.data, b.metadata
FROM unnest($1::text[], $2::text[], $3::bigint[], $4::bigint[], $5::text[], $6::integer[], $7::jsonb[], $8::jsonb[])
     WITH ORDINALITY AS b(stream_type, stream_id, expected, version, event_type, schema_version, data, metadata, ord)
WHERE b.expected = COALESCE((SELECT max(e.version) FROM events e
                             WHERE e.stream_type = b.stream_type AND e.stream_id = b.stream_id), 0)
ORDER BY b.ord
ON CONFLICT ON CONSTRAINT events_stream_version DO NOTHING
RETURNING position, stream_type, stream_id)sql";

constexpr const char* version_sql =
    "SELECT COALESCE(max(version), 0) FROM events WHERE stream_type = $1 AND stream_id = $2";

constexpr const char* undo_sql = "DELETE FROM events WHERE position = ANY($1::bigint[])";

// The shards of a batch that $1 does not own at the epoch given ($2, $3: one entry per
// request), their rows locked until the commit so that no claim can pass in between.
constexpr const char* fence_sql = R"sql(
SELECT DISTINCT f.shard
FROM unnest($2::int[], $3::bigint[]) AS f(shard, epoch)
LEFT JOIN (SELECT shard, node, epoch FROM cluster_shards WHERE shard = ANY($2::int[]) FOR SHARE) s USING (shard)
WHERE s.node IS DISTINCT FROM $1 OR s.epoch IS DISTINCT FROM f.epoch)sql";

constexpr const char* read_sql = R"sql(
SELECT position, version, event_type, schema_version, data::text, metadata::text,
       (extract(epoch FROM recorded_at) * 1000)::bigint
FROM events WHERE stream_type = $1 AND stream_id = $2 AND version >= $3
ORDER BY version LIMIT $4)sql";

constexpr const char* save_snapshot_sql = R"sql(
INSERT INTO snapshots (stream_type, stream_id, version, schema_version, data)
VALUES ($1, $2, $3, $4, $5::jsonb)
ON CONFLICT (stream_type, stream_id) DO UPDATE
SET version = EXCLUDED.version, schema_version = EXCLUDED.schema_version, data = EXCLUDED.data, taken_at = now()
WHERE snapshots.version <= EXCLUDED.version)sql";

constexpr const char* load_snapshot_sql =
    "SELECT version, schema_version, data::text FROM snapshots WHERE stream_type = $1 AND stream_id = $2";

// pg_snapshot_xmin is the oldest transaction still running: everything below it has committed
// or aborted, so nothing can appear later behind the returned rows.
// ORDER BY names the table's column on purpose: a bare `transaction_id` would be the output
// column `transaction_id::text` (an output name wins in ORDER BY), sorting "1000" before "999",
// and a page ending at "1000" would move the checkpoint past every 3-digit transaction unread.
// Read models rebuilt from the start lost whole entities that way (issue 14).
constexpr const char* read_all_sql = R"sql(
SELECT e.position, e.stream_type, e.stream_id, e.version, e.event_type, e.schema_version, e.data::text,
       e.metadata::text, (extract(epoch FROM e.recorded_at) * 1000)::bigint, e.transaction_id::text AS transaction_text
FROM events e
WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
  AND e.transaction_id < pg_snapshot_xmin(pg_current_snapshot())
ORDER BY e.transaction_id, e.position LIMIT $3)sql";

// The same horizon as read_all, once for the whole statement. The horizon is compared as a
// scalar (not joined) so that each part is a range scan on events_by_transaction; the count
// needs no order, and the oldest unread is the first one in reading order. Joined and sorted,
// this took 130 ms with 100,000 events unread, and the subscriptions' status questions starved
// their reads of the journal's connection.
constexpr const char* head_sql = R"sql(
WITH horizon AS (SELECT pg_snapshot_xmin(pg_current_snapshot()) AS xmin),
last AS (SELECT e.transaction_id, e.position FROM events e WHERE e.transaction_id < (SELECT xmin FROM horizon)
         ORDER BY e.transaction_id DESC, e.position DESC LIMIT 1)
SELECT COALESCE((SELECT transaction_id::text FROM last), '0'), COALESCE((SELECT position FROM last), 0),
       (SELECT count(*) FROM (SELECT FROM events e
                              WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
                                AND e.transaction_id < (SELECT xmin FROM horizon)
                              LIMIT $3) unread),
       COALESCE((SELECT (extract(epoch FROM e.recorded_at) * 1000)::bigint FROM events e
                 WHERE (e.transaction_id, e.position) > ($1::text::xid8, $2::bigint)
                   AND e.transaction_id < (SELECT xmin FROM horizon)
                 ORDER BY e.transaction_id, e.position LIMIT 1), 0))sql";

constexpr const char* locate_sql = "SELECT transaction_id::text, position FROM events WHERE position = $1";

constexpr const char* load_checkpoint_sql =
    "SELECT transaction_id::text, position FROM subscription_checkpoints WHERE name = $1";

constexpr const char* save_checkpoint_sql = R"sql(
INSERT INTO subscription_checkpoints (name, transaction_id, position) VALUES ($1, $2::text::xid8, $3)
ON CONFLICT (name) DO UPDATE
SET transaction_id = EXCLUDED.transaction_id, position = EXCLUDED.position, updated_at = now())sql";

// Times travel as milliseconds since the epoch; interval arithmetic keeps them exact.
constexpr const char* set_timer_sql = R"sql(
INSERT INTO timers (stream_type, stream_id, name, due_at)
VALUES ($1, $2, $3, timestamptz 'epoch' + $4::bigint * interval '1 millisecond')
ON CONFLICT (stream_type, stream_id, name) DO UPDATE SET due_at = EXCLUDED.due_at)sql";

constexpr const char* delete_timer_sql =
    "DELETE FROM timers WHERE stream_type = $1 AND stream_id = $2 AND name = $3";

constexpr const char* due_timers_sql = R"sql(
SELECT stream_type, stream_id, name, (extract(epoch FROM due_at) * 1000)::bigint
FROM timers WHERE due_at <= timestamptz 'epoch' + $1::bigint * interval '1 millisecond'
ORDER BY due_at LIMIT $2)sql";

constexpr const char* clear_timer_sql = R"sql(
DELETE FROM timers WHERE stream_type = $1 AND stream_id = $2 AND name = $3
  AND due_at = timestamptz 'epoch' + $4::bigint * interval '1 millisecond')sql";

// A PostgreSQL array literal built element by element: {"a","b\"c"}.
class array_literal {
 public:
  void add(std::string_view value) {
    text_ += text_.size() > 1 ? ",\"" : "\"";
    for (char c : value) {
      if (c == '"' || c == '\\') text_ += '\\';
      text_ += c;
    }
    text_ += '"';
  }
  void add(std::int64_t value) { add(std::string_view(std::to_string(value))); }
  const char* finish() {
    text_ += '}';
    return text_.c_str();
  }

 private:
  std::string text_ = "{";
};

// The requests of a batch split into rounds in which no stream appears twice, so that rows
// returned by one INSERT map back to their request by stream. Nearly always one round: an
// entity has one append in flight, so a stream twice in a batch means two writers raced.
std::vector<std::vector<std::size_t>> rounds_of(const std::vector<const append_request*>& batch) {
  std::vector<std::vector<std::size_t>> rounds;
  std::map<std::pair<std::string_view, std::string_view>, std::size_t> seen;
  for (std::size_t i = 0; i < batch.size(); ++i) {
    const auto round = seen[{batch[i]->stream_type, batch[i]->stream_id}]++;
    if (round == rounds.size()) rounds.emplace_back();
    rounds[round].push_back(i);
  }
  return rounds;
}

// LIMIT takes a bigint; "everything" is size_t's maximum, which is not one.
std::string limit_text(std::size_t limit) {
  return std::to_string(std::min<std::size_t>(limit, std::numeric_limits<std::int64_t>::max()));
}

std::int64_t int_at(const PGresult* r, int row, int column) { return std::stoll(PQgetvalue(r, row, column)); }

// The statement failed on what it was given — class 22, data exception (\u0000 in jsonb,
// invalid UTF-8, invalid JSON), or 54, program limit exceeded — not on the store.
class refused : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

bool refused_data(const PGresult* r) {
  const char* state = r ? PQresultErrorField(r, PG_DIAG_SQLSTATE) : nullptr;
  return state && (std::string_view(state).substr(0, 2) == "22" || std::string_view(state).substr(0, 2) == "54");
}

}  // namespace

postgres_journal::postgres_journal(std::string conninfo) : conninfo_(std::move(conninfo)) {}

postgres_journal::~postgres_journal() {
  if (conn_) PQfinish(conn_);
}

void postgres_journal::fail(const std::string& what, const PGresult* result) {
  // An error result without a SQLSTATE comes from libpq itself (send or receive failed), and
  // libpq does not always mark the connection bad for it.
  const bool client_side = result && PQresultStatus(result) == PGRES_FATAL_ERROR &&
                           !PQresultErrorField(result, PG_DIAG_SQLSTATE);
  const bool reachable = conn_ && PQstatus(conn_) == CONNECTION_OK && !client_side;
  const char* result_message = result ? PQresultErrorMessage(result) : "";
  const std::string reason = *result_message ? result_message : conn_ ? PQerrorMessage(conn_) : "not connected";
  const bool data_refused = reachable && refused_data(result);
  // Either way the connection is dropped: the server rolls back the open transaction, and the
  // next call starts from a clean connection instead of untangling a half-read pipeline.
  if (conn_) PQfinish(conn_);
  conn_ = nullptr;
  if (!reachable) throw storage_unavailable(what + ": " + reason);
  if (data_refused) throw refused(what + ": " + reason);
  throw std::runtime_error(what + ": " + reason);
}

pg_conn* postgres_journal::connected() {
  if (conn_ && PQstatus(conn_) == CONNECTION_OK) return conn_;
  if (conn_) PQfinish(conn_);
  conn_ = PQconnectdb(conninfo_.c_str());
  if (PQstatus(conn_) != CONNECTION_OK) fail("cannot connect to the journal");
  postgres::route_notices_to_log(conn_);
  const std::pair<const char*, const char*> statements[] = {
      {"append", append_sql},
      {"version", version_sql},
      {"undo", undo_sql},
      {"set_timer", set_timer_sql},
      {"delete_timer", delete_timer_sql},
      {"read", read_sql},
      {"save_snapshot", save_snapshot_sql},
      {"load_snapshot", load_snapshot_sql},
      {"read_all", read_all_sql},
      {"head", head_sql},
      {"locate", locate_sql},
      {"load_checkpoint", load_checkpoint_sql},
      {"save_checkpoint", save_checkpoint_sql},
      {"due_timers", due_timers_sql},
      {"clear_timer", clear_timer_sql}};
  for (const auto& [name, sql] : statements) {
    result_ptr r(PQprepare(conn_, name, sql, 0, nullptr));
    if (!succeeded(r.get())) fail(std::string("cannot prepare ") + name, r.get());
  }
  if (fence_shards_) {  // only a cluster's nodes read the shard rows
    result_ptr r(PQprepare(conn_, "fence", fence_sql, 0, nullptr));
    if (!succeeded(r.get())) fail("cannot prepare fence", r.get());
  }
  return conn_;
}

std::vector<append_result> postgres_journal::append(const std::vector<append_request>& batch) {
  std::vector<append_result> results(batch.size());
  // What PostgreSQL would refuse is answered here, without a round trip and without failing
  // the rest of the batch with it.
  std::vector<std::size_t> storable;
  storable.reserve(batch.size());
  for (std::size_t i = 0; i < batch.size(); ++i) {
    if (auto why = refused_content(batch[i])) {
      log::warn("journal append refused", {{"stream", batch[i].stream_type + "/" + batch[i].stream_id},
                                            {"reason", *why}});
      results[i] = {append_status::invalid, 0};
    } else {
      storable.push_back(i);
    }
  }
  bool committed_some = false;
  append_isolating(batch, storable, results, committed_some);
  return results;
}

void postgres_journal::append_isolating(const std::vector<append_request>& batch, const std::vector<std::size_t>& part,
                                        std::vector<append_result>& results, bool& committed_some) {
  if (part.empty()) return;
  try {
    append_transaction(batch, part, results);
    committed_some = true;
  } catch (const refused& e) {
    // Something the check above does not know (invalid JSON, say) failed the whole statement.
    // Halving finds the culprit in a few transactions; everything else is appended.
    if (part.size() == 1) {
      const auto& r = batch[part[0]];
      log::warn("journal append refused", {{"stream", r.stream_type + "/" + r.stream_id}, {"reason", e.what()}});
      results[part[0]] = {append_status::invalid, 0};
      return;
    }
    const auto middle = part.begin() + static_cast<std::ptrdiff_t>(part.size() / 2);
    append_isolating(batch, {part.begin(), middle}, results, committed_some);
    append_isolating(batch, {middle, part.end()}, results, committed_some);
  } catch (const storage_unavailable&) {
    if (!committed_some) throw;  // nothing of the batch stored: the caller answers them all
    for (auto i : part) results[i] = {append_status::storage_unavailable, 0};
  }
}

void postgres_journal::append_transaction(const std::vector<append_request>& batch, const std::vector<std::size_t>& part,
                                          std::vector<append_result>& results) {
  PGconn* conn = connected();
  const auto request = [&](std::size_t j) -> const append_request& { return batch[part[j]]; };

  // Round trip 1: BEGIN, the transaction's id (to settle an ambiguous commit), one INSERT per
  // round, sync.
  std::vector<append_request const*> requests;
  requests.reserve(part.size());
  for (auto i : part) requests.push_back(&batch[i]);
  const auto rounds = rounds_of(requests);
  // Cluster: each request's shard and its epoch as this node holds it now.
  std::vector<std::int64_t> shard_of_request;
  if (fence_shards_) {
    for (std::size_t j = 0; j < part.size(); ++j)
      shard_of_request.push_back(shard_of(request(j).stream_type, request(j).stream_id, fence_shards_->shards()));
  }
  if (!PQenterPipelineMode(conn)) fail("cannot enter pipeline mode");
  bool sent = PQsendQueryParams(conn, "BEGIN", 0, nullptr, nullptr, nullptr, nullptr, 0) &&
              PQsendQueryParams(conn, "SELECT pg_current_xact_id()::text", 0, nullptr, nullptr, nullptr, nullptr, 0);
  if (fence_shards_) {
    const auto view = fence_shards_->view();
    array_literal shards, epochs;
    for (const auto shard : shard_of_request) {
      shards.add(shard);
      epochs.add(view->epochs[static_cast<std::size_t>(shard)]);
    }
    const char* params[] = {fence_node_.c_str(), shards.finish(), epochs.finish()};
    sent = sent && PQsendQueryPrepared(conn, "fence", 3, params, nullptr, nullptr, 0);
  }
  for (const auto& round : rounds) {
    array_literal types, ids, expected, versions, event_types, schemas, data, metadata;
    for (auto j : round) {
      const auto& r = request(j);
      for (std::size_t k = 0; k < r.events.size(); ++k) {
        types.add(r.stream_type);
        ids.add(r.stream_id);
        expected.add(r.expected_version);
        versions.add(r.expected_version + static_cast<std::int64_t>(k) + 1);
        event_types.add(r.events[k].event_type);
        schemas.add(std::int64_t{r.events[k].schema_version});
        data.add(r.events[k].data);
        metadata.add(r.events[k].metadata);
      }
    }
    const char* params[] = {types.finish(),       ids.finish(),     expected.finish(), versions.finish(),
                            event_types.finish(), schemas.finish(), data.finish(),     metadata.finish()};
    sent = sent && PQsendQueryPrepared(conn, "append", 8, params, nullptr, nullptr, 0);
  }
  if (!sent || !PQpipelineSync(conn)) fail("cannot send the append batch");

  std::vector<std::vector<std::string>> inserted(part.size());  // positions, per request
  result_ptr begin(PQgetResult(conn));
  result_ptr begin_end(PQgetResult(conn));  // each query's results end with a null
  if (!succeeded(begin.get())) fail("append failed", begin.get());
  result_ptr xid_result(PQgetResult(conn));
  result_ptr xid_end(PQgetResult(conn));
  if (!succeeded(xid_result.get()) || PQntuples(xid_result.get()) != 1) fail("append failed", xid_result.get());
  const std::string xid = PQgetvalue(xid_result.get(), 0, 0);
  const int backend_pid = PQbackendPID(conn);
  std::set<std::int64_t> stale_shards;
  if (fence_shards_) {
    result_ptr fenced(PQgetResult(conn));
    result_ptr fenced_end(PQgetResult(conn));
    if (!succeeded(fenced.get())) fail("append failed", fenced.get());
    for (int row = 0; row < PQntuples(fenced.get()); ++row) stale_shards.insert(int_at(fenced.get(), row, 0));
  }
  for (const auto& round : rounds) {
    result_ptr r(PQgetResult(conn));
    result_ptr end(PQgetResult(conn));
    if (!succeeded(r.get())) fail("append failed", r.get());
    std::map<std::pair<std::string_view, std::string_view>, std::size_t> request_of;
    for (auto j : round) request_of[{request(j).stream_type, request(j).stream_id}] = j;
    for (int row = 0; row < PQntuples(r.get()); ++row)
      inserted[request_of.at({PQgetvalue(r.get(), row, 1), PQgetvalue(r.get(), row, 2)})].emplace_back(
          PQgetvalue(r.get(), row, 0));
  }
  result_ptr sync(PQgetResult(conn));
  if (!sync || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) fail("append batch out of step", sync.get());

  // Round trip 2: undo partial appends of conflicting requests and learn their actual versions;
  // write the timer changes of the appended ones; commit.
  // libpq copies parameters when a statement is queued, so they may be temporaries.
  std::vector<append_result> outcome(part.size());
  // Per statement sent: the request whose actual version it reads, or none.
  std::vector<std::optional<std::size_t>> version_of;
  if (commit_hook_) commit_hook_(conn, false);
  // Queues the deletion of what request j inserted.
  auto undo_inserted = [&](std::size_t j) {
    std::string list = "{";
    for (const auto& p : inserted[j]) list += (list.size() > 1 ? "," : "") + p;
    list += "}";
    const char* undo[] = {list.c_str()};
    version_of.push_back(std::nullopt);
    return PQsendQueryPrepared(conn, "undo", 1, undo, nullptr, nullptr, 0) == 1;
  };
  for (std::size_t j = 0; j < part.size() && sent; ++j) {
    const auto& r = request(j);
    const char* stream[] = {r.stream_type.c_str(), r.stream_id.c_str()};
    if (!stale_shards.empty() && stale_shards.count(shard_of_request[j])) {
      // A stale owner's append: undone before the commit, so nobody ever sees it.
      sent = undo_inserted(j);
      outcome[j] = {append_status::fenced, 0};
      fenced_appends_.add();
      log::warn("append refused: this node does not own the shard at its epoch",
                {{"stream", r.stream_type + "/" + r.stream_id}, {"shard", shard_of_request[j]}});
      continue;
    }
    if (inserted[j].size() != r.events.size()) {
      sent = undo_inserted(j) && PQsendQueryPrepared(conn, "version", 2, stream, nullptr, nullptr, 0);
      version_of.push_back(j);
      outcome[j] = {append_status::conflict, -1};  // the version follows
      continue;
    }
    outcome[j] = {append_status::appended, r.expected_version + static_cast<std::int64_t>(r.events.size())};
    for (const auto& t : r.timers) {
      const auto due = std::to_string(t.due_at_ms);
      const char* params[] = {stream[0], stream[1], t.name.c_str(), due.c_str()};
      sent = sent && (t.due_at_ms > 0 ? PQsendQueryPrepared(conn, "set_timer", 4, params, nullptr, nullptr, 0)
                                      : PQsendQueryPrepared(conn, "delete_timer", 3, params, nullptr, nullptr, 0));
      version_of.push_back(std::nullopt);
    }
  }
  sent = sent && PQsendQueryParams(conn, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 0) && PQpipelineSync(conn);
  if (commit_hook_) commit_hook_(conn, true);

  // From here a lost connection leaves the outcome open: COMMIT may have reached the server
  // and committed. Only the server can tell, so ask it instead of guessing "failed".
  // Only an error the server reported (it carries a SQLSTATE) proves the transaction aborted;
  // anything libpq reports by itself (a failed send or receive) leaves the outcome open, and
  // libpq does not always mark the connection bad for it.
  const auto lost = [&](const PGresult* r) {
    return PQstatus(conn) != CONNECTION_OK || !r || !PQresultErrorField(r, PG_DIAG_SQLSTATE);
  };
  bool settled = false;
  const auto settle = [&](const std::string& why) {
    PQfinish(conn_);
    conn_ = nullptr;
    settle_commit(xid, backend_pid, why);  // throws unless committed
    settled = true;
  };
  if (!sent) settle(std::string("cannot send the commit: ") + PQerrorMessage(conn));
  for (std::size_t k = 0; k < version_of.size() && !settled; ++k) {
    result_ptr r(PQgetResult(conn));
    result_ptr end(PQgetResult(conn));
    if (!succeeded(r.get())) {
      if (lost(r.get())) settle(std::string("connection lost before the commit's answer: ") + PQerrorMessage(conn));
      else fail("append batch follow-up failed", r.get());
    } else if (version_of[k]) {
      outcome[*version_of[k]].version = int_at(r.get(), 0, 0);
    }
  }
  if (!settled) {
    result_ptr commit(PQgetResult(conn));
    if (!succeeded(commit.get())) {
      if (lost(commit.get())) settle(std::string("connection lost before the commit's answer: ") + PQerrorMessage(conn));
      else fail("commit failed", commit.get());
    }
  }
  if (!settled) {
    // Committed: whatever happens to the connection now, the outcome is known.
    result_ptr end(PQgetResult(conn));
    result_ptr sync2(PQgetResult(conn));
    if (!sync2 || PQresultStatus(sync2.get()) != PGRES_PIPELINE_SYNC || !PQexitPipelineMode(conn)) {
      PQfinish(conn_);
      conn_ = nullptr;
    }
  }
  // After settling, a conflicting request's actual version may be unread; it is read now.
  for (std::size_t j = 0; j < part.size(); ++j) {
    if (outcome[j].status == append_status::conflict && outcome[j].version < 0) {
      try {
        const auto& r = request(j);
        const char* stream[] = {r.stream_type.c_str(), r.stream_id.c_str()};
        result_ptr v(PQexecPrepared(connected(), "version", 2, stream, nullptr, nullptr, 0));
        outcome[j].version = succeeded(v.get()) ? int_at(v.get(), 0, 0) : 0;
      } catch (const std::exception&) {
        outcome[j].version = 0;  // an entity reloads on conflict anyway; the number is a hint
      }
    }
    results[part[j]] = outcome[j];
  }
}

void postgres_journal::settle_commit(const std::string& xid, int backend_pid, const std::string& why) {
  // A few quick tries only: while the server is down nobody can tell, and the writer must not
  // stall every entity waiting for it.
  const auto xid32 = std::to_string(std::stoull(xid) & 0xffffffffULL);
  const char* xid_param[] = {xid.c_str()};
  for (int attempt = 0; attempt < 6; ++attempt) {
    if (attempt > 0) std::this_thread::sleep_for(std::chrono::milliseconds(50 * attempt));
    std::string status;
    try {
      PGconn* conn = connected();
      result_ptr r(PQexecParams(conn, "SELECT pg_xact_status($1::xid8)", 1, nullptr, xid_param, nullptr, nullptr, 0));
      if (!succeeded(r.get())) fail("cannot ask for the commit's outcome", r.get());
      status = PQgetisnull(r.get(), 0, 0) ? "unknown" : PQgetvalue(r.get(), 0, 0);
      if (status == "in progress") {
        // The old session still holds it (the server has not noticed the loss yet): end it,
        // so that the transaction settles one way or the other.
        const auto pid = std::to_string(backend_pid);
        const char* params[] = {pid.c_str(), xid32.c_str()};
        result_ptr ended(PQexecParams(conn,
                                      "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                                      "WHERE pid = $1::int AND backend_xid::text = $2",
                                      2, nullptr, params, nullptr, nullptr, 0));
        continue;
      }
    } catch (const std::exception&) {
      continue;  // unreachable for now; try again shortly
    }
    if (status == "committed") {
      log::warn("journal commit answer lost; the batch committed", {{"transaction", xid}, {"error", why}});
      return;
    }
    throw storage_unavailable(why + "; transaction " + xid + " did not commit (" + status + ")");
  }
  log::error("journal commit outcome unknown", {{"transaction", xid}, {"error", why}});
  throw storage_unavailable(why + "; whether transaction " + xid + " committed is unknown");
}

std::vector<stored_event> postgres_journal::read_stream(const std::string& stream_type, const std::string& stream_id,
                                                        std::int64_t from_version, std::size_t limit) {
  PGconn* conn = connected();
  const std::string from = std::to_string(from_version),
                    max = limit_text(limit);
  const char* params[] = {stream_type.c_str(), stream_id.c_str(), from.c_str(), max.c_str()};
  result_ptr r(PQexecPrepared(conn, "read", 4, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot read stream " + stream_type + "/" + stream_id);
  std::vector<stored_event> out;
  out.reserve(static_cast<std::size_t>(PQntuples(r.get())));
  for (int row = 0; row < PQntuples(r.get()); ++row)
    out.push_back({int_at(r.get(), row, 0), stream_type, stream_id, int_at(r.get(), row, 1), PQgetvalue(r.get(), row, 2),
                   static_cast<int>(int_at(r.get(), row, 3)), PQgetvalue(r.get(), row, 4), PQgetvalue(r.get(), row, 5),
                   int_at(r.get(), row, 6)});
  return out;
}

void postgres_journal::save_snapshot(const snapshot& s) {
  PGconn* conn = connected();
  const std::string version = std::to_string(s.version), schema = std::to_string(s.schema_version);
  const char* params[] = {s.stream_type.c_str(), s.stream_id.c_str(), version.c_str(), schema.c_str(), s.data.c_str()};
  result_ptr r(PQexecPrepared(conn, "save_snapshot", 5, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot save snapshot of " + s.stream_type + "/" + s.stream_id);
}

std::optional<snapshot> postgres_journal::load_snapshot(const std::string& stream_type, const std::string& stream_id) {
  PGconn* conn = connected();
  const char* params[] = {stream_type.c_str(), stream_id.c_str()};
  result_ptr r(PQexecPrepared(conn, "load_snapshot", 2, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot load snapshot of " + stream_type + "/" + stream_id);
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return snapshot{stream_type, stream_id, int_at(r.get(), 0, 0), static_cast<int>(int_at(r.get(), 0, 1)),
                  PQgetvalue(r.get(), 0, 2)};
}

std::vector<stored_event> postgres_journal::read_all(const checkpoint& after, std::size_t limit) {
  PGconn* conn = connected();
  const std::string tx = std::to_string(after.transaction_id), position = std::to_string(after.position),
                    max = limit_text(limit);
  const char* params[] = {tx.c_str(), position.c_str(), max.c_str()};
  result_ptr r(PQexecPrepared(conn, "read_all", 3, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot read the global order");
  std::vector<stored_event> out;
  out.reserve(static_cast<std::size_t>(PQntuples(r.get())));
  for (int row = 0; row < PQntuples(r.get()); ++row)
    out.push_back({int_at(r.get(), row, 0), PQgetvalue(r.get(), row, 1), PQgetvalue(r.get(), row, 2),
                   int_at(r.get(), row, 3), PQgetvalue(r.get(), row, 4), static_cast<int>(int_at(r.get(), row, 5)),
                   PQgetvalue(r.get(), row, 6), PQgetvalue(r.get(), row, 7), int_at(r.get(), row, 8),
                   int_at(r.get(), row, 9)});
  return out;
}

journal_head postgres_journal::head(const checkpoint& after, std::size_t count_limit) {
  PGconn* conn = connected();
  const std::string tx = std::to_string(after.transaction_id), position = std::to_string(after.position),
                    max = limit_text(count_limit);
  const char* params[] = {tx.c_str(), position.c_str(), max.c_str()};
  result_ptr r(PQexecPrepared(conn, "head", 3, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot read the journal's head");
  return {{int_at(r.get(), 0, 0), int_at(r.get(), 0, 1)}, int_at(r.get(), 0, 2), int_at(r.get(), 0, 3)};
}

std::optional<checkpoint> postgres_journal::locate(std::int64_t position) {
  PGconn* conn = connected();
  const std::string text = std::to_string(position);
  const char* params[] = {text.c_str()};
  result_ptr r(PQexecPrepared(conn, "locate", 1, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot locate position " + text);
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return checkpoint{int_at(r.get(), 0, 0), int_at(r.get(), 0, 1)};
}

std::optional<checkpoint> postgres_journal::load_checkpoint(const std::string& subscription) {
  PGconn* conn = connected();
  const char* params[] = {subscription.c_str()};
  result_ptr r(PQexecPrepared(conn, "load_checkpoint", 1, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot load checkpoint " + subscription);
  if (PQntuples(r.get()) == 0) return std::nullopt;
  return checkpoint{int_at(r.get(), 0, 0), int_at(r.get(), 0, 1)};
}

void postgres_journal::ping() {
  result_ptr r(PQexec(connected(), "SELECT 1"));
  if (!succeeded(r.get())) fail("the journal does not answer");
}

void postgres_journal::save_checkpoint(const std::string& subscription, const checkpoint& at) {
  PGconn* conn = connected();
  const std::string tx = std::to_string(at.transaction_id), position = std::to_string(at.position);
  const char* params[] = {subscription.c_str(), tx.c_str(), position.c_str()};
  result_ptr r(PQexecPrepared(conn, "save_checkpoint", 3, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot save checkpoint " + subscription);
}

std::vector<due_timer> postgres_journal::due_timers(std::int64_t until_ms, std::size_t limit) {
  PGconn* conn = connected();
  const std::string until = std::to_string(until_ms), max = limit_text(limit);
  const char* params[] = {until.c_str(), max.c_str()};
  result_ptr r(PQexecPrepared(conn, "due_timers", 2, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot read due timers");
  std::vector<due_timer> out;
  for (int row = 0; row < PQntuples(r.get()); ++row)
    out.push_back({PQgetvalue(r.get(), row, 0), PQgetvalue(r.get(), row, 1), PQgetvalue(r.get(), row, 2),
                   int_at(r.get(), row, 3)});
  return out;
}

void postgres_journal::clear_timer(const due_timer& timer) {
  PGconn* conn = connected();
  const std::string due = std::to_string(timer.due_at_ms);
  const char* params[] = {timer.stream_type.c_str(), timer.stream_id.c_str(), timer.name.c_str(), due.c_str()};
  result_ptr r(PQexecPrepared(conn, "clear_timer", 4, params, nullptr, nullptr, 0));
  if (!succeeded(r.get())) fail("cannot clear timer " + timer.stream_type + "/" + timer.stream_id);
}

}  // namespace commerce::adapters
