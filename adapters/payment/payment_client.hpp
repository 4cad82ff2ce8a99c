// The payment client: the one actor through which the node talks to its payment provider (a
// Stripe-like HTTP API: POST /v1/charges, POST /v1/refunds, each with an Idempotency-Key). It
// speaks protocols/payment.hpp and owns, for that endpoint, the retry policy and the circuit
// breaker of supervision/: timeouts, connection errors, 5xx and 429 are retried with backoff
// (honouring Retry-After) up to max_attempts, and each failed attempt counts towards opening
// the breaker. While the breaker is open, calls are answered `unavailable` at once, without
// reaching the provider. Any other answer of the provider (2xx, 402, other 4xx) is final.
#pragma once

#include "adapters/http/client.hpp"
#include "protocols/payment.hpp"
#include "supervision/circuit_breaker.hpp"
#include "supervision/retry.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::adapters::payment {

struct payment_client_options {
  std::string name = "payment";  // of the breaker, in /metrics and /admin/breakers
  http::endpoint provider{"127.0.0.1", 8099};
  std::chrono::milliseconds attempt_timeout{1000};
  supervision::retry_policy retry;
  supervision::breaker_options breaker;
};

protocols::payment_client_actor spawn_payment_client(caf::actor_system& system, payment_client_options options);

}  // namespace commerce::adapters::payment
