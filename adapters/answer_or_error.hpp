// For adapter actors whose handlers call blocking code that may throw: the answer, or an error
// answer (sec::runtime_error, logged as `what`) instead of an exception that would kill the actor.
#pragma once

#include "common/log.hpp"

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

#include <exception>

namespace commerce::adapters {

template <class Call>
auto answer_or_error(const char* what, Call call) -> caf::result<decltype(call())> {
  try {
    return call();
  } catch (const std::exception& e) {
    log::warn(what, {{"error", e.what()}});
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

}  // namespace commerce::adapters
