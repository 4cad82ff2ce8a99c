// The subscription protocol: how a catch-up subscription hands events to its handler.
//
//   request(handler, t, deliver_atom, std::vector<stored_event>) -> () once handled
//
// Events come in the global order of protocols/journal.hpp's read_all. The subscription stores
// its checkpoint only after the handler's answer, so after a crash the handler may see the last
// batch again (at least once) but never misses one.
//
// An error answer is transient unless the handler marks it permanent (permanent_failure): a
// transient one (a store or reader that did not answer, a timeout) redelivers the batch later,
// with backoff, for as long as it takes; only a permanent one — the handler cannot decode or
// apply the event, and never will — gets the event parked in the dead-letter office.
//
// Where a subscription is (actors/subscription.hpp):
//   request(subscription, t, get_atom) -> subscription_status
#pragma once

#include "protocols/journal.hpp"

#include <caf/atom.hpp>
#include <caf/error.hpp>
#include <caf/make_message.hpp>

#include <cstdint>
#include <string>

namespace commerce::protocols {

using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

// The error category of handler answers; one code so far.
constexpr caf::atom_value handler_error_category = caf::atom("handler");
constexpr std::uint8_t permanent_failure_code = 1;

// A handler's refusal that redelivering cannot cure: the event is parked and skipped.
inline caf::error permanent_failure(std::string why) {
  return caf::error(permanent_failure_code, handler_error_category, caf::make_message(std::move(why)));
}

inline bool is_permanent(const caf::error& e) {
  return e.category() == handler_error_category && e.code() == permanent_failure_code;
}

struct subscription_status {
  std::string name;
  // Reached the journal's head as it was when the subscription started (read models: they
  // hold everything that was in the journal before the node started).
  bool caught_up = false;
  checkpoint at;    // the last event handled
  checkpoint head;  // the journal's head when last asked
  std::int64_t behind = 0;   // events after `at` (counted up to 100,000)
  std::int64_t lag_ms = 0;   // age of the oldest of them; 0 when none
};

BOOST_DESCRIBE_STRUCT(subscription_status, (), (name, caught_up, at, head, behind, lag_ms))
COMMERCE_WIRE_MESSAGE(subscription_status, "commerce.subscription_status")

}  // namespace commerce::protocols
