// The payment protocol: how the checkout saga and the order routes reach the payment provider
// through the payment client (adapters/payment), which owns retries and the circuit breaker.
//
//   request(payments, t, charge_atom, charge_request) -> payment_outcome
//   request(payments, t, refund_atom, refund_request) -> payment_outcome
//   request(payments, t, caf::get_atom)              -> breaker_report
//
// The idempotency key makes a call safe to repeat: the provider answers a repeat with the
// first outcome and never charges twice. Callers derive it from what the call is for (a
// checkout's id, an order and its refund), never from the attempt.
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <optional>
#include <string>

namespace commerce::protocols {

using charge_atom = caf::atom_constant<caf::atom("charge")>;
using refund_atom = caf::atom_constant<caf::atom("refund")>;

struct charge_request {
  std::string idempotency_key;
  std::int64_t amount = 0;  // minor units
  std::string currency;
  std::string source;  // the card token
  std::string description;
};

struct refund_request {
  std::string idempotency_key;
  std::string charge_id;
  std::optional<std::int64_t> amount;  // none: all that is left
};

enum class payment_status : std::uint8_t {
  succeeded,    // `id` is the charge's or refund's id
  refused,      // the provider said no for good (a declined card, a refund too large): `code`
  unavailable,  // no answer within the retry budget, or the breaker is open: `retry_after_ms`
};

struct payment_outcome {
  payment_status status = payment_status::unavailable;
  std::string id;
  std::string code;
  std::string detail;
  // For `unavailable`: whether an attempt may have reached the provider (then the outcome is
  // unknown until the same key is tried again); false when none did (the breaker was open or
  // every connection was refused).
  bool maybe_delivered = false;
  std::int64_t retry_after_ms = 0;
  int attempts = 0;
};

struct breaker_report {
  std::string name;
  std::string state;  // closed, open, half_open
  std::int64_t retry_in_ms = 0;
};

BOOST_DESCRIBE_STRUCT(charge_request, (), (idempotency_key, amount, currency, source, description))
BOOST_DESCRIBE_STRUCT(refund_request, (), (idempotency_key, charge_id, amount))
BOOST_DESCRIBE_STRUCT(payment_outcome, (), (status, id, code, detail, maybe_delivered, retry_after_ms, attempts))
BOOST_DESCRIBE_STRUCT(breaker_report, (), (name, state, retry_in_ms))
COMMERCE_WIRE_MESSAGE(charge_request, "commerce.charge_request")
COMMERCE_WIRE_MESSAGE(refund_request, "commerce.refund_request")
COMMERCE_WIRE_MESSAGE(payment_outcome, "commerce.payment_outcome")
COMMERCE_WIRE_MESSAGE(breaker_report, "commerce.breaker_report")

using payment_client_actor = caf::typed_actor<caf::replies_to<charge_atom, charge_request>::with<payment_outcome>,
                                              caf::replies_to<refund_atom, refund_request>::with<payment_outcome>,
                                              caf::replies_to<caf::get_atom>::with<breaker_report>>;

}  // namespace commerce::protocols
