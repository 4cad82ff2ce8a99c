// How the node's callers of the store platform (the price sync, the reconciliation sweep) wait
// between calls. Both work inside a subscription's delivery, which must answer within the
// subscription's timeout: a wait that would end past the delivery's patience is not taken, the
// delivery fails as transient instead and comes again after the subscription's own backoff (1 s
// doubling to 32 s), which spans the longer outages.
#pragma once

#include "supervision/backoff.hpp"

#include <chrono>
#include <optional>

namespace commerce::actors::store_calls {

using clock_type = std::chrono::steady_clock;

// An unavailable platform: 0.5 s doubling to 8 s, ±20 % so that nodes and SKUs do not retry in step.
inline const supervision::backoff_policy backoff{std::chrono::milliseconds(500), std::chrono::seconds(8), 2.0, 0.2, {}};

// `wait`, unless it would end after `deadline`.
inline std::optional<std::chrono::milliseconds> wait_before(clock_type::time_point deadline, std::chrono::milliseconds wait) {
  if (clock_type::now() + wait > deadline) return std::nullopt;
  return wait;
}

}  // namespace commerce::actors::store_calls
