// The journal writer: a detached actor (it blocks on the database, so it gets a thread of its
// own, off CAF's two scheduler workers) that implements protocols/journal.hpp. Appends that
// arrive while a transaction is being written are committed together in the next one (group
// commit), up to max_batch at a time. When the store is unreachable, every append fails at once
// with storage_unavailable, and the writer tries the store again after a backoff that grows from
// retry_min to retry_max — it recovers by itself when the store returns.
#pragma once

#include "adapters/journal/journal.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <memory>

namespace commerce::adapters {

struct journal_writer_options {
  std::size_t max_batch = 512;
  // How long the first append of a batch waits for company. 0: only what is already queued.
  std::chrono::microseconds max_delay{0};
  std::chrono::milliseconds retry_min{100};
  std::chrono::milliseconds retry_max{5000};
};

protocols::journal_writer_actor spawn_journal_writer(caf::actor_system& system, std::shared_ptr<journal> store,
                                                     journal_writer_options options = {});

}  // namespace commerce::adapters
