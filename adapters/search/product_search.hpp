// Product search (protocols/search.hpp): a detached actor (libpq and hiredis block) over the
// catalog_search table (migration 0009) that it also keeps, as the handler of a journal
// subscription over the products' events.
//
// A query is normalised to its terms (letters and digits, lower case), each matched as a prefix
// in the name (ranked first), the SKU and the category, all terms required; results are ranked by
// ts_rank, then SKU. A page is cached in Redis under `search:<terms>:page:<n>` (with
// `:per_page:<k>` unless it is the default) for `cache_ttl`. Every cached key is also listed in
// the set `search:keys`, and a product created or changed (its name or category may have moved
// it into or out of any query) drops them all. Both happen in this one actor, so no answer
// computed before a change is cached after it. Without Redis, every search is a miss.
//
// Metrics: commerce_search_requests_total{cache="hit"|"miss"}, commerce_search_cache_hit_ratio.
#pragma once

#include "adapters/redis/redis_connection.hpp"
#include "protocols/search.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <optional>
#include <string>
#include <vector>

namespace commerce::adapters::search {

struct product_search_options {
  std::string conninfo;
  std::optional<redis::redis_options> redis;  // none: no cache
  std::chrono::seconds cache_ttl{300};
};

protocols::product_search_actor spawn_product_search(caf::actor_system& system, product_search_options options);

// The terms of a query: runs of ASCII letters and digits, lower case.
std::vector<std::string> terms_of(const std::string& query);

}  // namespace commerce::adapters::search
