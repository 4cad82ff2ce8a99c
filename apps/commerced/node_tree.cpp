#include "apps/commerced/node_tree.hpp"

#include "actors/gateway.hpp"
#include "actors/kinds/order/order_handlers.hpp"
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
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>

namespace commerce::node {
namespace {

using namespace std::chrono_literals;
using supervision::child_spec;
using supervision::child_type;
using supervision::restart_strategy;
using supervision::supervisor_spec;

// A permanent worker; its start function records the handle in the directory.
template <class Start>
child_spec worker(std::string id, Start start) {
  return {std::move(id), std::move(start), supervision::restart_type::permanent, 5'000ms, child_type::worker};
}

child_spec supervisor_child(supervisor_spec spec) {
  auto id = spec.name;
  return {std::move(id), [spec](caf::actor_system& system) { return supervision::spawn_supervisor(system, spec); },
          supervision::restart_type::permanent, 10'000ms, child_type::supervisor};
}

// A group whose members others depend on: any failure in it restarts it and its dependents,
// which the root does.
supervisor_spec escalating_group(std::string name, restart_strategy strategy) {
  supervisor_spec spec;
  spec.name = std::move(name);
  spec.strategy = strategy;
  spec.max_restarts = 0;
  return spec;
}

supervisor_spec storage(const config::node_config& config, const std::shared_ptr<node_directory>& directory) {
  auto spec = escalating_group("storage", restart_strategy::one_for_all);
  const auto conninfo = config.postgres.conninfo();
  adapters::journal_writer_options writer_options;
  writer_options.max_batch = config.journal.max_batch;
  writer_options.max_delay = config.journal.max_delay;
  spec.children.push_back(worker("journal_writer", [=](caf::actor_system& system) {
    auto writer = adapters::spawn_journal_writer(system, std::make_shared<adapters::postgres_journal>(conninfo),
                                                 writer_options);
    directory->with([&](node_directory::handles& h) { h.writer = writer; });
    return writer;
  }));
  for (std::size_t i = 0; i < config.journal.readers; ++i) {
    spec.children.push_back(worker("journal_reader_" + std::to_string(i + 1), [=](caf::actor_system& system) {
      auto reader = adapters::spawn_journal_reader(system, std::make_shared<adapters::postgres_journal>(conninfo));
      directory->with([&](node_directory::handles& h) {
        h.readers.resize(config.journal.readers);
        h.readers[i] = reader;
      });
      return reader;
    }));
  }
  spec.children.push_back(worker("dead_letters", [=](caf::actor_system& system) {
    auto office = adapters::postgres::spawn_dead_letter_office(system, conninfo);
    directory->with([&](node_directory::handles& h) { h.dead_letters = office; });
    return office;
  }));
  adapters::postgres::idempotency_options idempotency_options;
  idempotency_options.retention = config.idempotency_retention;
  spec.children.push_back(worker("idempotency_keys", [=](caf::actor_system& system) {
    auto store = adapters::postgres::spawn_idempotency_store(system, conninfo, idempotency_options);
    directory->with([&](node_directory::handles& h) { h.idempotency = store; });
    return store;
  }));
  // Its commits do not wait for the disk: a PostgreSQL crash may lose the last fraction of a
  // second of tokens, and a checkout that then finds none fails before charging
  // (payment_token_expired) — never a double charge — while every checkout saves two fsyncs.
  const auto vault_conninfo = config.postgres.conninfo("synchronous_commit=off");
  spec.children.push_back(worker("payment_tokens", [=](caf::actor_system& system) {
    auto vault = adapters::postgres::spawn_payment_token_vault(system, vault_conninfo, {});
    directory->with([&](node_directory::handles& h) { h.payment_tokens = vault; });
    return vault;
  }));
  return spec;
}

// The payment client: its breaker and retries live as long as it does.
child_spec payments(const config::node_config& config, const std::shared_ptr<node_directory>& directory) {
  adapters::payment::payment_client_options options;
  const auto provider = adapters::http::parse_http_url(config.payment.url);
  if (!provider) throw std::invalid_argument("payment.url is not an http://host:port URL: " + config.payment.url);
  options.provider = *provider;
  options.attempt_timeout = config.payment.attempt_timeout;
  options.retry.max_attempts = config.payment.max_attempts;
  options.retry.backoff.min = config.payment.retry_backoff;
  options.breaker = {config.payment.breaker_failures, config.payment.breaker_window, config.payment.breaker_cool_down};
  return worker("payments", [=](caf::actor_system& system) {
    auto client = adapters::payment::spawn_payment_client(system, options);
    directory->with([&](node_directory::handles& h) { h.payments = client; });
    return client;
  });
}

supervisor_spec entities(const config::node_config& config, const std::shared_ptr<node_directory>& directory) {
  auto spec = escalating_group("entities", restart_strategy::one_for_one);
  actors::entity_kinds_options options;
  options.passivate_after = config.entities.passivate_after;
  options.snapshot_every = config.entities.snapshot_every;
  options.cart_reservation_ttl = config.cart_reservation_ttl;
  options.checkout_resume_after = config.checkout_resume_after;
  options.checkout_give_up_after = config.checkout_give_up_after;
  for (const auto& kind : actors::kind_modules()) {
    spec.children.push_back(worker(std::string(kind.stream_type), [=](caf::actor_system& system) {
      return directory->with([&](node_directory::handles& h) {
        actors::entity_services services;
        services.writer = h.writer;
        services.readers = h.readers;
        services.dead_letters = h.dead_letters;
        services.peers = h.regions;
        services.payments = h.payments;
        services.payment_tokens = h.payment_tokens;
        auto region = kind.spawn_region(system, std::move(services), options);
        h.regions.set(kind.stream_type, region);
        return region;
      });
    }));
  }
  return spec;
}

// The name of a kind's read model, and of the subscription feeding it.
std::string view_name(const actors::kind_module& kind) { return std::string(kind.stream_type) + "_view"; }

// A kind's read model and the subscription feeding it, which keeps no checkpoint (the model is
// rebuilt from the journal at every start).
void add_read_model(supervisor_spec& spec, const std::shared_ptr<node_directory>& directory,
                    const actors::kind_module& kind) {
  const auto name = view_name(kind);
  const auto stream_type = kind.stream_type;
  spec.children.push_back(worker(name, [=, spawn_view = kind.spawn_view](caf::actor_system& system) {
    auto view = spawn_view(system);
    directory->with([&](node_directory::handles& h) { h.views.set(stream_type, view); });
    return view;
  }));
  spec.children.push_back(worker(name + "_feed", [=](caf::actor_system& system) {
    return directory->with([&](node_directory::handles& h) {
      actors::subscription_options options;
      options.name = name;
      options.keep_checkpoint = false;
      options.poll_interval = std::chrono::milliseconds(20);
      auto feed = actors::spawn_subscription(system, h.readers.back(), h.writer, h.views.of(stream_type),
                                             h.dead_letters, options);
      h.subscriptions[options.name] = feed;
      return feed;
    });
  }));
}

// In-memory read models rebuilt from the journal at start; a view and its subscription restart
// together, since the subscription holds the view and a new view needs the journal again.
supervisor_spec read_models(const std::shared_ptr<node_directory>& directory) {
  auto spec = escalating_group("read_models", restart_strategy::one_for_all);
  for (const auto& kind : actors::kind_modules())
    if (kind.spawn_view) add_read_model(spec, directory, kind);
  return spec;
}

// The order event handlers behind their subscription, which keeps a checkpoint (their effects
// are durable), and the relay that sends the notifications they leave in the outbox. Each one
// depends on the one before it, so one restart takes the later ones along.
supervisor_spec event_handlers(const config::node_config& config, const std::shared_ptr<node_directory>& directory) {
  supervisor_spec spec;
  spec.name = "event_handlers";
  spec.strategy = restart_strategy::rest_for_one;
  spec.max_restarts = 5;
  spec.within = 60s;
  const auto conninfo = config.postgres.conninfo();
  auto store = std::make_shared<caf::actor>();
  auto handlers = std::make_shared<caf::actor>();
  spec.children.push_back(worker("order_effects_store", [=](caf::actor_system& system) {
    return *store = adapters::postgres::spawn_order_effects_store(system, conninfo);
  }));
  spec.children.push_back(worker("order_handlers", [=](caf::actor_system& system) {
    return *handlers = directory->with([&](node_directory::handles& h) {
      return actors::spawn_order_handlers(system, h.readers.front(), *store, 30s);
    });
  }));
  spec.children.push_back(worker("order_handlers_feed", [=](caf::actor_system& system) {
    return directory->with([&](node_directory::handles& h) {
      actors::subscription_options options;
      options.name = "order_handlers";
      auto feed = actors::spawn_subscription(system, h.readers.back(), h.writer, *handlers, h.dead_letters, options);
      h.subscriptions[options.name] = feed;
      return feed;
    });
  }));
  adapters::messaging::outbox_relay_options relay_options;
  const auto provider = adapters::http::parse_http_url(config.messaging.url);
  if (!provider) throw std::invalid_argument("messaging.url is not an http://host:port URL: " + config.messaging.url);
  relay_options.provider = *provider;
  relay_options.attempt_timeout = config.messaging.attempt_timeout;
  relay_options.poll_interval = config.messaging.poll_interval;
  spec.children.push_back(worker("outbox_relay", [=](caf::actor_system& system) {
    return adapters::messaging::spawn_outbox_relay(system, conninfo, relay_options);
  }));
  return spec;
}

}  // namespace

caf::actor spawn_node_tree(caf::actor_system& system, const config::node_config& config, std::string version,
                           std::shared_ptr<node_directory> directory) {
  supervisor_spec root;
  root.name = "commerced";
  root.strategy = restart_strategy::rest_for_one;
  root.max_restarts = 3;
  root.within = 60s;
  root.backoff = {500ms, 10s, 2.0, 0.2, 60s};
  root.children.push_back(supervisor_child(storage(config, directory)));
  root.children.push_back(payments(config, directory));
  root.children.push_back(supervisor_child(entities(config, directory)));
  root.children.push_back(supervisor_child(read_models(directory)));
  actors::timer_service_options timer_options;
  timer_options.poll_interval = config.timer_poll_interval;
  root.children.push_back(worker("timer_service", [=](caf::actor_system& system) {
    return directory->with([&](node_directory::handles& h) {
      return actors::spawn_timer_service(system, h.readers.front(), h.writer, h.regions, timer_options);
    });
  }));
  actors::gateway_options gateway_options;
  gateway_options.version = std::move(version);
  gateway_options.admin_token = config.admin_token;
  gateway_options.cart_reservation_ttl = config.cart_reservation_ttl;
  root.children.push_back(worker("gateway", [=](caf::actor_system& system) {
    auto gateway = directory->with([&](node_directory::handles& h) {
      actors::gateway_services services;
      services.regions = h.regions;
      services.readers = h.readers;
      services.dead_letters = h.dead_letters;
      services.idempotency = h.idempotency;
      services.views = h.views;
      services.payments = h.payments;
      services.payment_tokens = h.payment_tokens;
      services.subscriptions = h.subscriptions;
      // /readyz waits for these to catch up.
      for (const auto& kind : actors::kind_modules())
        if (kind.spawn_view) services.read_model_feeds.push_back(h.subscriptions.at(view_name(kind)));
      services.supervision_root = [directory] { return directory->root(); };
      h.gateway = actors::spawn_gateway(system, gateway_options, std::move(services));
      return h.gateway;
    });
    // Once it stops, the HTTP server answers 503 until the next one is up.
    gateway->attach_functor([directory, stopped = gateway.address()] {
      directory->with([&](node_directory::handles& h) {
        if (h.gateway.address() == stopped) h.gateway = nullptr;
      });
    });
    return gateway;
  }));
  root.children.push_back(supervisor_child(event_handlers(config, directory)));
  auto tree = supervision::spawn_supervisor(system, std::move(root));
  directory->with([&](node_directory::handles& h) { h.root = tree; });
  return tree;
}

}  // namespace commerce::node
