#include "supervision/retry.hpp"

#include <algorithm>
#include <charconv>

namespace commerce::supervision {

bool retryable(const call_failure& failure) {
  if (failure.kind != failure_kind::http_status) return true;
  // 409: the same idempotency key is still in flight at the provider (Stripe answers so).
  return failure.status == 409 || failure.status == 429 || (failure.status >= 500 && failure.status <= 599);
}

std::optional<std::chrono::milliseconds> retry_delay(const retry_policy& policy, const call_failure& failure,
                                                     int attempts_made, double uniform01) {
  if (!retryable(failure) || attempts_made >= policy.max_attempts) return std::nullopt;
  const bool says_when = failure.kind == failure_kind::http_status && (failure.status == 429 || failure.status == 503);
  if (says_when && failure.retry_after) return std::min(*failure.retry_after, max_retry_after);
  return backoff_delay(policy.backoff, attempts_made - 1, uniform01);
}

std::optional<std::chrono::milliseconds> parse_retry_after(std::string_view value) {
  while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
  while (!value.empty() && value.back() == ' ') value.remove_suffix(1);
  // Whole seconds, or with a fraction as Shopify sends them ("2.0"), rounded up to a millisecond.
  const auto dot = value.find('.');
  const auto whole = value.substr(0, dot);
  const auto fraction = dot == std::string_view::npos ? std::string_view() : value.substr(dot + 1);
  if (whole.empty() || whole.find_first_not_of("0123456789") != std::string_view::npos ||
      (dot != std::string_view::npos && (fraction.empty() || fraction.find_first_not_of("0123456789") != std::string_view::npos)))
    return std::nullopt;
  unsigned long long seconds = 0;
  const auto [end, error] = std::from_chars(whole.data(), whole.data() + whole.size(), seconds);
  const auto cap = static_cast<unsigned long long>(std::chrono::duration_cast<std::chrono::seconds>(max_retry_after).count());
  if (error == std::errc::result_out_of_range || (error == std::errc() && seconds >= cap)) return max_retry_after;
  if (error != std::errc() || end != whole.data() + whole.size()) return std::nullopt;
  long long millis = 0;  // the fraction's first three digits, plus one if any digit after them is not 0
  for (std::size_t i = 0; i < 3; ++i) millis = millis * 10 + (i < fraction.size() ? fraction[i] - '0' : 0);
  if (fraction.size() > 3 && fraction.find_first_not_of('0', 3) != std::string_view::npos) ++millis;
  return std::min<std::chrono::milliseconds>(max_retry_after, std::chrono::seconds(seconds) + std::chrono::milliseconds(millis));
}

}  // namespace commerce::supervision
