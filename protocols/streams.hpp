// The journal published to Redis Streams (adapters/redis/stream_publisher): a subscription's
// handler (protocols/subscription.hpp) that adds each event to the stream of its type, and the
// probe /readyz asks.
//
//   request(publisher, t, deliver_atom, std::vector<stored_event>) -> () once all are in Redis
//   request(publisher, t, ping_atom)                              -> () once Redis answers
// While Redis cannot be reached both answer with an error (sec::runtime_error), so the
// subscription delivers the batch again later and nothing is skipped.
#pragma once

#include "protocols/journal.hpp"
#include "protocols/subscription.hpp"

#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <functional>
#include <string>
#include <vector>

namespace commerce::protocols {

// Besides the stream of its type, an event of `event_type` also goes to `stream` (a name of its
// own, without the prefix), with the data `view` makes of it: streams named for their readers,
// such as the customer data platform's events.raw.
struct stream_route {
  std::string event_type;
  std::string stream;
  std::function<std::string(const stored_event&)> view;
};

using stream_publisher_actor =
    caf::typed_actor<caf::reacts_to<deliver_atom, std::vector<stored_event>>, caf::reacts_to<ping_atom>>;

}  // namespace commerce::protocols
