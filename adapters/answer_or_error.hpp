// For adapter actors whose handlers call blocking code that may throw: the answer, or an error
// answer instead of an exception that would kill the actor — sec::invalid_argument for a request
// naming something that does not exist (std::invalid_argument), else sec::runtime_error, logged
// as `what`.
#pragma once

#include "common/log.hpp"

#include <caf/error.hpp>
#include <caf/make_message.hpp>
#include <caf/result.hpp>
#include <caf/sec.hpp>

#include <exception>
#include <stdexcept>
#include <type_traits>

namespace commerce::adapters {

template <class Call>
auto answer_or_error(const char* what, Call call) -> caf::result<decltype(call())> {
  try {
    if constexpr (std::is_void_v<decltype(call())>) {
      call();
      return {};
    } else {
      return call();
    }
  } catch (const std::invalid_argument& e) {
    return caf::make_error(caf::sec::invalid_argument, e.what());
  } catch (const std::exception& e) {
    log::warn(what, {{"error", e.what()}});
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

}  // namespace commerce::adapters
