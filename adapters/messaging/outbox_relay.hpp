// The outbox relay: sends the notifications waiting in the outbox table (migration 0004) to the
// messaging provider, oldest first, and marks each sent once the provider has taken it.
//
//   POST <url>/v1/messages {"to", "template", "data"}   Idempotency-Key: <the row's key>
//
// Rows are written once per key by the order handlers; the relay may send a row again when it
// died between the provider's answer and marking the row, and the provider answers a repeated
// key from its key store: each notification reaches the customer exactly once.
//
// A 2xx marks the row sent. A 4xx other than 408 and 429 means the provider will never take it:
// the row is marked failed (left for an operator, logged). Anything else (timeouts, connection
// errors, 5xx, 408, 429) stops the round; the next one comes after a backoff from
// `poll_interval` doubling up to 30 s. A detached actor: its database calls block.
//   commerce_messages_total{outcome="sent|rejected|failed_attempt"}, commerce_outbox_pending
#pragma once

#include "adapters/http/client.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <string>

namespace commerce::adapters::messaging {

struct outbox_relay_options {
  http::endpoint provider;
  std::chrono::milliseconds attempt_timeout{2000};
  std::chrono::milliseconds poll_interval{200};
  std::size_t batch = 64;
  std::function<bool()> active;  // cluster: sends only while this holds; none: always
};

caf::actor spawn_outbox_relay(caf::actor_system& system, std::string conninfo, outbox_relay_options options);

}  // namespace commerce::adapters::messaging
