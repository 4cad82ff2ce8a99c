// The gateway actor: every HTTP request reaches it as (http_request, http_responder) and is
// routed through a table of handlers: each entity kind's routes (actors/kinds/<kind>/), the
// operator's (gateway_admin.cpp) and health and metrics (gateway.cpp).
// Handlers answer through the responder, so they may ask entities first without blocking.
#pragma once

#include "actors/kinds/kind_module.hpp"
#include "actors/live_events.hpp"
#include "domain/identity.hpp"
#include "common/http_message.hpp"
#include "protocols/cluster.hpp"
#include "protocols/idempotency.hpp"
#include "protocols/search.hpp"
#include "protocols/streams.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

// How POST /v1/events reads identifiers and who may call it (config [cdp]).
struct ingest_options {
  domain::identity_rules rules;
  std::string default_currency = "USD";
  std::string token;  // accepted besides the admin token (empty: none)
};

struct gateway_options {
  std::string version;      // reported by /healthz
  std::string admin_token;  // Bearer token of catalog writes and /admin/*, labelled "admin" in the audit log
  // More operators' tokens, by label (admin.operator_tokens): the same rights, told apart in the
  // audit log.
  std::vector<std::pair<std::string, std::string>> operator_tokens;
  // The names this node answers to (the Host header without its port); a request naming
  // another is refused, so a DNS-rebound page cannot reach the admin calls. "*": any.
  std::vector<std::string> allowed_hosts{"localhost", "127.0.0.1", "::1"};
  std::chrono::milliseconds cart_reservation_ttl{std::chrono::minutes(10)};
  std::chrono::milliseconds request_timeout{std::chrono::seconds(10)};
  live_options live;
  std::string node_id;  // every answer's X-Served-By
  std::string webhook_secret;  // webhooks.secret: the store platform signs its webhooks with it
  bool store_platform = false;  // store.url is set: prices are pushed and counts reconciled
  ingest_options ingest;
};

// The actors a gateway talks to. `supervision_root` is asked for /admin/actors. Without an
// `idempotency` store, Idempotency-Key headers are ignored. `views` are the kinds' read models of
// lists (entity_view.hpp); `subscriptions` by name take back their dead letters; `payments` is
// the payment client (refunds, and its breaker for /admin/breakers).
// /readyz answers 503 while Redis (`redis`, the stream publisher, if configured) does not answer
// and until every subscription in `read_model_feeds` has caught up.
struct gateway_services {
  entity_regions regions;
  std::vector<service<protocols::journal_reader_actor>> readers;
  service<protocols::dead_letter_office_actor> dead_letters;
  service<protocols::idempotency_store_actor> idempotency;
  kind_actors views;
  service<protocols::payment_client_actor> payments;
  // The card-token vault: a checkout's token waits there, unjournaled.
  service<protocols::payment_token_vault_actor> payment_tokens;
  std::map<std::string, service<caf::actor>> subscriptions;
  std::vector<service<caf::actor>> read_model_feeds;
  service<caf::actor> supervision_root;
  service<protocols::stream_publisher_actor> redis;  // none: no Redis configured
  service<protocols::product_search_actor> search;
  live_services live;  // server-sent events (live_events.hpp)
  std::shared_ptr<const protocols::shard_table> shards;  // GET /admin/cluster
  service<caf::actor> membership;  // a planned leave; none: a single node
};

caf::actor spawn_gateway(caf::actor_system& system, gateway_options options, gateway_services services);

// The gateway's routes as data, for checking docs/openapi.json against them.
struct route_summary {
  std::string method;
  std::string pattern;
  bool admin = false;
};
std::vector<route_summary> gateway_route_summaries();

// docs/openapi.json as compiled in, served at GET /openapi.json.
extern const char* const openapi_document;

// Sends one request to the gateway; the responder is called exactly once.
void send_to_gateway(const caf::actor& gateway, http_request request, http_responder respond);

}  // namespace commerce::actors
