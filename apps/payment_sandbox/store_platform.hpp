// The sandbox store platform (API.md, Store platform): the warehouse's counts, and the signed
// inventory_levels/update webhook it sends the node when one changes, as Shopify does.
//
//   GET  /admin/api/inventory_levels?skus=A,B     {"inventory_levels": [{"sku", "available", "updated_at"}]}
//   POST /admin/api/inventory_levels/set {"sku", "available", "silent"?}
//        sets the count (updated_at = now) and, unless silent, sends the webhook
//   GET  /admin/api/webhooks                      every delivery: id, sku, attempts, status
//   POST /admin/api/webhooks/drop {"drop": bool}  while true, webhooks are recorded as dropped, not sent
//
// A webhook is signed with the shared secret (X-Shopify-Hmac-Sha256 over the raw body) and
// carries X-Shopify-Webhook-Id and X-Shopify-Topic. Until the node answers 200 it is sent
// again, 8 times, after 0.5 s, 1 s, 2 s, ... 64 s (Shopify's 8 retries over 4 hours, compressed).
#pragma once

#include "common/http_message.hpp"

#include <memory>
#include <string>

namespace commerce::adapters::sandbox {

class store_platform {
 public:
  // `webhook_url` "http://host:port" (empty: webhooks are recorded, never sent).
  store_platform(std::string webhook_url, std::string secret);
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
