#include "actors/kinds/order/order_handlers.hpp"

#include "domain/event_codec.hpp"
#include "domain/order_effects.hpp"
#include "protocols/order_effects.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <set>

namespace commerce::actors {
namespace {

using domain::order_decider;
using protocols::stored_event;

// One delivered batch on its way: the orders' streams are loaded in parallel, and the effects
// go to the store once the last one is in.
struct batch_in_progress {
  caf::typed_response_promise<caf::unit_t> promise;
  std::map<std::string, std::set<std::int64_t>> versions;  // order id → the batch's events
  std::map<std::string, std::vector<domain::order_effects>> effects;  // by order, in version order
  std::size_t waiting = 0;
  bool failed = false;
};

// The effects of the batch's events of one order, replaying its stream up to the last of them.
std::vector<domain::order_effects> effects_in(const std::string& id, const std::vector<stored_event>& stream,
                                              const std::set<std::int64_t>& wanted) {
  std::vector<domain::order_effects> out;
  auto state = order_decider::initial(id);
  for (const auto& e : stream) {
    if (e.version > *wanted.rbegin()) break;
    const auto event = domain::decode_event<order_decider::event>(e.event_type, e.schema_version,
                                                                   boost::json::parse(e.data));
    state = order_decider::evolve(std::move(state), event);
    if (!wanted.count(e.version)) continue;
    auto effects = domain::effects_of(state, event);
    if (!effects.empty()) out.push_back(std::move(effects));
  }
  return out;
}

void store_when_complete(caf::event_based_actor* self, const protocols::order_effects_store_actor& store, std::chrono::milliseconds timeout,
                         const std::shared_ptr<batch_in_progress>& batch) {
  if (batch->waiting > 0 || batch->failed) return;
  std::vector<domain::order_effects> all;
  for (auto& [id, effects] : batch->effects)
    for (auto& e : effects) all.push_back(std::move(e));
  if (all.empty()) {
    batch->promise.deliver(caf::unit);
    return;
  }
  self->request(store, timeout, caf::put_atom::value, protocols::order_effects_batch{std::move(all)})
      .then([batch]() { batch->promise.deliver(caf::unit); },
            [batch](caf::error& e) { batch->promise.deliver(std::move(e)); });
}

caf::behavior order_handlers(caf::event_based_actor* self, service<protocols::journal_reader_actor> reader,
                             protocols::order_effects_store_actor store, std::chrono::milliseconds timeout) {
  return {
      [=](protocols::deliver_atom, const std::vector<stored_event>& events) -> caf::result<caf::unit_t> {
        auto batch = std::make_shared<batch_in_progress>();
        for (const auto& e : events)
          if (e.stream_type == order_decider::stream_type) batch->versions[e.stream_id].insert(e.version);
        if (batch->versions.empty()) return caf::unit;
        batch->promise = self->make_response_promise<caf::unit_t>();
        batch->waiting = batch->versions.size();
        for (const auto& [id, wanted] : batch->versions) {
          self->request(reader.get(), timeout, protocols::load_atom::value, std::string(order_decider::stream_type), id,
                        std::int64_t{1}, false)
              .then(
                  [=, id = id, wanted = &wanted](protocols::recovered_stream& stream) {
                    --batch->waiting;
                    if (batch->failed) return;
                    try {
                      batch->effects[id] = effects_in(id, stream.events, *wanted);  // `batch` keeps it
                    } catch (const std::exception& e) {  // an event this build cannot read
                      batch->failed = true;
                      batch->promise.deliver(protocols::permanent_failure(e.what()));
                      return;
                    }
                    store_when_complete(self, store, timeout, batch);
                  },
                  [=](caf::error& e) {
                    --batch->waiting;
                    if (std::exchange(batch->failed, true)) return;
                    batch->promise.deliver(std::move(e));
                  });
        }
        return batch->promise;
      },
  };
}

}  // namespace

caf::actor spawn_order_handlers(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                                protocols::order_effects_store_actor store, std::chrono::milliseconds timeout) {
  return system.spawn(order_handlers, std::move(reader), std::move(store), timeout);
}

}  // namespace commerce::actors
