// The journal in memory, for fast actor tests. Thread-safe; behaves as postgres_journal does,
// down to transactions: an append takes positions when it writes and becomes visible when it
// commits, so tests can commit out of position order as concurrent PostgreSQL writers do.
#pragma once

#include "adapters/journal/journal.hpp"

#include <map>
#include <mutex>
#include <set>
#include <tuple>
#include <utility>

namespace commerce::adapters {

class memory_journal : public journal {
 public:
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
  void ping() override {}

  // Appends `request` in a transaction left open: its events hold their positions, unseen,
  // until commit(transaction). Returns the transaction id.
  std::int64_t append_uncommitted(const append_request& request);
  void commit(std::int64_t transaction);

 private:
  using stream_key = std::pair<std::string, std::string>;
  using timer_key = std::tuple<std::string, std::string, std::string>;

  append_result append_locked(const append_request& request, std::int64_t transaction);
  bool visible(const stored_event& e) const { return open_transactions_.count(e.transaction_id) == 0; }

  std::mutex mutex_;
  std::int64_t next_transaction_ = 1;
  std::set<std::int64_t> open_transactions_;
  std::vector<stored_event> events_;                      // in position order
  std::map<stream_key, std::vector<std::size_t>> streams_;  // indexes into events_, by version
  std::map<stream_key, snapshot> snapshots_;
  std::map<std::string, checkpoint> checkpoints_;
  std::map<timer_key, std::int64_t> timers_;  // due_at_ms
};

}  // namespace commerce::adapters
