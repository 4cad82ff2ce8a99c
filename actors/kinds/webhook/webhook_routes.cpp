// POST /webhooks/inventory (API.md, Store platform): the store platform's
// inventory_levels/update, authenticated by its signature instead of a token. 401 unless
// X-Shopify-Hmac-Sha256 is base64(HMAC-SHA256(webhooks.secret, raw body)), compared in
// constant time; then the delivery is recorded under X-Shopify-Webhook-Id and answered 200
// once durable — a repeat answers 200 with "duplicate": true and changes nothing. The count is
// applied afterwards (webhook_processor).
#include "actors/gateway_call.hpp"
#include "common/metrics.hpp"
#include "common/secure.hpp"
#include "domain/webhook.hpp"

namespace commerce::actors {
namespace {

using namespace domain;

// commerce_webhooks_total{outcome}: recorded, duplicate (taken before) or refused (signature,
// headers or body), looked up once.
metrics::counter& webhooks(const char* outcome) {
  return metrics::registry::global().get_counter("commerce_webhooks_total",
                                                 "Store platform webhooks received, by outcome", {{"outcome", outcome}});
}

void refuse(const call_ptr& call, http_response answer) {
  static auto& refused = webhooks("refused");
  refused.add();
  call->respond(std::move(answer));
}

void receive_inventory_level(const call_ptr& call) {
  const auto& secret = call->options().webhook_secret;
  const auto& signature = call->request.header("x-shopify-hmac-sha256");
  if (secret.empty())
    return call->respond(unavailable("webhooks.secret is not configured: no webhook can be verified"));
  if (signature.empty() || !secure::same_secret(signature, secure::hmac_sha256_base64(secret, call->request.body)))
    return refuse(call, problem(401, "invalid_signature", "Unauthorized",
                                 "X-Shopify-Hmac-Sha256 is missing or is not the body's HMAC-SHA256 with the shared secret"));
  const auto& id = call->request.header("x-shopify-webhook-id");
  if (!valid_webhook_id(id))
    return refuse(call, rejection_response(
        invalid_field("X-Shopify-Webhook-Id", "must be 1-128 characters of A-Z a-z 0-9 . _ : -")));
  auto topic = call->request.header("x-shopify-topic");
  if (topic.empty()) topic = "inventory_levels/update";
  if (topic != "inventory_levels/update")
    return refuse(call, rejection_response(invalid_field("X-Shopify-Topic", "must be inventory_levels/update here")));

  body_reader body(call->request.body, {"sku", "available", "updated_at", "inventory_item_id", "location_id"});
  receive_webhook command;
  command.topic = topic;
  command.sku = body.text("sku", 64);
  command.available = body.integer("available", 0, max_quantity);
  const auto updated_at = body.text("updated_at", 64);
  if (body.error()) return refuse(call, *body.error());
  const auto at = parse_iso8601(updated_at);
  if (!at) return refuse(call, rejection_response(invalid_field("updated_at", "must be an ISO-8601 time")));
  command.updated_at = *at;
  command_entity<webhook_decider>(call, id, std::move(command), std::nullopt,
                                  [call](protocols::entity_reply<webhook_decider>& reply) {
                                    static auto& recorded = webhooks("recorded");
                                    static auto& duplicate = webhooks("duplicate");
                                    (reply.events.empty() ? duplicate : recorded).add();
                                    call->respond(json_response(
                                        200, boost::json::object{{"id", reply.state.id},
                                                                 {"duplicate", reply.events.empty()},
                                                                 {"received_at", to_iso8601(reply.state.received_at)}}));
                                  });
}

}  // namespace

void add_webhook_routes(gateway_routes& routes) {
  routes.add("POST", "/webhooks/inventory", {false, receive_inventory_level});
}

}  // namespace commerce::actors
