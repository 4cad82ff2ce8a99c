// The customer data platform's Redis streams (API.md; seed 003), fed from the journal by the
// stream publisher like every other stream, so exactly once and in journal order:
//   events.raw               every event attached to a profile, as it arrived
//   events.normalized        the same, resolved: its profile and its identifiers in normal form
//   profiles.merge_requests  every merge asked for (kind merge) and every review opened (kind review)
#pragma once

#include "protocols/streams.hpp"

#include <vector>

namespace commerce::actors {

std::vector<protocols::stream_route> customer_stream_routes();

}  // namespace commerce::actors
