#include "actors/kinds/webhook/webhook_processor.hpp"

#include "actors/entity_client.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/alert.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "domain/webhook.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <memory>

namespace commerce::actors {
namespace {

using namespace domain;

struct batch_in_progress {
  caf::response_promise promise;
  std::size_t waiting = 0;
  std::optional<std::string> failure;  // the first step that got no definite answer

  void settle(std::optional<std::string> failed = std::nullopt) {
    if (failed && !failure) failure = std::move(failed);
    if (--waiting > 0) return;
    if (failure) promise.deliver(caf::make_error(caf::sec::runtime_error, *failure));
    else promise.deliver(caf::unit);
  }
};

// The count's source, as the product's history shows it: "webhook:<id>", or for a count the
// reconciliation sweep found, "reconciliation:<id>".
std::string source_of(const std::string& id, const webhook_received& w) {
  return std::string(w.topic == reconciliation_topic ? reconciliation_source_prefix : "webhook:") + id;
}

}  // namespace

caf::actor spawn_webhook_processor(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds timeout) {
  auto& applied = metrics::registry::global().get_counter(
      "commerce_webhooks_applied_total", "Recorded webhooks applied to their product (older counts change nothing)");
  return system.spawn([regions, timeout, &applied](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=, &applied](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          std::vector<std::pair<std::string, webhook_received>> received;
          for (const auto& e : events) {
            if (e.stream_type != webhook_decider::stream_type) continue;
            try {
              received.emplace_back(e.stream_id, std::get<webhook_received>(decode_event<webhook_event>(
                                                     e.event_type, e.schema_version, boost::json::parse(e.data))));
            } catch (const std::exception& ex) {
              return protocols::permanent_failure("webhook " + e.stream_id + ": " + ex.what());
            }
          }
          if (received.empty()) return caf::unit;
          auto batch = std::make_shared<batch_in_progress>();
          batch->promise = self->make_response_promise();
          batch->waiting = received.size();
          const entity_client<inventory_decider> products{self, regions, timeout};
          const entity_client<alert_decider> alerts{self, regions, timeout};
          for (auto& [id, w] : received) {
            const protocols::command_metadata meta{"", "webhook/" + id, "webhook/" + id};
            products.command(
                w.sku, count_stock{w.available, w.updated_at, source_of(id, w)}, meta, std::nullopt,
                [=, &applied, sku = w.sku, w = w](protocols::entity_reply<inventory_decider>& r) {
                  using protocols::entity_status;
                  if (r.status == entity_status::rejected || r.status == entity_status::faulted) {
                    // An unknown product, or one that failed on it (parked): skipped, not retried.
                    log::warn("webhook not applied", {{"webhook", id}, {"sku", sku},
                                                      {"why", r.rejection ? r.rejection->code : "entity_fault"}});
                    return batch->settle();
                  }
                  if (r.status != entity_status::accepted) return batch->settle("count of " + sku + " not recorded");
                  applied.add();
                  // The shortfall of this count: from its event, or (delivered again after the
                  // count was applied) from the state it left.
                  std::int64_t available = w.available, shortfall = 0;
                  if (const auto* counted = r.events.empty() ? nullptr : std::get_if<stock_counted>(&r.events.front()))
                    shortfall = counted->shortfall;
                  else if (r.state.counted_at == std::optional<timestamp>(w.updated_at))
                    shortfall = std::max<std::int64_t>(0, r.state.reserved - w.available);
                  if (shortfall == 0) return batch->settle();
                  alerts.command(
                      "stock-shortfall-" + sku + "-" + std::to_string(w.updated_at.ms_since_epoch),
                      raise_alert{"stock_shortfall", "product/" + sku,
                                  "the store platform counted " + std::to_string(available) + " of " + sku +
                                      " but " + std::to_string(shortfall) +
                                      " more are reserved; on hand was kept at what is reserved"},
                      meta, std::nullopt,
                      [=](protocols::entity_reply<alert_decider>& a) {
                        batch->settle(a.status == entity_status::accepted ? std::nullopt
                                                                          : std::optional<std::string>("shortfall alert not raised"));
                      },
                      [=](caf::error&) { batch->settle("shortfall alert not raised"); });
                },
                [=, sku = w.sku](caf::error&) { batch->settle("count of " + sku + " unanswered"); });
          }
          return batch->promise;
        },
    };
  });
}

}  // namespace commerce::actors
