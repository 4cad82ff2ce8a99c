// The journal in PostgreSQL (schema: adapters/postgres/migrations/0001_journal.sql). A batch of
// appends is one transaction sent in libpq pipeline mode with prepared statements: one round
// trip for the whole batch, plus one more only when some request conflicted.
#pragma once

#include "adapters/journal/journal.hpp"

#include <memory>

struct pg_conn;

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
  std::optional<checkpoint> load_checkpoint(const std::string& subscription) override;
  void save_checkpoint(const std::string& subscription, const checkpoint& at) override;
  std::vector<due_timer> due_timers(std::int64_t until_ms, std::size_t limit) override;
  void clear_timer(const due_timer& timer) override;
  void ping() override;

 private:
  pg_conn* connected();
  [[noreturn]] void fail(const std::string& what);

  std::string conninfo_;
  pg_conn* conn_ = nullptr;
};

}  // namespace commerce::adapters
