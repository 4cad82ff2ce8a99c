// The journal's publisher to Redis Streams (protocols/streams.hpp): a detached actor (hiredis
// blocks) behind a checkpointed journal subscription. Each event goes to the stream
// `<prefix><stream type>` (commerce.cart, commerce.order, ...) with the fields position,
// stream_id, version, type, data and at, approximately trimmed to `stream_maxlen`, and to the
// streams of its `routes` (with their view of the data) under the same entry id.
//
// Exactly once, in journal order, also across a crash between XADD and the checkpoint: an
// event's entry id is `<transaction id>-<position>`, the journal's own delivery order
// (protocols/journal.hpp), so ids only grow within every stream. A batch delivered again after
// a crash is refused by Redis event by event as "equal or smaller than the top item" — which
// means it is already there — and counted as done; the first event that was not published is
// added. A batch is added by one Lua script that stops at the first event Redis refuses for any
// other reason, so what a stream holds is always a prefix of the journal's events of its type,
// and a batch is answered only once every event of it is in Redis.
//
// Metrics: commerce_redis_published_total, commerce_redis_already_published_total (repeats
// refused by Redis), commerce_redis_errors_total; the lag is the subscription's own
// (commerce_subscription_lag_events / _seconds{subscription="redis_streams"}).
#pragma once

#include "adapters/redis/redis_connection.hpp"
#include "protocols/streams.hpp"

#include <caf/fwd.hpp>

#include <cstdint>
#include <string>

namespace commerce::adapters::redis {

struct stream_publisher_options {
  redis_options redis;
  std::uint64_t stream_maxlen = 1'000'000;
  std::string prefix = "commerce.";
  std::vector<protocols::stream_route> routes;  // the streams some events also go to
};

protocols::stream_publisher_actor spawn_stream_publisher(caf::actor_system& system, stream_publisher_options options);

// The entry id an event gets: its place in the journal's delivery order.
std::string entry_id(const protocols::stored_event& e);

}  // namespace commerce::adapters::redis
