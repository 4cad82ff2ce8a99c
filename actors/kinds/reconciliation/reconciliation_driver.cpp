#include "actors/kinds/reconciliation/reconciliation_driver.hpp"

#include "actors/entity_client.hpp"
#include "actors/kinds/kind_module.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/inventory.hpp"
#include "domain/reconciliation.hpp"
#include "domain/webhook.hpp"
#include "protocols/read_model.hpp"
#include "protocols/subscription.hpp"
#include "actors/store_calls.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <random>
#include <set>

namespace commerce::actors::detail {

// One page of one sweep in progress.
struct sweep_step {
  domain::reconciliation_state sweep;
  std::set<std::string> skus;  // the page's, from the catalog's read model
  std::vector<domain::sweep_difference> differences;
  int unavailable = 0;  // answers of an unavailable platform so far
  std::chrono::steady_clock::time_point deadline;  // of waits for the platform (the delivery's patience)
  std::function<void(caf::error)> done;
};
using sweep_step_ptr = std::shared_ptr<sweep_step>;

}  // namespace commerce::actors::detail

// The driver's messages to itself: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::detail::sweep_step_ptr)

namespace commerce::actors {
namespace {

using namespace domain;
using detail::sweep_step_ptr;
using protocols::entity_status;
using protocols::store_status;
using levels_call_atom = caf::atom_constant<caf::atom("levelscall")>;
using schedule_atom = caf::atom_constant<caf::atom("schedule")>;

struct driver_state {
  entity_regions regions;
  kind_actors views;
  service<protocols::store_platform_actor> store;
  reconciliation_options options;
  std::mt19937_64 random{std::random_device{}()};
  metrics::counter* differences = nullptr;
  metrics::counter* sweeps = nullptr;
  static inline const char* name = "reconciliation_driver";
};
using driver_actor = caf::stateful_actor<driver_state>;

caf::error not_done(const std::string& why) { return caf::make_error(caf::sec::runtime_error, why); }

protocols::command_metadata meta_of(const std::string& sweep) {
  return {"", "reconciliation/" + sweep, "reconciliation/" + sweep};
}

void record_page(driver_actor* self, const sweep_step_ptr& step) {
  const auto& s = step->sweep;
  const entity_client<reconciliation_decider> sweeps{self, self->state.regions, self->state.options.timeout};
  record_sweep_page page{s.pages, *step->skus.rbegin(), static_cast<std::int64_t>(step->skus.size()),
                         step->differences};
  sweeps.command(
      s.id, std::move(page), meta_of(s.id), std::nullopt,
      [self, step](protocols::entity_reply<reconciliation_decider>& r) {
        if (r.status != entity_status::accepted) return step->done(not_done("sweep page not recorded"));
        if (!r.events.empty()) self->state.differences->add(static_cast<std::int64_t>(step->differences.size()));
        step->done({});
      },
      [step](caf::error&) { step->done(not_done("sweep page unanswered")); });
}

// Each difference recorded as a webhook, then the page. A count the inbox refuses for good is
// logged and left out of the page; one it did not answer fails the step, which comes again.
void record_differences(driver_actor* self, const sweep_step_ptr& step) {
  if (step->differences.empty()) return record_page(self, step);
  const entity_client<webhook_decider> inbox{self, self->state.regions, self->state.options.timeout};
  auto waiting = std::make_shared<std::size_t>(step->differences.size());
  auto failed = std::make_shared<bool>(false);
  auto refused = std::make_shared<std::set<std::string>>();
  auto settle = [self, step, waiting, failed, refused]() {
    if (--*waiting > 0) return;
    if (*failed) return step->done(not_done("a reconciliation count was not recorded"));
    auto& found = step->differences;
    found.erase(std::remove_if(found.begin(), found.end(), [&](const auto& d) { return refused->count(d.sku) > 0; }),
                found.end());
    record_page(self, step);
  };
  for (const auto& d : step->differences) {
    const auto id = "reconcile-" + step->sweep.id + "-" + d.sku;
    inbox.command(
        id, receive_webhook{std::string(reconciliation_topic), d.sku, d.now, d.counted_at}, meta_of(step->sweep.id),
        std::nullopt,
        [settle, failed, refused, sku = d.sku](protocols::entity_reply<webhook_decider>& r) {
          if (r.status == entity_status::rejected || r.status == entity_status::faulted) {
            log::warn("reconciliation count refused", {{"sku", sku}, {"why", r.rejection ? r.rejection->detail : "entity_fault"}});
            refused->insert(sku);
          } else if (r.status != entity_status::accepted) {
            *failed = true;
          }
          settle();
        },
        [settle, failed](caf::error&) {
          *failed = true;
          settle();
        });
  }
}

// Each level against its product as it is now (the entity, not the read model, which may lag
// a count applied a moment ago): a difference is a count newer than the last applied that
// differs from on_hand. The platform's count is taken within 0..10^9 (Shopify's goes below 0
// when it oversells; on hand cannot). A page repeated after a crash does not list again what
// its first run applied already (that count is no longer newer): the sweep's list may miss it,
// the product does not.
void compare(driver_actor* self, const sweep_step_ptr& step, const std::vector<protocols::stock_level>& levels) {
  std::vector<protocols::stock_level> known;
  for (const auto& level : levels)
    if (step->skus.count(level.sku)) known.push_back(level);
  if (known.empty()) return record_differences(self, step);
  auto waiting = std::make_shared<std::size_t>(known.size());
  auto failed = std::make_shared<bool>(false);
  const entity_client<inventory_decider> products{self, self->state.regions, self->state.options.timeout};
  for (const auto& level : known)
    products.read(
        level.sku,
        [self, step, level, waiting, failed](protocols::entity_reply<inventory_decider>& r) {
          if (r.status != entity_status::accepted) *failed = true;
          const auto& p = r.state;
          const auto count = std::clamp<std::int64_t>(level.available, 0, max_quantity);
          const bool newer = !p.counted_at || level.updated_at_ms > p.counted_at->ms_since_epoch;
          if (!*failed && p.exists && newer && count != p.on_hand)
            step->differences.push_back({level.sku, p.on_hand, count, {level.updated_at_ms}});
          if (--*waiting > 0) return;
          if (*failed) return step->done(not_done("a product of the sweep's page was not read"));
          std::sort(step->differences.begin(), step->differences.end(),
                    [](const auto& a, const auto& b) { return a.sku < b.sku; });
          record_differences(self, step);
        },
        [step, waiting, failed](caf::error&) {
          *failed = true;
          if (--*waiting == 0) step->done(not_done("a product of the sweep's page did not answer"));
        });
}

void wait_and_call_again(driver_actor* self, const sweep_step_ptr& step, std::chrono::milliseconds wait,
                         const std::string& why) {
  if (const auto w = store_calls::wait_before(step->deadline, wait)) return self->delayed_send(self, *w, levels_call_atom::value, step);
  step->done(not_done("reconciliation waiting: " + why));
}

void call_levels(driver_actor* self, const sweep_step_ptr& step) {
  self->request(self->state.store.get(), self->state.options.timeout, protocols::levels_atom::value,
                std::vector<std::string>(step->skus.begin(), step->skus.end()))
      .then(
          [self, step](protocols::levels_answer& answer) {
            auto& st = self->state;
            switch (answer.answer.status) {
              case store_status::ok: return compare(self, step, answer.levels);
              case store_status::throttled:
                return wait_and_call_again(self, step, std::chrono::milliseconds(answer.answer.retry_after_ms),
                                           answer.answer.detail);
              case store_status::unavailable:
                return wait_and_call_again(self, step,
                                           supervision::backoff_delay(store_calls::backoff, step->unavailable++,
                                                                      std::uniform_real_distribution<double>(0, 1)(st.random)),
                                           answer.answer.detail);
              case store_status::refused:
                return step->done(protocols::permanent_failure("the store platform refused the counts: " + answer.answer.detail));
            }
          },
          [step](caf::error&) { step->done(not_done("the store client did not answer")); });
}

// The sweep's next page, or its end.
void next_page(driver_actor* self, const sweep_step_ptr& step) {
  const auto view = self->state.views.of<inventory_decider>();
  if (!view) return step->done(not_done("the catalog's read model is not running"));
  protocols::view_query<inventory_decider> query;
  query.where = {{"exists", "true"}};
  query.after_id = step->sweep.cursor;
  query.limit = sweep_page_size;
  self->request(view, self->state.options.timeout, caf::get_atom::value, std::move(query))
      .then(
          [self, step](protocols::view_page<inventory_decider>& page) {
            if (page.items.empty()) {
              const entity_client<reconciliation_decider> sweeps{self, self->state.regions, self->state.options.timeout};
              return sweeps.command(
                  step->sweep.id, finish_sweep{}, meta_of(step->sweep.id), std::nullopt,
                  [self, step](protocols::entity_reply<reconciliation_decider>& r) {
                    if (r.status != entity_status::accepted) return step->done(not_done("sweep not finished"));
                    if (!r.events.empty()) self->state.sweeps->add();
                    step->done({});
                  },
                  [step](caf::error&) { step->done(not_done("sweep finish unanswered")); });
            }
            for (const auto& item : page.items) step->skus.insert(item.id);
            call_levels(self, step);
          },
          [step](caf::error&) { step->done(not_done("the catalog's read model did not answer")); });
}

// One step of each sweep named in `ids`, one sweep after the other (the platform's budget is
// shared); `done` with the first failure, if any.
void step_sweeps(driver_actor* self, std::shared_ptr<std::vector<std::string>> ids, std::size_t next,
                 caf::response_promise promise) {
  if (next == ids->size()) return promise.deliver(caf::unit);
  const entity_client<reconciliation_decider> sweeps{self, self->state.regions, self->state.options.timeout};
  sweeps.read(
      (*ids)[next],
      [self, ids, next, promise](protocols::entity_reply<reconciliation_decider>& r) mutable {
        if (r.status != entity_status::accepted) return promise.deliver(not_done("sweep not read"));
        if (!r.state.exists || r.state.status == sweep_status::finished) return step_sweeps(self, ids, next + 1, promise);
        auto step = std::make_shared<detail::sweep_step>();
        step->sweep = std::move(r.state);
        step->deadline = std::chrono::steady_clock::now() + self->state.options.patience;
        step->done = [self, ids, next, promise](caf::error failure) mutable {
          if (failure) return promise.deliver(std::move(failure));
          step_sweeps(self, ids, next + 1, promise);
        };
        next_page(self, step);
      },
      [promise](caf::error&) mutable { promise.deliver(not_done("sweep unanswered")); });
}

void request_scheduled(driver_actor* self) {
  auto& st = self->state;
  const auto tick = std::min<std::chrono::milliseconds>(st.options.interval, std::chrono::seconds(30));
  self->delayed_send(self, tick, schedule_atom::value);
  if (st.options.active && !st.options.active()) return;
  const auto period = system_now().ms_since_epoch / st.options.interval.count();
  const auto id = "rec_schedule_" + std::to_string(period);
  const entity_client<reconciliation_decider> sweeps{self, st.regions, st.options.timeout};
  sweeps.command(
      id, request_sweep{sweep_reason::schedule}, meta_of(id), std::nullopt,
      [id](protocols::entity_reply<reconciliation_decider>& r) {
        if (!r.events.empty()) log::info("reconciliation sweep scheduled", {{"sweep", id}});
      },
      [id](caf::error&) { log::warn("reconciliation sweep not requested; asked again at the next tick", {{"sweep", id}}); });
}

caf::behavior reconciliation_driver(driver_actor* self, entity_regions regions, kind_actors views,
                                    service<protocols::store_platform_actor> store, reconciliation_options options) {
  auto& st = self->state;
  st.regions = std::move(regions);
  st.views = std::move(views);
  st.store = std::move(store);
  st.options = std::move(options);
  auto& registry = metrics::registry::global();
  st.differences = &registry.get_counter("commerce_reconciliation_differences_total",
                                         "Counts found at the store platform that the node did not have");
  st.sweeps = &registry.get_counter("commerce_reconciliation_sweeps_total", "Reconciliation sweeps finished");
  self->send(self, schedule_atom::value);
  return {
      [self](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
        std::set<std::string> ids;
        for (const auto& e : events)
          if (e.stream_type == reconciliation_decider::stream_type) ids.insert(e.stream_id);
        if (ids.empty()) return caf::unit;
        auto promise = self->make_response_promise();
        step_sweeps(self, std::make_shared<std::vector<std::string>>(ids.begin(), ids.end()), 0, promise);
        return promise;
      },
      [self](levels_call_atom, const sweep_step_ptr& step) { call_levels(self, step); },
      [self](schedule_atom) { request_scheduled(self); },
  };
}

}  // namespace

caf::actor spawn_reconciliation_driver(caf::actor_system& system, entity_regions regions, kind_actors views,
                                       service<protocols::store_platform_actor> store, reconciliation_options options) {
  return system.spawn(reconciliation_driver, std::move(regions), std::move(views), std::move(store), std::move(options));
}

}  // namespace commerce::actors
