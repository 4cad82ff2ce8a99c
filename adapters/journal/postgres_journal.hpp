// The journal in PostgreSQL (schema: adapters/postgres/migrations/0001_journal.sql). A batch of
// appends is one transaction sent in libpq pipeline mode with prepared statements: one round
// trip for the whole batch, plus one more only when some request conflicted.
#pragma once

#include "adapters/journal/journal.hpp"
#include "common/metrics.hpp"
#include "protocols/cluster.hpp"

#include <functional>
#include <memory>

struct pg_conn;
struct pg_result;

namespace commerce::adapters {

class postgres_journal : public journal {
 public:
  // Does not connect yet: the first call does, and every call after a lost connection tries
  // once more, so the journal recovers by itself when PostgreSQL returns.
  explicit postgres_journal(std::string conninfo);
  ~postgres_journal() override;

  std::vector<append_result> append(const std::vector<append_request>& batch) override;
  std::vector<stored_event> read_stream(const std::string& stream_type, const std::string& stream_id,
                                        std::int64_t from_version, std::size_t limit) override;
  void save_snapshot(const snapshot& s) override;
  std::optional<snapshot> load_snapshot(const std::string& stream_type, const std::string& stream_id) override;
  std::vector<stored_event> read_all(const checkpoint& after, std::size_t limit) override;
  journal_head head(const checkpoint& after, std::size_t count_limit) override;
  std::optional<checkpoint> locate(std::int64_t position) override;
  std::optional<checkpoint> load_checkpoint(const std::string& subscription) override;
  void save_checkpoint(const std::string& subscription, const checkpoint& at) override;
  std::vector<due_timer> due_timers(std::int64_t until_ms, std::size_t limit) override;
  void clear_timer(const due_timer& timer) override;
  void ping() override;

  // Test seam: called with the connection just before the commit round trip is sent
  // (`commit_sent` false) and just after (true), so that a test can cut the connection exactly
  // where a commit's outcome becomes unknown.
  using commit_hook = std::function<void(pg_conn*, bool commit_sent)>;
  void set_commit_hook(commit_hook hook) { commit_hook_ = std::move(hook); }

  // Cluster: every append carries its shard's epoch as `shards` has it now, and is refused
  // (`fenced`) in its own transaction unless `node` still owns that shard at that epoch; the
  // shard rows are locked (FOR SHARE) until the commit, so a claim waits for it. A stale owner
  // can never commit an event, even one whose lease checks raced.
  void fence(std::string node, std::shared_ptr<const protocols::shard_table> shards) {
    fence_node_ = std::move(node);
    fence_shards_ = std::move(shards);
  }

 private:
  pg_conn* connected();
  // Throws storage_unavailable when the connection is lost, an internal `refused` when the
  // statement failed on the data it was given (SQLSTATE class 22 or 54), else runtime_error.
  [[noreturn]] void fail(const std::string& what, const pg_result* result = nullptr);
  // Appends batch[part...], splitting the part to isolate requests PostgreSQL refuses.
  void append_isolating(const std::vector<append_request>& batch, const std::vector<std::size_t>& part,
                        std::vector<append_result>& results, bool& committed_some);
  // Appends batch[part...] in one transaction.
  void append_transaction(const std::vector<append_request>& batch, const std::vector<std::size_t>& part,
                          std::vector<append_result>& results);
  // The connection was lost after COMMIT may have been sent: asks a new connection whether
  // transaction `xid` committed. Returns if it did, throws storage_unavailable if it did not or
  // cannot be told.
  void settle_commit(const std::string& xid, int backend_pid, const std::string& why);

  std::string conninfo_;
  pg_conn* conn_ = nullptr;
  commit_hook commit_hook_;
  std::string fence_node_;
  std::shared_ptr<const protocols::shard_table> fence_shards_;
  metrics::counter& fenced_appends_ = metrics::registry::global().get_counter(
      "commerce_journal_fenced_appends_total",
      "Appends refused because this node no longer owned their shard at its epoch (a stale owner's)");
};

}  // namespace commerce::adapters
