// Every message type that may cross nodes, registered by name. A type missing here cannot be
// deserialised on the receiving node; tests/actors/wire_test.cpp sends each one through CAF's
// serializer and back and fails on a message type it has no sample of.
//
// Node-local messages stay unregistered on purpose: http_request and http_responder (the HTTP
// server's callback into one of this process's connections), and the payment and HTTP clients'
// messages to their own I/O threads.
#include "actors/kinds/kind_module.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/idempotency.hpp"
#include "protocols/journal.hpp"
#include "protocols/order_effects.hpp"
#include "protocols/payment.hpp"
#include "protocols/search.hpp"
#include "protocols/store_platform.hpp"
#include "protocols/subscription.hpp"
#include "supervision/supervisor.hpp"

#include <caf/actor_system_config.hpp>

namespace commerce::actors {

namespace {
template <class T>
void add(caf::actor_system_config& cfg) {
  cfg.add_message_type<T>(protocols::wire_message<T>::name());
}
}  // namespace

void add_message_types(caf::actor_system_config& cfg) {
  using namespace protocols;
  add<append_request>(cfg);
  add<append_result>(cfg);
  add<stored_event>(cfg);
  add<snapshot>(cfg);
  add<recovered_stream>(cfg);
  add<checkpoint>(cfg);
  add<journal_head>(cfg);
  add<due_timer>(cfg);
  add<dead_letter>(cfg);
  add<letter_filter>(cfg);
  add<letter_change>(cfg);
  add<subscription_status>(cfg);
  add<stored_response>(cfg);
  add<idempotency_claim>(cfg);
  add<charge_request>(cfg);
  add<refund_request>(cfg);
  add<payment_outcome>(cfg);
  add<breaker_report>(cfg);
  add<order_effects_batch>(cfg);
  add<search_request>(cfg);
  add<search_result>(cfg);
  add<store_answer>(cfg);
  add<price_update>(cfg);
  add<levels_answer>(cfg);
  cfg.add_message_type<supervision::supervision_tree>("commerce.supervision_tree");
  for (const auto& kind : kind_modules()) kind.add_message_types(cfg);
}

}  // namespace commerce::actors
