// A circuit breaker per external endpoint: closed → open after `failure_threshold` failures
// within `window` → half-open after `cool_down` (one trial call goes out) → closed when the
// trial succeeds, open again when it fails. Pure: the time comes in, so tests need no sleeps.
// While open, callers answer at once (503 with Retry-After = retry_in()).
#pragma once

#include <chrono>
#include <deque>
#include <string_view>

namespace commerce::supervision {

enum class breaker_state { closed, open, half_open };
std::string_view to_string(breaker_state s);

struct breaker_options {
  int failure_threshold = 5;
  std::chrono::milliseconds window{10'000};
  std::chrono::milliseconds cool_down{30'000};
};

class circuit_breaker {
 public:
  using time_point = std::chrono::steady_clock::time_point;

  explicit circuit_breaker(breaker_options options = {}) : options_(options) {}

  // Whether a call may go out now; in half-open only the first caller gets a yes.
  bool allow(time_point now);
  void record_success(time_point now);
  void record_failure(time_point now);

  breaker_state state(time_point now) const;
  // How long until a call may be tried again (0 when closed).
  std::chrono::milliseconds retry_in(time_point now) const;

 private:
  breaker_options options_;
  bool open_ = false;
  bool trial_out_ = false;
  time_point opened_at_{};
  std::deque<time_point> failures_;  // within the window, while closed
};

}  // namespace commerce::supervision
