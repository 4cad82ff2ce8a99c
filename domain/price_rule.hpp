// A price rule (API.md, Pricing jobs and campaigns): how a pricing job or a campaign turns a
// product's price into a new one. Pure arithmetic on integer minor units, in this order:
//   1. the change: `percent` (of the price, rounded half away from zero to a minor unit),
//      `set` (that price) or `amount` (added, negative to lower it);
//   2. `round_to` n (0–99): the nearest amount whose minor units end in n — 99 makes 12.34
//      into 11.99 and 12.70 into 12.99 (a tie goes up);
//   3. `min_price` / `max_price`, in the product's currency;
//   4. never below 1 minor unit, never above max_amount.
// The currency is always the product's: a `set`, `min_price` or `max_price` in another one is
// refused for that product (currency_mismatch), not converted.
#pragma once

#include "domain/money.hpp"
#include "domain/rejection.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string_view>
#include <variant>

namespace commerce::domain {

enum class price_rule_type { percent, set, amount };
BOOST_DESCRIBE_ENUM(price_rule_type, percent, set, amount)
std::string_view to_string(price_rule_type t);
std::optional<price_rule_type> price_rule_type_from(std::string_view text);

struct price_rule {
  price_rule_type type = price_rule_type::percent;
  double percent = 0;      // percent: -100 < percent ≤ 1000
  money price;             // set
  std::int64_t amount = 0; // amount: |amount| ≤ max_amount
  std::optional<money> min_price;
  std::optional<money> max_price;
  std::optional<int> round_to;  // 0–99
};
BOOST_DESCRIBE_STRUCT(price_rule, (), (type, percent, price, amount, min_price, max_price, round_to))

// Why the rule itself is unusable (422, the field named), or nothing.
std::optional<rejection> validate(const price_rule& rule);

// The price the rule gives `current`, or why it cannot apply to this product.
std::variant<money, rejection> apply_rule(const price_rule& rule, const money& current);

}  // namespace commerce::domain
