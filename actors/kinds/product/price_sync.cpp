#include "actors/kinds/product/price_sync.hpp"

#include "actors/entity_client.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/alert.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "protocols/subscription.hpp"
#include "actors/store_calls.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <random>

namespace commerce::actors::detail {

// A price to push: the product event that set it.
struct price_to_sync {
  std::string sku;
  domain::money price;
  std::int64_t version = 0;
  std::int64_t position = 0;
};

// One delivery being worked through, change by change, until its deadline.
struct sync_run {
  std::vector<price_to_sync> changes;
  std::size_t next = 0;
  caf::response_promise promise;
  std::chrono::steady_clock::time_point deadline;
};
using sync_run_ptr = std::shared_ptr<sync_run>;

}  // namespace commerce::actors::detail

// The sync's message to itself after a wait: it never leaves the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::detail::sync_run_ptr)

namespace commerce::actors {
namespace {

using namespace domain;
using detail::price_to_sync;
using detail::sync_run_ptr;
using protocols::store_status;
using send_atom = caf::atom_constant<caf::atom("send")>;

// A change the platform has not answered for: since when, and how many times so far.
struct failing {
  std::chrono::steady_clock::time_point since;
  int attempts = 0;
};

struct sync_state {
  entity_regions regions;
  service<protocols::store_platform_actor> store;
  price_sync_options options;
  std::map<std::string, money> last_sent;    // by SKU: confirmed by the platform, since this start
  std::map<std::int64_t, failing> failures;  // by event position
  sync_run_ptr current;                      // the delivery being worked on; an older one stops
  std::mt19937_64 random{std::random_device{}()};
  metrics::counter* sent = nullptr;
  metrics::counter* superseded = nullptr;
  metrics::counter* throttled = nullptr;
  static inline const char* name = "price_sync";
};
using sync_actor = caf::stateful_actor<sync_state>;

std::vector<price_to_sync> prices_in(const std::vector<protocols::stored_event>& events) {
  std::vector<price_to_sync> out;
  for (const auto& e : events) {
    if (e.stream_type != inventory_decider::stream_type) continue;
    const auto event = decode_event<inventory_event>(e.event_type, e.schema_version, boost::json::parse(e.data));
    std::optional<money> price;
    if (const auto* created = std::get_if<product_created>(&event)) price = created->price;
    else if (const auto* updated = std::get_if<product_updated>(&event)) price = updated->price;
    else if (const auto* changed = std::get_if<price_changed>(&event)) price = changed->new_price;
    if (price) out.push_back({e.stream_id, *price, e.version, e.position});
  }
  return out;
}

void step(sync_actor* self, const sync_run_ptr& run);

void finish(const sync_run_ptr& run, caf::error failure = {}) {
  if (failure) run->promise.deliver(std::move(failure));
  else run->promise.deliver(caf::unit);
}

caf::error transient(const std::string& why) { return caf::make_error(caf::sec::runtime_error, "price sync: " + why); }

bool gave_up_on(const sync_state& st, std::int64_t position) {
  const auto it = st.failures.find(position);
  return it != st.failures.end() && std::chrono::steady_clock::now() - it->second.since >= st.options.give_up_after;
}

void done_with_change(sync_actor* self, const sync_run_ptr& run) {
  ++run->next;
  step(self, run);
}

// Waits `wait` and sends the change again, or, past the delivery's deadline, lets the whole
// delivery come again later.
void send_again_after(sync_actor* self, const sync_run_ptr& run, std::chrono::milliseconds wait, const std::string& why) {
  if (const auto w = store_calls::wait_before(run->deadline, wait)) return self->delayed_send(self, *w, send_atom::value, run);
  finish(run, transient("waiting: " + why));
}

// The change failed for good: parked (by the subscription) with an alert raised first. In a
// delivery of several, the subscription splits it and delivers this change alone, which then
// gives up at once (its failure is kept) and raises the alert.
void give_up(sync_actor* self, const sync_run_ptr& run, const std::string& why) {
  const auto& c = run->changes[run->next];
  const auto failure = protocols::permanent_failure("price " + c.sku + " v" + std::to_string(c.version) + ": " + why);
  if (run->changes.size() > 1) return finish(run, failure);
  const entity_client<alert_decider> alerts{self, self->state.regions, self->state.options.timeout};
  const auto id = "price-sync-" + c.sku + "-v" + std::to_string(c.version);
  const protocols::command_metadata meta{"", "price_sync/" + id, "price_sync/" + id};
  alerts.command(
      id,
      raise_alert{"price_sync_failed", "product/" + c.sku,
                  "the store platform has not confirmed the price " + std::to_string(c.price.amount) + " " +
                      c.price.currency + " of " + c.sku + " (" + why +
                      "), so it may or may not show it; the change is in the dead-letter office, where retrying sends "
                      "it again"},
      meta, std::nullopt,
      [self, run, failure, position = c.position](protocols::entity_reply<alert_decider>& reply) {
        if (reply.status != protocols::entity_status::accepted)
          return finish(run, caf::make_error(caf::sec::runtime_error, "price sync alert not raised"));
        self->state.failures.erase(position);  // a retry from the dead-letter office starts afresh
        finish(run, failure);
      },
      [run](caf::error&) { finish(run, caf::make_error(caf::sec::runtime_error, "price sync alert unanswered")); });
}

void answered(sync_actor* self, const sync_run_ptr& run, const protocols::store_answer& answer) {
  auto& st = self->state;
  if (run != st.current) return finish(run, transient("a newer delivery took over"));
  const auto& c = run->changes[run->next];
  switch (answer.status) {
    case store_status::ok:
      st.last_sent[c.sku] = c.price;
      st.failures.erase(c.position);
      st.sent->add();
      return done_with_change(self, run);
    case store_status::throttled:  // refused before it was applied: nothing else to forget
      st.throttled->add();
      return send_again_after(self, run, std::chrono::milliseconds(answer.retry_after_ms), answer.detail);
    case store_status::unavailable: {
      // It may have been applied: whatever was confirmed last is no longer known to be shown.
      st.last_sent.erase(c.sku);
      auto& f = st.failures.try_emplace(c.position, failing{std::chrono::steady_clock::now(), 0}).first->second;
      ++f.attempts;
      if (gave_up_on(st, c.position))
        return give_up(self, run, answer.detail + " (" + std::to_string(f.attempts) + " attempts)");
      const auto wait = supervision::backoff_delay(store_calls::backoff, f.attempts - 1,
                                                   std::uniform_real_distribution<double>(0, 1)(st.random));
      return send_again_after(self, run, wait, answer.detail);
    }
    case store_status::refused:
      return give_up(self, run, answer.detail);
  }
}

void send(sync_actor* self, const sync_run_ptr& run) {
  const auto& c = run->changes[run->next];
  self->request(self->state.store.get(), self->state.options.timeout, protocols::set_price_atom::value,
                protocols::price_update{c.sku, c.price.amount, c.price.currency})
      .then([self, run](const protocols::store_answer& answer) { answered(self, run, answer); },
            [self, run](caf::error& e) {
              answered(self, run, {store_status::unavailable, 0, "the store client: " + self->system().render(e)});
            });
}

void step(sync_actor* self, const sync_run_ptr& run) {
  auto& st = self->state;
  if (run->next == run->changes.size()) return finish(run);
  if (run != st.current) return finish(run, transient("a newer delivery took over"));
  if (std::chrono::steady_clock::now() >= run->deadline) return finish(run, transient("out of time for this delivery"));
  const auto& c = run->changes[run->next];
  if (const auto it = st.last_sent.find(c.sku); it != st.last_sent.end() && it->second == c.price)
    return done_with_change(self, run);
  // Its time was spent in a delivery of several: now delivered alone, to be parked.
  if (gave_up_on(st, c.position))
    return give_up(self, run, "no answer for " + std::to_string(st.failures.at(c.position).attempts) + " attempts");
  const entity_client<inventory_decider> products{self, st.regions, st.options.timeout};
  products.read(
      c.sku,
      [self, run](protocols::entity_reply<inventory_decider>& reply) {
        const auto& change = run->changes[run->next];
        if (reply.status != protocols::entity_status::accepted)
          return finish(run, caf::make_error(caf::sec::runtime_error, "product " + change.sku + " not read"));
        if (!reply.state.exists || reply.state.price != change.price) {
          self->state.superseded->add();
          return done_with_change(self, run);
        }
        send(self, run);
      },
      [run](caf::error&) {
        finish(run, caf::make_error(caf::sec::runtime_error, "product " + run->changes[run->next].sku + " unanswered"));
      });
}

caf::behavior price_sync(sync_actor* self, entity_regions regions, service<protocols::store_platform_actor> store,
                         price_sync_options options) {
  auto& st = self->state;
  st.regions = std::move(regions);
  st.store = std::move(store);
  st.options = options;
  auto& registry = metrics::registry::global();
  const char* help = "Prices pushed to the store platform by outcome";
  st.sent = &registry.get_counter("commerce_price_sync_total", help, {{"outcome", "sent"}});
  st.superseded = &registry.get_counter("commerce_price_sync_total", help, {{"outcome", "superseded"}});
  st.throttled = &registry.get_counter("commerce_price_sync_throttled_total",
                                       "429 answers of the store platform to the price sync, each waited out");
  return {
      [self](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
        auto run = std::make_shared<detail::sync_run>();
        run->deadline = std::chrono::steady_clock::now() + self->state.options.patience;
        try {
          run->changes = prices_in(events);
        } catch (const std::exception& e) {
          return protocols::permanent_failure(std::string("unreadable product event: ") + e.what());
        }
        if (run->changes.empty()) return caf::unit;
        run->promise = self->make_response_promise();
        self->state.current = run;
        step(self, run);
        return run->promise;
      },
      [self](send_atom, const sync_run_ptr& run) { send(self, run); },
  };
}

}  // namespace

caf::actor spawn_price_sync(caf::actor_system& system, entity_regions regions,
                            service<protocols::store_platform_actor> store, price_sync_options options) {
  return system.spawn(price_sync, std::move(regions), std::move(store), options);
}

}  // namespace commerce::actors
