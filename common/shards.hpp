// Where an entity lives in a cluster. Its shard comes from a stable hash of its stream
// (FNV-1a: the same on every node, build and platform), and each shard's node from rendezvous
// hashing over the nodes that are up: every node computes the same owner from the same list,
// and a node joining or leaving moves only the shards it gains or loses.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace commerce {

std::uint32_t shard_of(std::string_view stream_type, std::string_view stream_id, std::uint32_t shards);

// The node of `nodes` that `shard` belongs on; "" when there is none.
std::string rendezvous_owner(std::uint32_t shard, const std::vector<std::string>& nodes);

}  // namespace commerce
