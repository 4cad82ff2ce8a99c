// SIGINT and SIGTERM, waited for synchronously by a program's main thread. Construct it before
// any thread starts: the signals are blocked here, every later thread inherits the mask, and
// none of them is interrupted. A shell starts background jobs with SIGINT ignored, and an
// ignored signal is never pending, so both are first reset to their default.
#pragma once

#include <signal.h>

namespace commerce {

class stop_signals {
 public:
  stop_signals();
  // Blocks until one arrives; returns it (SIGINT or SIGTERM).
  int wait() const;

 private:
  sigset_t set_;
};

}  // namespace commerce
