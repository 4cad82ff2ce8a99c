// The store platform protocol: how the price sync and the reconciliation sweep reach the store
// platform (Shopify's Admin API, the sandbox's here) through its client (adapters/store). One
// request is one call, answered with what the platform said; waiting out a 429 and backing off
// on 5xx is the caller's policy, since only the caller knows its budget (price_sync.hpp).
//
//   request(store, t, set_price_atom, price_update)               -> store_answer
//   request(store, t, levels_atom, std::vector<std::string> skus) -> levels_answer
//
// Setting a price is idempotent by nature (the same price twice is the same state), so a call
// that may have reached the platform can always be made again.
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::protocols {

using set_price_atom = caf::atom_constant<caf::atom("setprice")>;
using levels_atom = caf::atom_constant<caf::atom("levels")>;

enum class store_status : std::uint8_t {
  ok,
  throttled,    // 429: call again after retry_after_ms
  unavailable,  // no answer in time, no connection, 5xx: it may be back soon
  refused,      // another 4xx: the platform will not take this call as it is
};

struct store_answer {
  store_status status = store_status::unavailable;
  std::int64_t retry_after_ms = 0;  // throttled: what Retry-After said (at least 1 s)
  std::string detail;               // for logs, alerts and dead letters
};

struct price_update {
  std::string sku;
  std::int64_t amount = 0;  // minor units
  std::string currency;
};

// A count as the platform holds it.
struct stock_level {
  std::string sku;
  std::int64_t available = 0;
  std::int64_t updated_at_ms = 0;
};

struct levels_answer {
  store_answer answer;
  std::vector<stock_level> levels;  // when ok; SKUs the platform does not hold are left out
};

BOOST_DESCRIBE_STRUCT(store_answer, (), (status, retry_after_ms, detail))
BOOST_DESCRIBE_STRUCT(price_update, (), (sku, amount, currency))
BOOST_DESCRIBE_STRUCT(stock_level, (), (sku, available, updated_at_ms))
BOOST_DESCRIBE_STRUCT(levels_answer, (), (answer, levels))
COMMERCE_WIRE_MESSAGE(store_answer, "commerce.store_answer")
COMMERCE_WIRE_MESSAGE(price_update, "commerce.price_update")
COMMERCE_WIRE_MESSAGE(levels_answer, "commerce.levels_answer")

using store_platform_actor =
    caf::typed_actor<caf::replies_to<set_price_atom, price_update>::with<store_answer>,
                     caf::replies_to<levels_atom, std::vector<std::string>>::with<levels_answer>>;

}  // namespace commerce::protocols
