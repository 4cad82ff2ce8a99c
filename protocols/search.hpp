// Product search (adapters/search/product_search): full-text search over the catalog's names,
// SKUs and categories, ranked, with its pages cached in Redis; and the journal subscription's
// handler that keeps the index (protocols/subscription.hpp).
//
//   request(search, t, search_atom, search_request)                 -> search_result
//   request(search, t, deliver_atom, std::vector<stored_event>)    -> () once indexed
// A store that cannot be reached answers with an error (sec::runtime_error); Redis being away
// only costs the cache.
#pragma once

#include "protocols/journal.hpp"
#include "protocols/subscription.hpp"
#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::protocols {

using search_atom = caf::atom_constant<caf::atom("search")>;

struct search_request {
  std::string query;
  std::uint64_t page = 1;  // from 1
  std::uint64_t per_page = 20;
};

struct search_result {
  std::string normalised_query;   // the terms searched, lower case, one space apart
  std::vector<std::string> skus;  // best first
  std::int64_t total = 0;         // matches over all pages
  bool cached = false;            // answered from Redis
};

BOOST_DESCRIBE_STRUCT(search_request, (), (query, page, per_page))
BOOST_DESCRIBE_STRUCT(search_result, (), (normalised_query, skus, total, cached))
COMMERCE_WIRE_MESSAGE(search_request, "commerce.search_request")
COMMERCE_WIRE_MESSAGE(search_result, "commerce.search_result")

using product_search_actor =
    caf::typed_actor<caf::replies_to<search_atom, search_request>::with<search_result>,
                     caf::reacts_to<deliver_atom, std::vector<stored_event>>>;

}  // namespace commerce::protocols
