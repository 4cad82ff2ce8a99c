// The store platform's client: the one actor through which the node calls the store platform's
// Admin API (protocols/store_platform.hpp), each call one HTTP attempt:
//
//   PUT /admin/api/variants/{sku} {"price": {"amount", "currency"}}
//   GET /admin/api/inventory_levels?skus=A,B,...
//
// Every call carries the node's X-Shopify-Access-Token, by which the platform meters it (a leaky
// bucket, answered 429 + Retry-After when full). That bucket is shared by all the node's callers
// (the price sync, the reconciliation sweep), so the client sends their calls one at a time and,
// after a 429, answers every call `throttled` until Retry-After has passed, not just the one
// refused. An inventory level it cannot read is logged and left out. The answer is classified — ok, throttled,
// unavailable (timeout, no connection, 5xx, 408), refused (other 4xx) — and counted in
//   commerce_store_calls_total{call="set_price|levels", outcome="ok|throttled|unavailable|refused"}
#pragma once

#include "adapters/http/client.hpp"
#include "protocols/store_platform.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::adapters::store {

struct store_client_options {
  http::endpoint platform;
  std::string access_token;
  std::chrono::milliseconds attempt_timeout{2000};
};

protocols::store_platform_actor spawn_store_client(caf::actor_system& system, store_client_options options);

// What a platform's answer means to the caller (pure: tested on its own).
protocols::store_answer classify(const http::client_result& result);

}  // namespace commerce::adapters::store
