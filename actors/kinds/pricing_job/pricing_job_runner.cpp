#include "actors/kinds/pricing_job/pricing_job_runner.hpp"

#include "actors/entity_client.hpp"
#include "actors/kinds/product/price_changes.hpp"
#include "common/metrics.hpp"
#include "domain/inventory.hpp"
#include "domain/pricing_job.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <memory>
#include <set>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::entity_status;

// One batch of one job in progress: a result slot per SKU, filled as the products answer.
struct batch_run {
  pricing_job_state job;
  std::size_t batch = 0;
  std::vector<pricing_result> results;
  std::size_t waiting = 0;
  bool failed = false;  // a product gave no definite answer: the batch is not recorded
  std::function<void(bool)> done;
};

pricing_result failed_result(const std::string& sku, const rejection& why, timestamp at) {
  return {sku, std::nullopt, std::nullopt, pricing_result_status::failed, why.code + ": " + why.detail, at};
}

// What the product's answer to the job's apply_price_rule means for the SKU.
std::optional<pricing_result> result_of(const std::string& sku, const std::string& reference,
                                        const protocols::entity_reply<inventory_decider>& r, timestamp at) {
  if (r.status == entity_status::rejected && r.rejection) return failed_result(sku, *r.rejection, at);
  if (r.status == entity_status::faulted)  // definite: the product parked it; asking again would fault again
    return failed_result(sku, {"entity_fault", "the product failed on the change; it is in the dead-letter office", {}}, at);
  if (r.status != entity_status::accepted) return std::nullopt;
  for (const auto& e : r.events)
    if (const auto* changed = std::get_if<price_changed>(&e))
      return pricing_result{sku, changed->old_price, changed->new_price, pricing_result_status::updated, "", changed->at};
  for (const auto& done : r.state.recent_price_changes)  // applied before a crash: the same result
    if (done.reference == reference)
      return pricing_result{sku, done.old_price, done.new_price, pricing_result_status::updated, "", at};
  return pricing_result{sku, r.state.price, r.state.price, pricing_result_status::unchanged, "", at};
}

// What the rule would do to the product, without changing it.
std::optional<pricing_result> dry_result(const std::string& sku, const price_rule& rule,
                                         const protocols::entity_reply<inventory_decider>& r, timestamp at) {
  if (r.status != entity_status::accepted) return std::nullopt;
  if (!r.state.exists) return failed_result(sku, not_found("product " + sku), at);
  const auto next = apply_rule(rule, r.state.price);
  if (const auto* why = std::get_if<rejection>(&next)) return failed_result(sku, *why, at);
  const auto& price = std::get<money>(next);
  return pricing_result{sku, r.state.price, price,
                        price == r.state.price ? pricing_result_status::unchanged : pricing_result_status::updated, "", at};
}

timestamp now() {
  using namespace std::chrono;
  return {duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()};
}

void run_batch(caf::event_based_actor* self, const entity_regions& regions, std::chrono::milliseconds timeout,
               std::shared_ptr<batch_run> run) {
  const entity_client<inventory_decider> products{self, regions, timeout};
  const auto skus = pricing_job_decider::batch_skus(run->job, run->batch);
  run->results.resize(skus.size());
  run->waiting = skus.size();
  const protocols::command_metadata meta{"", "pricing_job/" + run->job.id, "pricing_job/" + run->job.id};
  for (std::size_t i = 0; i < skus.size(); ++i) {
    auto settle = [run, i](std::optional<pricing_result> result) {
      if (result) run->results[i] = std::move(*result);
      else run->failed = true;
      if (--run->waiting > 0) return;
      auto done = std::move(run->done);  // `done` holds `run`: moved out, the cycle ends with it
      done(!run->failed);
    };
    const auto& sku = skus[i];
    if (run->job.dry_run)
      products.read(
          sku, [=](protocols::entity_reply<inventory_decider>& r) { settle(dry_result(sku, run->job.rule, r, now())); },
          [=](caf::error&) { settle(std::nullopt); });
    else
      products.command(
          sku, apply_price_rule{run->job.rule, price_cause::job, run->job.id}, meta, std::nullopt,
          [=](protocols::entity_reply<inventory_decider>& r) {
            count_price_changes(r.events);
            settle(result_of(sku, run->job.id, r, now()));
          },
          [=](caf::error&) { settle(std::nullopt); });
  }
}

}  // namespace

caf::actor spawn_pricing_job_runner(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds timeout) {
  auto& batches = metrics::registry::global().get_counter("commerce_pricing_job_batches_total",
                                                          "Pricing job batches applied and recorded");
  return system.spawn([regions, timeout, &batches](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=, &batches](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          std::set<std::string> jobs;
          for (const auto& e : events)
            if (e.stream_type == pricing_job_decider::stream_type) jobs.insert(e.stream_id);
          if (jobs.empty()) return caf::unit;
          // Each job's next batch, all jobs at once; the delivery is done when every one is.
          auto promise = self->make_response_promise();
          auto left = std::make_shared<std::size_t>(jobs.size());
          auto all_fine = std::make_shared<bool>(true);
          auto finish_one = [promise, left, all_fine](bool fine) mutable {
            *all_fine = *all_fine && fine;
            if (--*left > 0) return;
            if (*all_fine) promise.deliver(caf::unit);
            else promise.deliver(caf::make_error(caf::sec::runtime_error, "a pricing job batch was not recorded"));
          };
          const entity_client<pricing_job_decider> job_client{self, regions, timeout};
          for (const auto& id : jobs)
            job_client.read(
                id,
                [=, &batches](protocols::entity_reply<pricing_job_decider>& r) mutable {
                  if (r.status != entity_status::accepted) return finish_one(false);
                  if (!r.state.exists || r.state.finished()) return finish_one(true);
                  auto run = std::make_shared<batch_run>();
                  run->job = std::move(r.state);
                  run->batch = run->job.batches_done;
                  run->done = [=, &batches](bool applied) mutable {
                    if (!applied) return finish_one(false);
                    const protocols::command_metadata meta{"", "pricing_job/" + run->job.id, "pricing_job/" + run->job.id};
                    job_client.command(
                        run->job.id, record_pricing_batch{run->batch, run->results}, meta, std::nullopt,
                        [=, &batches](protocols::entity_reply<pricing_job_decider>& recorded) mutable {
                          const bool fine = recorded.status == entity_status::accepted;
                          if (fine) batches.add();
                          finish_one(fine);
                        },
                        [=](caf::error&) mutable { finish_one(false); });
                  };
                  run_batch(self, regions, timeout, run);
                },
                [=](caf::error&) mutable { finish_one(false); });
          return promise;
        },
    };
  });
}

}  // namespace commerce::actors
