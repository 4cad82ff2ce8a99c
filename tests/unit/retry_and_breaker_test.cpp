// Retry classification and delays, and the circuit breaker's states, with time passed in.
#include "supervision/circuit_breaker.hpp"
#include "supervision/retry.hpp"

#include <catch2/catch.hpp>

using namespace commerce::supervision;
using namespace std::chrono_literals;

namespace {
call_failure status(int code, std::optional<std::chrono::milliseconds> retry_after = std::nullopt) {
  return {failure_kind::http_status, code, retry_after};
}
}  // namespace

TEST_CASE("timeouts, connection errors, 5xx and 429 are retried, other 4xx are final", "[retry]") {
  CHECK(retryable({failure_kind::timeout}));
  CHECK(retryable({failure_kind::connection_error}));
  for (int code : {409, 429, 500, 502, 503, 504}) CHECK(retryable(status(code)));  // 409: the key still in flight
  for (int code : {400, 401, 402, 404, 422}) CHECK_FALSE(retryable(status(code)));
}

TEST_CASE("retry delays back off, stop at the budget, and honour Retry-After on 429 and 503", "[retry]") {
  retry_policy policy;
  policy.max_attempts = 4;
  policy.backoff = {100ms, 1'000ms, 2.0, 0.0, {}};
  CHECK(retry_delay(policy, {failure_kind::timeout}, 1, 0.0) == 100ms);
  CHECK(retry_delay(policy, {failure_kind::timeout}, 2, 0.0) == 200ms);
  CHECK(retry_delay(policy, {failure_kind::timeout}, 3, 0.0) == 400ms);
  CHECK_FALSE(retry_delay(policy, {failure_kind::timeout}, 4, 0.0));  // 4 attempts made: done
  CHECK_FALSE(retry_delay(policy, status(402), 1, 0.0));
  CHECK(retry_delay(policy, status(429, 7s), 1, 0.0) == 7s);
  CHECK(retry_delay(policy, status(503, 2s), 1, 0.0) == 2s);
  CHECK(retry_delay(policy, status(500, 7s), 1, 0.0) == 100ms);  // only 429 and 503 say when
  CHECK(retry_delay(policy, status(429), 2, 0.0) == 200ms);      // no header: backoff
}

TEST_CASE("Retry-After is read in delta-seconds", "[retry]") {
  CHECK(parse_retry_after("45") == 45s);
  CHECK(parse_retry_after(" 0 ") == 0s);
  CHECK_FALSE(parse_retry_after("Wed, 21 Oct 2026 07:28:00 GMT"));
  CHECK_FALSE(parse_retry_after("-1"));
  CHECK(parse_retry_after("1.5") == 1500ms);  // Shopify writes "2.0"
  CHECK(parse_retry_after("2.0") == 2s);
  CHECK(parse_retry_after("0.0001") == 1ms);  // rounded up, never down to "now"
  CHECK(parse_retry_after("59.9999") == 60s);
  CHECK_FALSE(parse_retry_after("1."));
  CHECK_FALSE(parse_retry_after(".5"));
  CHECK_FALSE(parse_retry_after("1.5.0"));
  CHECK_FALSE(parse_retry_after(""));
}

TEST_CASE("a provider's Retry-After is honoured up to 60 s, never longer", "[retry]") {
  CHECK(parse_retry_after("60") == 60s);
  CHECK(parse_retry_after("61") == 60s);
  CHECK(parse_retry_after("120") == 60s);
  CHECK(parse_retry_after("86400") == 60s);
  CHECK(parse_retry_after("99999999999999999999999") == 60s);  // beyond 64 bits: capped, not refused
  CHECK_FALSE(parse_retry_after("+5"));
  const retry_policy policy{3, {100ms, 5s, 2.0, 0.0, {}}};
  call_failure hours{failure_kind::http_status, 429, std::chrono::milliseconds(std::chrono::hours(5))};
  CHECK(retry_delay(policy, hours, 1, 0.0) == 60s);  // however the wait got there
}

TEST_CASE("a breaker opens after N failures in the window, half-opens after the cool-down, closes on success",
          "[breaker]") {
  circuit_breaker breaker({3, 10s, 30s});
  const circuit_breaker::time_point t0{};
  breaker.record_failure(t0);
  breaker.record_failure(t0 + 1s);
  CHECK(breaker.state(t0 + 1s) == breaker_state::closed);
  CHECK(breaker.allow(t0 + 1s));
  breaker.record_failure(t0 + 2s);
  CHECK(breaker.state(t0 + 2s) == breaker_state::open);
  CHECK_FALSE(breaker.allow(t0 + 3s));
  CHECK(breaker.retry_in(t0 + 12s) == 20s);

  CHECK(breaker.state(t0 + 32s) == breaker_state::half_open);
  CHECK(breaker.allow(t0 + 32s));        // the one trial
  CHECK_FALSE(breaker.allow(t0 + 32s));  // everyone else waits for it
  breaker.record_success(t0 + 33s);
  CHECK(breaker.state(t0 + 33s) == breaker_state::closed);
  CHECK(breaker.allow(t0 + 33s));
}

TEST_CASE("a failed trial opens the breaker for another cool-down, old failures leave the window", "[breaker]") {
  circuit_breaker breaker({2, 10s, 30s});
  const circuit_breaker::time_point t0{};
  breaker.record_failure(t0);
  breaker.record_failure(t0 + 11s);  // the first is out of the window by now
  CHECK(breaker.state(t0 + 11s) == breaker_state::closed);
  breaker.record_failure(t0 + 12s);
  CHECK(breaker.state(t0 + 12s) == breaker_state::open);
  CHECK(breaker.allow(t0 + 42s));
  breaker.record_failure(t0 + 43s);
  CHECK(breaker.state(t0 + 43s) == breaker_state::open);
  CHECK(breaker.state(t0 + 72s) == breaker_state::open);
  CHECK(breaker.state(t0 + 73s) == breaker_state::half_open);
}
