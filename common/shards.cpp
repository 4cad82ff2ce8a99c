#include "common/shards.hpp"

namespace commerce {
namespace {

std::uint64_t fnv1a(std::string_view bytes, std::uint64_t hash = 14695981039346656037ULL) {
  for (const unsigned char c : bytes) {
    hash ^= c;
    hash *= 1099511628211ULL;
  }
  return hash;
}

// FNV's low bits mix poorly on short keys; a final avalanche (MurmurHash3's) spreads them.
std::uint64_t mix(std::uint64_t h) {
  h ^= h >> 33;
  h *= 0xff51afd7ed558ccdULL;
  h ^= h >> 33;
  h *= 0xc4ceb9fe1a85ec53ULL;
  h ^= h >> 33;
  return h;
}

}  // namespace

std::uint32_t shard_of(std::string_view stream_type, std::string_view stream_id, std::uint32_t shards) {
  const auto h = fnv1a(stream_id, fnv1a("/", fnv1a(stream_type)));
  return static_cast<std::uint32_t>(mix(h) % shards);
}

std::string rendezvous_owner(std::uint32_t shard, const std::vector<std::string>& nodes) {
  std::string best;
  std::uint64_t best_score = 0;
  const std::string key = std::to_string(shard);
  for (const auto& node : nodes) {
    const auto score = mix(fnv1a(key, fnv1a("#", fnv1a(node))));
    if (best.empty() || score > best_score || (score == best_score && node < best)) {
      best = node;
      best_score = score;
    }
  }
  return best;
}

}  // namespace commerce
