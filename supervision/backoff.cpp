#include "supervision/backoff.hpp"

#include <algorithm>
#include <cmath>

namespace commerce::supervision {

std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt, double uniform01) {
  const double min = static_cast<double>(policy.min.count());
  const double max = static_cast<double>(policy.max.count());
  // Cap the exponent before pow so a long-failing child cannot overflow to infinity.
  const double grown = std::min(max, min * std::pow(policy.factor, std::min(attempt, 64)));
  const double jittered = grown * (1.0 + std::clamp(uniform01, 0.0, 1.0) * policy.random_factor);
  return std::chrono::milliseconds(static_cast<long long>(std::min(max, jittered)));
}

}  // namespace commerce::supervision
