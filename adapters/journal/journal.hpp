// The event journal as the storage side sees it: a blocking interface with two
// implementations, PostgreSQL (postgres_journal) and memory (memory_journal), which pass the
// same contract tests (tests/integration/journal_contract_test.cpp). The journal writer actor
// calls it from a thread of its own and batches many entities' appends into one call.
#pragma once

#include "protocols/journal.hpp"

#include <cstdint>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace commerce::adapters {

using protocols::append_request;
using protocols::append_result;
using protocols::append_status;
using protocols::event_record;
using protocols::checkpoint;
using protocols::due_timer;
using protocols::journal_head;
using protocols::snapshot;
using protocols::stored_event;
using protocols::timer_change;

// The journal cannot be reached; nothing of the failed call was stored.
class storage_unavailable : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Why no journal can store `request` as given, or nothing: text that is not valid UTF-8 or
// holds a NUL byte (PostgreSQL text cannot), JSON with the escape \u0000 (jsonb cannot). Both
// journals answer such a request `invalid` on its own instead of failing its whole batch.
std::optional<std::string> refused_content(const append_request& request);

class journal {
 public:
  virtual ~journal() = default;

  // All requests in one transaction, each with its timer changes. A conflicting request stores
  // nothing and does not stop the others; nor does one the store refuses (`invalid`: see
  // refused_content; PostgreSQL also refuses invalid JSON). Results are `appended`, `conflict`
  // or `invalid`. Throws storage_unavailable when the store is unreachable (then nothing is
  // stored) — except after a refusal split the batch and part of it was already committed:
  // then the parts not stored are answered `storage_unavailable` instead.
  virtual std::vector<append_result> append(const std::vector<append_request>& batch) = 0;

  // Events of one stream with version >= from_version, in order, at most `limit`.
  virtual std::vector<stored_event> read_stream(const std::string& stream_type, const std::string& stream_id,
                                                std::int64_t from_version, std::size_t limit) = 0;

  // Keeps the latest snapshot per stream (an older version never replaces a newer one).
  virtual void save_snapshot(const snapshot& s) = 0;
  virtual std::optional<snapshot> load_snapshot(const std::string& stream_type, const std::string& stream_id) = 0;

  // Committed events of all streams after `after`, at most `limit`, in (transaction_id,
  // position) order, and only from transactions older than every one still running — so an
  // event that commits later can never land behind a checkpoint already passed (the gap
  // Akka JDBC #96 and Marten #3321 fell into).
  virtual std::vector<stored_event> read_all(const checkpoint& after, std::size_t limit) = 0;
  // The last event read_all could return now, and how far `after` is behind it: the events
  // read_all would return after it, counted up to `count_limit`, and the oldest one's time.
  virtual journal_head head(const checkpoint& after, std::size_t count_limit) = 0;
  // Where the event at `position` stands in read_all's order, so that a reader can go on after
  // it (a live stream resumed with Last-Event-ID); nullopt when no event has that position.
  virtual std::optional<checkpoint> locate(std::int64_t position) = 0;
  virtual std::optional<checkpoint> load_checkpoint(const std::string& subscription) = 0;
  virtual void save_checkpoint(const std::string& subscription, const checkpoint& at) = 0;

  // Timers due at or before `until_ms`, earliest first.
  virtual std::vector<due_timer> due_timers(std::int64_t until_ms, std::size_t limit) = 0;
  // Removes the timer only if it is still set for the same time: one re-set meanwhile stays.
  virtual void clear_timer(const due_timer& timer) = 0;

  // Returns once the store answers a trivial query (GET /readyz); throws like every call here.
  virtual void ping() = 0;
};

}  // namespace commerce::adapters
