#include "apps/commerced/node_tree.hpp"

#include "actors/gateway.hpp"
#include "actors/kinds/kind_module.hpp"
#include "actors/kinds/order/order_handlers.hpp"
#include "actors/kinds/alert/alert_notifier.hpp"
#include "actors/kinds/campaign/campaign_driver.hpp"
#include "actors/kinds/pricing_job/pricing_job_runner.hpp"
#include "actors/kinds/profile/commerce_feed.hpp"
#include "actors/kinds/profile/customer_streams.hpp"
#include "actors/kinds/product/price_sync.hpp"
#include "actors/kinds/reconciliation/reconciliation_driver.hpp"
#include "actors/kinds/webhook/webhook_processor.hpp"
#include "actors/subscription.hpp"
#include "actors/timer_service.hpp"
#include "adapters/journal/journal_reader.hpp"
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/postgres_journal.hpp"
#include "adapters/messaging/outbox_relay.hpp"
#include "adapters/payment/payment_client.hpp"
#include "adapters/postgres/dead_letter_office.hpp"
#include "adapters/postgres/idempotency_store.hpp"
#include "adapters/postgres/order_effects_store.hpp"
#include "adapters/postgres/payment_token_vault.hpp"
#include "adapters/redis/stream_publisher.hpp"
#include "adapters/postgres/cluster_membership.hpp"
#include "adapters/search/product_search.hpp"
#include "adapters/store/store_client.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

#include <signal.h>
#include <unistd.h>

