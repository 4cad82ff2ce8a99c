#include "supervision/circuit_breaker.hpp"

#include <algorithm>

namespace commerce::supervision {

std::string_view to_string(breaker_state s) {
  switch (s) {
    case breaker_state::closed: return "closed";
    case breaker_state::open: return "open";
    case breaker_state::half_open: return "half_open";
  }
  return "unknown";
}

breaker_state circuit_breaker::state(time_point now) const {
  if (!open_) return breaker_state::closed;
  return now - opened_at_ >= options_.cool_down ? breaker_state::half_open : breaker_state::open;
}

bool circuit_breaker::allow(time_point now) {
  switch (state(now)) {
    case breaker_state::closed: return true;
    case breaker_state::open: return false;
    case breaker_state::half_open:
      if (trial_out_) return false;
      trial_out_ = true;
      return true;
  }
  return false;
}

void circuit_breaker::record_success(time_point) {
  open_ = false;
  trial_out_ = false;
  failures_.clear();
}

void circuit_breaker::record_failure(time_point now) {
  if (open_) {  // the half-open trial failed (or a straggler did): another full cool-down
    opened_at_ = now;
    trial_out_ = false;
    return;
  }
  failures_.push_back(now);
  while (!failures_.empty() && failures_.front() <= now - options_.window) failures_.pop_front();
  if (static_cast<int>(failures_.size()) >= options_.failure_threshold) {
    open_ = true;
    opened_at_ = now;
    failures_.clear();
  }
}

std::chrono::milliseconds circuit_breaker::retry_in(time_point now) const {
  if (state(now) != breaker_state::open) return std::chrono::milliseconds(0);
  return std::chrono::ceil<std::chrono::milliseconds>(opened_at_ + options_.cool_down - now);
}

}  // namespace commerce::supervision
