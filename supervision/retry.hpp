// Retry policy for calls to the outside world (payment provider, webhooks): which failures are
// worth another attempt, and how long to wait before it. Pure: time and the random draw come in.
//
// Retryable: timeouts, connection errors, 5xx and 429. Other 4xx are the caller's mistake and
// final. 429 and 503 honour the server's Retry-After when it gives one.
#pragma once

#include "supervision/backoff.hpp"

#include <chrono>
#include <optional>
#include <string_view>

namespace commerce::supervision {

enum class failure_kind { timeout, connection_error, http_status };

struct call_failure {
  failure_kind kind = failure_kind::connection_error;
  int status = 0;  // for http_status
  std::optional<std::chrono::milliseconds> retry_after;
};

struct retry_policy {
  int max_attempts = 3;  // including the first
  backoff_policy backoff{std::chrono::milliseconds(200), std::chrono::milliseconds(5'000), 2.0, 0.2, {}};
};

bool retryable(const call_failure& failure);

// How long to wait before the next attempt after `attempts_made` attempts ended in `failure`,
// or nullopt when the call has failed for good (not retryable, or the budget is spent).
std::optional<std::chrono::milliseconds> retry_delay(const retry_policy& policy, const call_failure& failure,
                                                     int attempts_made, double uniform01);

// The longest wait a server's Retry-After can impose on us: a provider asking for more (by
// mistake or on purpose) would otherwise park a checkout or a relay for hours.
inline constexpr std::chrono::milliseconds max_retry_after{std::chrono::seconds(60)};

// A Retry-After header value in delta-seconds ("120", or "2.0" as Shopify writes it, rounded up
// to a millisecond), capped at max_retry_after (so "120" and "99999999999999999999" both mean
// 60 s); nullopt for anything else (HTTP-dates are not honoured yet: the backoff applies instead).
std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value);

}  // namespace commerce::supervision