namespace commerce::node {
namespace {

using namespace std::chrono_literals;
using actors::service;
using actors::service_directory;
using supervision::child_spec;
using supervision::child_type;
using supervision::restart_strategy;
using supervision::supervisor_spec;
using directory_ptr = std::shared_ptr<service_directory>;

// A permanent worker, registered in the directory under its id every time it starts.
template <class Start>
child_spec worker(const directory_ptr& directory, std::string id, Start start) {
  auto start_and_register = [directory, id, start](caf::actor_system& system) {
    auto actor = caf::actor_cast<caf::actor>(start(system));
    directory->put(id, actor);
    return actor;
  };
  return {std::move(id), std::move(start_and_register), supervision::restart_type::permanent, 5'000ms,
          child_type::worker};
}

child_spec supervisor_child(supervisor_spec spec) {
  auto id = spec.name;
  return {std::move(id), [spec](caf::actor_system& system) { return supervision::spawn_supervisor(system, spec); },
          supervision::restart_type::permanent, 10'000ms, child_type::supervisor};
}

// A group whose children restart on their own (one_for_one) or together: 5 restarts in a
// minute, then it gives up and the root restarts it.
supervisor_spec group(std::string name, restart_strategy strategy) {
  supervisor_spec spec;
  spec.name = std::move(name);
  spec.strategy = strategy;
  spec.max_restarts = 5;
  spec.within = 60s;
  spec.backoff = {100ms, 5s, 2.0, 0.2, 60s};
  return spec;
}

// The directory's names of the node's services, each used where it registers and where it is
// looked up.
constexpr const char* dead_letters_name = "dead_letters";
constexpr const char* idempotency_name = "idempotency_keys";
constexpr const char* payment_tokens_name = "payment_tokens";
constexpr const char* payments_name = "payments";
constexpr const char* streams_name = "redis_streams";
constexpr const char* search_name = "product_search";
constexpr const char* live_hub_name = "live_hub";
constexpr const char* order_effects_name = "order_effects_store";
constexpr const char* order_handlers_name = "order_handlers";
constexpr const char* alert_notifier_name = "alert_notifier";
constexpr const char* webhook_processor_name = "webhook_processor";
constexpr const char* pricing_job_runner_name = "pricing_job_runner";
constexpr const char* campaign_driver_name = "campaign_driver";
constexpr const char* store_client_name = "store_platform";
constexpr const char* price_sync_name = "price_sync";
constexpr const char* reconciliation_driver_name = "reconciliation_driver";
constexpr const char* commerce_feed_name = "commerce_feed";
std::string reader_name(std::size_t i) { return "journal_reader_" + std::to_string(i + 1); }
// The subscription feeding an actor is registered as "<actor>_feed".
std::string feed_name(const std::string& fed) { return fed + "_feed"; }

// The users' side of the directory: each dependency by the name its worker registers.
struct node_services {
  directory_ptr directory;
  std::size_t reader_count;
  std::shared_ptr<protocols::shard_table> shards;  // which entities this node serves now
  std::shared_ptr<const protocols::cluster_peers> peers;  // the other nodes' endpoints
  std::string node_id;
  bool clustered = false;

  // What must run once per cluster runs while this holds (none: a single node, always).
  std::function<bool()> singleton() const {
    if (!clustered) return {};
    return [shards = shards] { return shards->holds_singletons(); };
  }

  template <class Handle>
  service<Handle> named(std::string name) const {
    return {directory, std::move(name)};
  }
  service<protocols::journal_writer_actor> writer() const { return named<protocols::journal_writer_actor>(journal_writer_name); }
  std::vector<service<protocols::journal_reader_actor>> readers() const {
    std::vector<service<protocols::journal_reader_actor>> out;
    for (std::size_t i = 0; i < reader_count; ++i) out.push_back(named<protocols::journal_reader_actor>(reader_name(i)));
    return out;
  }
  service<protocols::dead_letter_office_actor> dead_letters() const {
    return named<protocols::dead_letter_office_actor>(dead_letters_name);
  }
  service<protocols::payment_client_actor> payments() const { return named<protocols::payment_client_actor>(payments_name); }
  service<protocols::payment_token_vault_actor> payment_tokens() const {
    return named<protocols::payment_token_vault_actor>(payment_tokens_name);
  }
  actors::entity_regions regions() const { return {directory, ""}; }
  actors::kind_actors views() const { return {directory, "_view"}; }
};

// The storage side's actors are independent of one another: each restarts alone, and its users
// find the new one by name.
// How identifiers are read (config [cdp]): by POST /v1/events and by the commerce feed alike.
domain::identity_rules identity_rules_of(const config::node_config& config) {
  domain::identity_rules rules;
  rules.default_region = config.cdp.default_region;
  for (const auto& value : config.cdp.blocked_identifiers) rules.block(value);
  return rules;
}

supervisor_spec storage(const config::node_config& config, const node_services& on) {
  auto spec = group("storage", restart_strategy::one_for_one);
  const auto conninfo = config.postgres.conninfo();
  adapters::journal_writer_options writer_options;
  writer_options.max_batch = config.journal.max_batch;
  writer_options.max_delay = config.journal.max_delay;
  spec.children.push_back(worker(on.directory, journal_writer_name, [=](caf::actor_system& system) {
    auto journal = std::make_shared<adapters::postgres_journal>(conninfo);
    if (config.cluster.enabled) journal->fence(config.cluster.node_id, on.shards);
    return adapters::spawn_journal_writer(system, std::move(journal), writer_options);
  }));
  for (std::size_t i = 0; i < on.reader_count; ++i)
    spec.children.push_back(worker(on.directory, reader_name(i), [=](caf::actor_system& system) {
      return adapters::spawn_journal_reader(system, std::make_shared<adapters::postgres_journal>(conninfo));
    }));
  spec.children.push_back(worker(on.directory, dead_letters_name, [=](caf::actor_system& system) {
    return adapters::postgres::spawn_dead_letter_office(system, conninfo);
  }));
  adapters::postgres::idempotency_options idempotency_options;
  idempotency_options.retention = config.idempotency_retention;
  spec.children.push_back(worker(on.directory, idempotency_name, [=](caf::actor_system& system) {
    return adapters::postgres::spawn_idempotency_store(system, conninfo, idempotency_options);
  }));
  // Its commits do not wait for the disk: a PostgreSQL crash may lose the last fraction of a
  // second of tokens, and a checkout that then finds none fails before charging
  // (payment_token_expired) — never a double charge — while every checkout saves two fsyncs.
  const auto vault_conninfo = config.postgres.conninfo("synchronous_commit=off");
  spec.children.push_back(worker(on.directory, payment_tokens_name, [=](caf::actor_system& system) {
    return adapters::postgres::spawn_payment_token_vault(system, vault_conninfo, {});
  }));
  return spec;
}

// The payment client: its breaker and retries live as long as it does.
child_spec payments(const config::node_config& config, const node_services& on) {
  adapters::payment::payment_client_options options;
  const auto provider = adapters::http::parse_http_url(config.payment.url);
  if (!provider) throw std::invalid_argument("payment.url is not an http://host:port URL: " + config.payment.url);
  options.provider = *provider;
  options.attempt_timeout = config.payment.attempt_timeout;
  options.retry.max_attempts = config.payment.max_attempts;
  options.retry.backoff.min = config.payment.retry_backoff;
  options.breaker = {config.payment.breaker_failures, config.payment.breaker_window, config.payment.breaker_cool_down};
  return worker(on.directory, payments_name, [=](caf::actor_system& system) {
    return adapters::payment::spawn_payment_client(system, options);
  });
}

// A region per kind, registered under its stream type.
supervisor_spec entities(const config::node_config& config, const node_services& on) {
  auto spec = group("entities", restart_strategy::one_for_one);
  actors::entity_kinds_options options;
  options.passivate_after = config.entities.passivate_after;
  options.snapshot_every = config.entities.snapshot_every;
  options.cart_reservation_ttl = config.cart_reservation_ttl;
  options.checkout_resume_after = config.checkout_resume_after;
  options.checkout_give_up_after = config.checkout_give_up_after;
  actors::entity_services services;
  services.writer = on.writer();
  services.readers = on.readers();
  services.dead_letters = on.dead_letters();
  services.peers = on.regions();
  if (on.clustered) services.shards = on.shards;  // a single node serves everything, unasked
  services.peers_by_node = on.peers;
  services.node_id = on.node_id;
  services.payments = on.payments();
  services.payment_tokens = on.payment_tokens();
  for (const auto& kind : actors::kind_modules())
    spec.children.push_back(worker(on.directory, std::string(kind.stream_type), [=](caf::actor_system& system) {
      return kind.spawn_region(system, services, options);
    }));
  return spec;
}

// The journal subscription `options.name` feeding the actor registered as `handler` (its
// sibling, started just before it), registered as "<handler>_feed".
child_spec feed(const node_services& on, const std::string& handler, actors::subscription_options options) {
  return worker(on.directory, feed_name(handler), [=](caf::actor_system& system) {
    actors::subscription_services services;
    services.reader = on.readers().back();
    services.writer = on.writer();
    services.handler = on.directory->get<caf::actor>(handler);
    services.dead_letters = on.dead_letters();
    return actors::spawn_subscription(system, std::move(services), options);
  });
}

// A kind's read model ("<stream type>_view") and the subscription feeding it, which keeps no
// checkpoint (the model is rebuilt from the journal at every start).
void add_read_model(supervisor_spec& spec, const node_services& on, const actors::kind_module& kind) {
  const auto view = on.views().name_of(kind.stream_type);
  spec.children.push_back(worker(on.directory, view, [spawn_view = kind.spawn_view](caf::actor_system& system) {
    return spawn_view(system);
  }));
  actors::subscription_options options;
  options.name = view;
  options.keep_checkpoint = false;
  options.poll_interval = std::chrono::milliseconds(20);
  spec.children.push_back(feed(on, view, options));
}

// In-memory read models rebuilt from the journal at start; a view and its subscription restart
// together, since the subscription holds the view and a new view needs the journal again.
supervisor_spec read_models(const node_services& on) {
  auto spec = group("read_models", restart_strategy::one_for_all);
  for (const auto& kind : actors::kind_modules())
    if (kind.spawn_view) add_read_model(spec, on, kind);
  return spec;
}

// The order event handlers behind their subscription, which keeps a checkpoint (their effects
// are durable), the alerts' notifier likewise, and the relay that sends the notifications they
// leave in the outbox. Each one depends on the one before it, so one restart takes the later
// ones along.
supervisor_spec event_handlers(const config::node_config& config, const node_services& on) {
  auto spec = group("event_handlers", restart_strategy::rest_for_one);
  const auto conninfo = config.postgres.conninfo();
  spec.children.push_back(worker(on.directory, order_effects_name, [=](caf::actor_system& system) {
    return adapters::postgres::spawn_order_effects_store(system, conninfo);
  }));
  spec.children.push_back(worker(on.directory, order_handlers_name, [=](caf::actor_system& system) {
    auto store = on.directory->get<protocols::order_effects_store_actor>(order_effects_name);
    return actors::spawn_order_handlers(system, on.readers().front(), store, 30s);
  }));
  actors::subscription_options feed_options;
  feed_options.name = order_handlers_name;
  feed_options.active = on.singleton();
  spec.children.push_back(feed(on, order_handlers_name, feed_options));
  if (!config.alerts_notify.empty()) {
    spec.children.push_back(worker(on.directory, alert_notifier_name, [on, to = config.alerts_notify](caf::actor_system& system) {
      auto outbox = on.directory->get<protocols::order_effects_store_actor>(order_effects_name);
      return actors::spawn_alert_notifier(system, outbox, to, 30s);
    }));
    feed_options.name = alert_notifier_name;
    feed_options.start_at_head = true;  // a merchant is told of alerts from now on, not of every past one
    spec.children.push_back(feed(on, alert_notifier_name, feed_options));
  }
  adapters::messaging::outbox_relay_options relay_options;
  const auto provider = adapters::http::parse_http_url(config.messaging.url);
  if (!provider) throw std::invalid_argument("messaging.url is not an http://host:port URL: " + config.messaging.url);
  relay_options.provider = *provider;
  relay_options.attempt_timeout = config.messaging.attempt_timeout;
  relay_options.poll_interval = config.messaging.poll_interval;
  relay_options.active = on.singleton();
  spec.children.push_back(worker(on.directory, "outbox_relay", [=](caf::actor_system& system) {
    return adapters::messaging::spawn_outbox_relay(system, conninfo, relay_options);
  }));
  return spec;
}

// A handler `name` that drives entities from the journal (its steps are idempotent, so a
// batch delivered again does no harm), behind a subscription that keeps a checkpoint; once
// per cluster.
void add_driver(supervisor_spec& spec, const node_services& on, const std::string& name,
                std::function<caf::actor(caf::actor_system&)> spawn, std::size_t batch = 256) {
  spec.children.push_back(worker(on.directory, name, std::move(spawn)));
  actors::subscription_options feed_options;
  feed_options.name = name;
  feed_options.batch = batch;
  feed_options.active = on.singleton();
  feed_options.poll_interval = std::chrono::milliseconds(50);
  spec.children.push_back(feed(on, name, feed_options));
}

// The store platform's webhooks applied to their products, pricing jobs run batch by batch,
// campaigns fired and rolled back, and (with a store platform configured) prices pushed to it.
supervisor_spec pricing(const config::node_config& config, const node_services& on) {
  auto spec = group("pricing", restart_strategy::one_for_one);
  if (!config.store.url.empty()) {
    adapters::store::store_client_options store;
    const auto platform = adapters::http::parse_http_url(config.store.url);
    if (!platform) throw std::invalid_argument("store.url is not an http://host:port URL: " + config.store.url);
    store.platform = *platform;
    store.access_token = config.store.access_token;
    store.attempt_timeout = config.store.attempt_timeout;
    spec.children.push_back(worker(on.directory, store_client_name, [=](caf::actor_system& system) {
      return adapters::store::spawn_store_client(system, store);
    }));
    actors::price_sync_options sync;
    sync.give_up_after = config.pricing.sync_give_up_after;
    // Small deliveries: at the platform's 2 calls a second, 16 prices are sent well within a
    // delivery's patience.
    add_driver(spec, on, price_sync_name, [=](caf::actor_system& system) {
      return actors::spawn_price_sync(system, on.regions(), on.named<protocols::store_platform_actor>(store_client_name), sync);
    }, 16);
    actors::reconciliation_options sweeps;
    sweeps.interval = config.pricing.reconcile_interval;
    sweeps.active = on.singleton();
    add_driver(spec, on, reconciliation_driver_name, [=](caf::actor_system& system) {
      return actors::spawn_reconciliation_driver(system, on.regions(), on.views(),
                                                 on.named<protocols::store_platform_actor>(store_client_name), sweeps);
    });
  }
  add_driver(spec, on, webhook_processor_name, [=](caf::actor_system& system) {
    return actors::spawn_webhook_processor(system, on.regions(), 10s);
  });
  add_driver(spec, on, pricing_job_runner_name, [=](caf::actor_system& system) {
    return actors::spawn_pricing_job_runner(system, on.regions(), 10s);
  });
  add_driver(spec, on, campaign_driver_name, [=](caf::actor_system& system) {
    return actors::spawn_campaign_driver(system, on.regions(), on.views(),
                                         on.named<caf::actor>(feed_name(on.views().name_of("campaign"))),
                                         on.readers().front(), 10s);
  });
  return spec;
}

// The customer data platform's own source: carts, checkouts and paid orders as customer events.
supervisor_spec customers(const config::node_config& config, const node_services& on) {
  auto spec = group("customers", restart_strategy::one_for_one);
  const auto rules = identity_rules_of(config);
  add_driver(spec, on, commerce_feed_name, [=](caf::actor_system& system) {
    return actors::spawn_commerce_feed(system, on.regions(), rules, 5s);
  });
  return spec;
}

adapters::redis::redis_options redis_of(const config::node_config& config) {
  return {config.redis.host, config.redis.port, config.redis.connect_timeout, config.redis.command_timeout};
}

// The journal published to Redis Streams: the publisher and its subscription, whose checkpoint
// says how far publishing has got. Only with Redis configured.
supervisor_spec streams(const config::node_config& config, const node_services& on) {
  auto spec = group("streams", restart_strategy::rest_for_one);
  adapters::redis::stream_publisher_options options;
  options.redis = redis_of(config);
  options.stream_maxlen = config.redis.stream_maxlen;
  options.routes = actors::customer_stream_routes();
  spec.children.push_back(worker(on.directory, streams_name, [=](caf::actor_system& system) {
    return adapters::redis::spawn_stream_publisher(system, options);
  }));
  actors::subscription_options feed_options;
  feed_options.name = streams_name;
  feed_options.active = on.singleton();
  feed_options.poll_interval = std::chrono::milliseconds(50);
  // Large batches, each a read and one script run by Redis; the checkpoint at most once
  // a second (after a crash Redis refuses what it already holds, as done).
  feed_options.batch = 2048;
  feed_options.checkpoint_every = std::chrono::seconds(1);
  // While Redis is away the batch is tried again, from 200 ms up to 32 × that apart.
  feed_options.retry_after = std::chrono::milliseconds(200);
  spec.children.push_back(feed(on, streams_name, feed_options));
  return spec;
}

// Product search and the subscription that keeps its index (a table: the checkpoint is kept).
supervisor_spec search(const config::node_config& config, const node_services& on) {
  auto spec = group("search", restart_strategy::rest_for_one);
  adapters::search::product_search_options options;
  options.conninfo = config.postgres.conninfo();
  if (!config.redis.host.empty()) options.redis = redis_of(config);
  options.cache_ttl = std::chrono::duration_cast<std::chrono::seconds>(config.search_cache_ttl);
  spec.children.push_back(worker(on.directory, search_name, [=](caf::actor_system& system) {
    return adapters::search::spawn_product_search(system, options);
  }));
  actors::subscription_options feed_options;
  feed_options.name = search_name;
  feed_options.active = on.singleton();
  feed_options.poll_interval = std::chrono::milliseconds(50);
  spec.children.push_back(feed(on, search_name, feed_options));
  return spec;
}

actors::live_options live_options_of(const config::node_config& config) {
  actors::live_options options;
  options.max_streams = config.live.max_streams;
  options.heartbeat = config.live.heartbeat;
  options.max_buffered = config.live.max_buffered;
  options.poll_interval = config.live.poll_interval;
  return options;
}

// The hub of server-sent events (actors/live_events.hpp); each stream is an actor of its own,
// spawned by the gateway, that stops when the hub does (its client then resumes).
child_spec live_hub(const config::node_config& config, const node_services& on) {
  return worker(on.directory, live_hub_name, [=](caf::actor_system& system) {
    return actors::spawn_live_hub(system, on.readers().front(), config.live.poll_interval);
  });
}

child_spec gateway(const config::node_config& config, std::string version, const node_services& on) {
  actors::gateway_options options;
  options.version = std::move(version);
  options.admin_token = config.admin_token;
  options.operator_tokens = config.operator_tokens;
  if (!config.http.address.empty() && config.http.address != "0.0.0.0" && config.http.address != "::")
    options.allowed_hosts.push_back(config.http.address);
  options.allowed_hosts.insert(options.allowed_hosts.end(), config.http.allowed_hosts.begin(),
                               config.http.allowed_hosts.end());
  options.webhook_secret = config.webhooks_secret;
  options.store_platform = !config.store.url.empty();
  options.ingest.rules = identity_rules_of(config);
  options.ingest.default_currency = config.cdp.default_currency;
  options.ingest.token = config.cdp.ingest_token;
  options.cart_reservation_ttl = config.cart_reservation_ttl;
  options.live = live_options_of(config);
  options.node_id = config.cluster.node_id;
  actors::gateway_services services;
  services.shards = on.shards;
  services.regions = on.regions();
  services.readers = on.readers();
  services.dead_letters = on.dead_letters();
  services.idempotency = on.named<protocols::idempotency_store_actor>(idempotency_name);
  services.views = on.views();
  services.payments = on.payments();
  services.payment_tokens = on.payment_tokens();
  for (const auto& kind : actors::kind_modules()) {
    if (!kind.spawn_view) continue;
    const auto view = on.views().name_of(kind.stream_type);
    services.subscriptions[view] = on.named<caf::actor>(feed_name(view));
    services.read_model_feeds.push_back(on.named<caf::actor>(feed_name(view)));  // /readyz waits for these
  }
  services.subscriptions[order_handlers_name] = on.named<caf::actor>(feed_name(order_handlers_name));
  if (!config.alerts_notify.empty())
    services.subscriptions[alert_notifier_name] = on.named<caf::actor>(feed_name(alert_notifier_name));
  services.subscriptions[webhook_processor_name] = on.named<caf::actor>(feed_name(webhook_processor_name));
  services.subscriptions[pricing_job_runner_name] = on.named<caf::actor>(feed_name(pricing_job_runner_name));
  services.subscriptions[campaign_driver_name] = on.named<caf::actor>(feed_name(campaign_driver_name));
  if (!config.store.url.empty())
    for (const auto* name : {price_sync_name, reconciliation_driver_name})
      services.subscriptions[name] = on.named<caf::actor>(feed_name(name));
  services.subscriptions[search_name] = on.named<caf::actor>(feed_name(search_name));
  services.search = on.named<protocols::product_search_actor>(search_name);
  if (!config.redis.host.empty()) {
    services.subscriptions[streams_name] = on.named<caf::actor>(feed_name(streams_name));
    services.redis = on.named<protocols::stream_publisher_actor>(streams_name);
  }
  services.supervision_root = on.named<caf::actor>(root_name);
  if (config.cluster.enabled) services.membership = on.named<caf::actor>(membership_name);
  services.live = {on.readers().back(), on.named<caf::actor>(live_hub_name)};
  return worker(on.directory, gateway_name, [=](caf::actor_system& system) {
    return actors::spawn_gateway(system, options, services);
  });
}

}  // namespace

adapters::postgres::cluster_membership_options membership_of(const config::node_config& config) {
  adapters::postgres::cluster_membership_options options;
  options.node_id = config.cluster.node_id;
  options.address = config.cluster.address + ":" + std::to_string(config.cluster.port);
  options.http = config.http.address + ":" + std::to_string(config.http.port);
  options.shards = config.cluster.shards;
  options.lease = config.cluster.lease;
  return options;
}

caf::actor spawn_node_tree(caf::actor_system& system, const config::node_config& config, std::string version,
                           std::shared_ptr<actors::service_directory> directory,
                           std::shared_ptr<protocols::shard_table> shards,
                           std::shared_ptr<const protocols::cluster_peers> peers) {
  const node_services on{directory, config.journal.readers, std::move(shards), std::move(peers), config.cluster.node_id,
                         config.cluster.enabled};
  // Every child finds what it uses by name, so each restarts alone: a failed journal writer
  // or region is replaced without touching the rest of the tree.
  supervisor_spec root;
  root.name = root_name;
  root.strategy = restart_strategy::one_for_one;
  root.max_restarts = 3;
  root.within = 60s;
  root.backoff = {500ms, 10s, 2.0, 0.2, 60s};
  root.children.push_back(supervisor_child(storage(config, on)));
  root.children.push_back(payments(config, on));
  root.children.push_back(supervisor_child(entities(config, on)));
  root.children.push_back(supervisor_child(read_models(on)));
  if (config.cluster.enabled)
    root.children.push_back(worker(directory, membership_name, [=](caf::actor_system& system) {
      auto options = membership_of(config);
      options.on_drained = [] { ::kill(::getpid(), SIGTERM); };  // a planned leave ends in a stop
      return adapters::postgres::spawn_cluster_membership(system, config.postgres.conninfo(), std::move(options),
                                                          on.shards);
    }));
  actors::timer_service_options timer_options;
  timer_options.poll_interval = config.timer_poll_interval;
  if (config.cluster.enabled)
    timer_options.serves = [shards = on.shards](const std::string& type, const std::string& id) {
      return shards->serves(type, id);
    };
  root.children.push_back(worker(directory, "timer_service", [=](caf::actor_system& system) {
    return actors::spawn_timer_service(system, on.readers().front(), on.writer(), on.regions(), timer_options);
  }));
  root.children.push_back(live_hub(config, on));
  root.children.push_back(gateway(config, std::move(version), on));
  root.children.push_back(supervisor_child(event_handlers(config, on)));
  root.children.push_back(supervisor_child(pricing(config, on)));
  root.children.push_back(supervisor_child(customers(config, on)));
  root.children.push_back(supervisor_child(search(config, on)));
  if (!config.redis.host.empty()) root.children.push_back(supervisor_child(streams(config, on)));
  auto tree = supervision::spawn_supervisor(system, std::move(root));
  directory->put(root_name, tree);
  return tree;
}

}  // namespace commerce::node
