// Restart delays with exponential backoff and jitter, as Akka's restartWithBackoff computes
// them: min(max, min × factor^n) × (1 + u × random_factor), u uniform in [0, 1), capped at max.
// Pure: the random draw comes in, so tests can pin every delay exactly.
#pragma once

#include <chrono>

namespace commerce::supervision {

struct backoff_policy {
  std::chrono::milliseconds min{100};
  std::chrono::milliseconds max{30'000};
  double factor = 2.0;
  double random_factor = 0.2;
  // A child that stays up this long starts again from `min`.
  std::chrono::milliseconds reset_after{60'000};
};

// The delay before restart number `attempt` (0 for the first restart).
std::chrono::milliseconds backoff_delay(const backoff_policy& policy, int attempt, double uniform01);

}  // namespace commerce::supervision
