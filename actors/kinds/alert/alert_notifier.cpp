#include "actors/kinds/alert/alert_notifier.hpp"

#include "domain/alert.hpp"
#include "domain/event_codec.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

namespace commerce::actors {

caf::actor spawn_alert_notifier(caf::actor_system& system, protocols::order_effects_store_actor outbox,
                                std::string recipient, std::chrono::milliseconds timeout) {
  return system.spawn([outbox, recipient, timeout](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          protocols::order_effects_batch batch;
          for (const auto& e : events) {
            if (e.stream_type != domain::alert_decider::stream_type) continue;
            domain::alert_event event;
            try {
              event = domain::decode_event<domain::alert_event>(e.event_type, e.schema_version, boost::json::parse(e.data));
            } catch (const std::exception& ex) {
              return protocols::permanent_failure("alert " + e.stream_id + ": " + ex.what());
            }
            const auto* raised = std::get_if<domain::alert_raised>(&event);
            if (!raised) continue;
            domain::notification n;
            n.key = "alert/" + e.stream_id;
            n.template_name = "merchant_alert";
            n.recipient = recipient;
            n.data = {{"alert_id", e.stream_id}, {"topic", raised->topic}, {"subject", raised->subject},
                      {"message", raised->message}, {"raised_at", domain::to_iso8601(raised->at)}};
            batch.effects.push_back({std::nullopt, std::move(n), std::nullopt});
          }
          if (batch.effects.empty()) return caf::unit;
          auto promise = self->make_response_promise();
          self->request(outbox, timeout, caf::put_atom::value, std::move(batch))
              .then([promise]() mutable { promise.deliver(caf::unit); },
                    [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
          return promise;
        },
    };
  });
}

}  // namespace commerce::actors
