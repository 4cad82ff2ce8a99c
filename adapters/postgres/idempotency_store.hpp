// Idempotency keys on PostgreSQL (table idempotency_keys, migration 0003): a detached actor (its
// calls block) implementing protocols/idempotency.hpp. Keys older than `retention` are treated as
// new and purged every `purge_every`.
#pragma once

#include "protocols/idempotency.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::adapters::postgres {

struct idempotency_options {
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  // A claim still in progress after this long belongs to a request that died with its node.
  std::chrono::milliseconds stale_after{std::chrono::minutes(1)};
  std::chrono::milliseconds purge_every{std::chrono::minutes(10)};
};

protocols::idempotency_store_actor spawn_idempotency_store(caf::actor_system& system, std::string conninfo, idempotency_options options);

}  // namespace commerce::adapters::postgres
