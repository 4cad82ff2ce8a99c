// Where entities live in a cluster (common/shards.hpp): a stable shard per entity, and owners
// by rendezvous hashing that move only what a joining or leaving node gains or loses.
#include "common/shards.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <set>

using namespace commerce;

TEST_CASE("an entity's shard is stable, in range and spread evenly", "[unit][cluster]") {
  // Placement must never change between builds: a node of a new build would look for
  // entities where the old ones did not put them. These were computed once and are kept.
  CHECK(shard_of("product", "MUG-1", 256) == 88);
  CHECK(shard_of("cart", "cart_0", 256) == 28);
  CHECK(shard_of("product", "MUG-1", 16) == 8);
  CHECK(shard_of("product", "MUG-1", 256) != shard_of("cart", "MUG-1", 256));  // the kind counts
  std::map<std::uint32_t, int> per_shard;
  for (int i = 0; i < 25'600; ++i) {
    const auto shard = shard_of("cart", "cart_" + std::to_string(i), 256);
    REQUIRE(shard < 256);
    ++per_shard[shard];
  }
  CHECK(per_shard.size() == 256);
  const auto [least, most] = std::minmax_element(per_shard.begin(), per_shard.end(),
                                                 [](const auto& a, const auto& b) { return a.second < b.second; });
  CHECK(least->second >= 50);  // 100 on average
  CHECK(most->second <= 150);
}

TEST_CASE("rendezvous owners do not depend on the order nodes are listed in", "[unit][cluster]") {
  const std::vector<std::string> nodes{"node-a", "node-b", "node-c"};
  const std::vector<std::string> reversed(nodes.rbegin(), nodes.rend());
  std::map<std::string, int> owned;
  for (std::uint32_t shard = 0; shard < 256; ++shard) {
    const auto owner = rendezvous_owner(shard, nodes);
    CHECK(owner == rendezvous_owner(shard, reversed));
    ++owned[owner];
  }
  CHECK(owned.size() == 3);
  for (const auto& [node, count] : owned) CHECK((count > 50 && count < 120));  // ~85 each
  CHECK(rendezvous_owner(7, {}).empty());
}

TEST_CASE("a node joining takes only shards for itself; one leaving gives up only its own", "[unit][cluster]") {
  const std::vector<std::string> three{"node-a", "node-b", "node-c"};
  auto four = three;
  four.push_back("node-d");
  int moved = 0;
  for (std::uint32_t shard = 0; shard < 256; ++shard) {
    const auto before = rendezvous_owner(shard, three), after = rendezvous_owner(shard, four);
    if (before == after) continue;
    ++moved;
    CHECK(after == "node-d");  // nothing moves between the nodes that stay
  }
  CHECK((moved > 40 && moved < 90));  // about a quarter

  const std::vector<std::string> two{"node-a", "node-c"};
  for (std::uint32_t shard = 0; shard < 256; ++shard) {
    const auto before = rendezvous_owner(shard, three);
    if (before != "node-b") CHECK(rendezvous_owner(shard, two) == before);
  }
}
