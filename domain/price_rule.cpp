#include "domain/price_rule.hpp"

#include <algorithm>
#include <cmath>
#include <string>

namespace commerce::domain {

std::string_view to_string(price_rule_type t) {
  switch (t) {
    case price_rule_type::percent: return "percent";
    case price_rule_type::set: return "set";
    case price_rule_type::amount: return "amount";
  }
  return "percent";
}

std::optional<price_rule_type> price_rule_type_from(std::string_view text) {
  for (auto t : {price_rule_type::percent, price_rule_type::set, price_rule_type::amount})
    if (to_string(t) == text) return t;
  return std::nullopt;
}

namespace {

std::optional<rejection> bad_price(std::string_view field, const money& m) {
  if (!valid_currency(m.currency)) return invalid_field(field, "currency must be an ISO-4217 code such as EUR");
  if (m.amount < 1 || m.amount > max_amount)
    return invalid_field(field, "amount must be between 1 and " + std::to_string(max_amount));
  return std::nullopt;
}

rejection other_currency(std::string_view field, const money& m, const money& current) {
  rejection r{std::string(codes::currency_mismatch),
              std::string(field) + " is in " + m.currency + " but the price is in " + current.currency, {}};
  r.extra["field"] = std::string(field);
  return r;
}

// The nearest amount of at least 1 whose last two digits are `ending` (a tie goes up).
std::int64_t rounded_to(std::int64_t amount, int ending) {
  const auto below = amount - ((amount - ending) % 100 + 100) % 100;  // ≤ amount, ends in `ending`
  const auto above = below + 100;
  return below >= 1 && amount - below < above - amount ? below : above;
}

}  // namespace

std::optional<rejection> validate(const price_rule& rule) {
  switch (rule.type) {
    case price_rule_type::percent:
      if (!std::isfinite(rule.percent) || rule.percent <= -100 || rule.percent > 1000)
        return invalid_field("rule.percent", "must be more than -100 and at most 1000");
      break;
    case price_rule_type::set:
      if (auto why = bad_price("rule.price", rule.price)) return why;
      break;
    case price_rule_type::amount:
      if (rule.amount == 0 || rule.amount < -max_amount || rule.amount > max_amount)
        return invalid_field("rule.amount", "must be a non-zero amount of minor units within ±" + std::to_string(max_amount));
      break;
  }
  if (rule.min_price)
    if (auto why = bad_price("rule.min_price", *rule.min_price)) return why;
  if (rule.max_price)
    if (auto why = bad_price("rule.max_price", *rule.max_price)) return why;
  if (rule.min_price && rule.max_price && rule.min_price->currency == rule.max_price->currency &&
      rule.min_price->amount > rule.max_price->amount)
    return invalid_field("rule.min_price", "must not be above rule.max_price");
  if (rule.round_to && (*rule.round_to < 0 || *rule.round_to > 99))
    return invalid_field("rule.round_to", "must be between 0 and 99 (the minor units a price ends in)");
  return std::nullopt;
}

std::variant<money, rejection> apply_rule(const price_rule& rule, const money& current) {
  long double next = static_cast<long double>(current.amount);
  switch (rule.type) {
    case price_rule_type::percent:
      next = std::round(next * (100.0L + static_cast<long double>(rule.percent)) / 100.0L);
      break;
    case price_rule_type::set:
      if (rule.price.currency != current.currency) return other_currency("rule.price", rule.price, current);
      next = static_cast<long double>(rule.price.amount);
      break;
    case price_rule_type::amount:
      next += static_cast<long double>(rule.amount);
      break;
  }
  auto amount = static_cast<std::int64_t>(std::clamp(next, 1.0L, static_cast<long double>(max_amount)));
  if (rule.round_to) amount = rounded_to(amount, *rule.round_to);
  if (rule.min_price) {
    if (rule.min_price->currency != current.currency) return other_currency("rule.min_price", *rule.min_price, current);
    amount = std::max(amount, rule.min_price->amount);
  }
  if (rule.max_price) {
    if (rule.max_price->currency != current.currency) return other_currency("rule.max_price", *rule.max_price, current);
    amount = std::min(amount, rule.max_price->amount);
  }
  return money{std::clamp<std::int64_t>(amount, 1, max_amount), current.currency};
}

}  // namespace commerce::domain
