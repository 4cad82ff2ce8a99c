#include "common/stop_signals.hpp"

#include <pthread.h>

#include <csignal>

namespace commerce {

stop_signals::stop_signals() {
  std::signal(SIGINT, SIG_DFL);
  std::signal(SIGTERM, SIG_DFL);
  sigemptyset(&set_);
  sigaddset(&set_, SIGINT);
  sigaddset(&set_, SIGTERM);
  pthread_sigmask(SIG_BLOCK, &set_, nullptr);
}

int stop_signals::wait() const {
  int signal = 0;
  sigwait(&set_, &signal);
  return signal;
}

}  // namespace commerce
