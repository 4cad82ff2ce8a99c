// Money is integer minor units with an ISO-4217 currency code: {"amount": 1999, "currency": "USD"}.
#pragma once

#include <boost/describe/class.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::domain {

struct money {
  std::int64_t amount = 0;
  std::string currency;

  friend bool operator==(const money& a, const money& b) {
    return a.amount == b.amount && a.currency == b.currency;
  }
  friend bool operator!=(const money& a, const money& b) { return !(a == b); }
};
BOOST_DESCRIBE_STRUCT(money, (), (amount, currency))

// Largest amount or quantity the domain accepts anywhere: far beyond any real basket, and far
// enough from INT64_MAX that sums and products of accepted values cannot overflow.
inline constexpr std::int64_t max_amount = 1'000'000'000'000;   // 10^12 minor units
inline constexpr std::int64_t max_quantity = 1'000'000'000;      // 10^9 units

// Three upper-case ASCII letters, the shape of an ISO-4217 code.
bool valid_currency(std::string_view code);

// `quantity × unit` within max_amount, or nullopt.
std::optional<std::int64_t> line_amount(std::int64_t quantity, std::int64_t unit);

}  // namespace commerce::domain
