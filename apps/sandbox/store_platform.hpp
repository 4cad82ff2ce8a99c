// The sandbox store platform (API.md, Store platform): the warehouse's counts, and the signed
// inventory_levels/update webhook it sends the node when one changes, as Shopify does.
//
//   GET  /admin/api/inventory_levels?skus=A,B     {"inventory_levels": [{"sku", "available", "updated_at"}]}
//   POST /admin/api/inventory_levels/set {"sku", "available", "silent"?}
//        sets the count (updated_at = now) and, unless silent, sends the webhook
//   GET  /admin/api/webhooks                      every delivery: id, sku, attempts, status
//   POST /admin/api/webhooks/drop {"drop": bool}  while true, webhooks are recorded as dropped, not sent
//   PUT  /admin/api/variants/{sku} {"price"}      a variant's price (the node's price sync)
//   GET  /admin/api/variants/{sku}                {"variant": {"sku", "price", "updated_at", "price_history"}}
//   POST /admin/api/sandbox/faults {"throttle_ms"?, "fail_next"?, "fail_skus"?, "refuse_skus"?}
//        misbehave, for tests: 429 to every metered call for a while, 503 to the next n price
//        updates and to those of some SKUs, 422 to those of others
//   GET  /admin/api/sandbox/faults                the faults left, the 429s answered, and the calls
//        that came back sooner than their Retry-After said (early_calls)
//
// Calls that carry X-Shopify-Access-Token (the node's) are metered per token by a leaky bucket
// (40 calls, leaking 2 per second): a full bucket answers 429 with Retry-After. A test's own
// calls carry none, so they never eat the node's budget.
//
// A webhook is signed with the shared secret (X-Shopify-Hmac-Sha256 over the raw body) and
// carries X-Shopify-Webhook-Id and X-Shopify-Topic. Until the node answers 200 it is sent
// again, 8 times, after 0.5 s, 1 s, 2 s, ... 64 s (Shopify's 8 retries over 4 hours, compressed).
#pragma once

#include "common/http_message.hpp"

#include <memory>
#include <string>

namespace commerce::adapters::sandbox {

struct bucket_options {
  double size = 40;
  double leak_per_second = 2;
};

class store_platform {
 public:
  // `webhook_url` "http://host:port" (empty: webhooks are recorded, never sent).
  store_platform(std::string webhook_url, std::string secret, bucket_options bucket = {});
  ~store_platform();
  store_platform(const store_platform&) = delete;
  store_platform& operator=(const store_platform&) = delete;

  // Answers a request of the routes above and returns true, or returns false (not one of ours).
  bool handle(const http_request& request, http_responder& respond);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace commerce::adapters::sandbox
