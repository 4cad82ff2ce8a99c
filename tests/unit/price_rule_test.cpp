// Price rules (domain/price_rule.hpp): the arithmetic, the rounding to an ending, the bounds and
// the currency, on plain values.
#include "domain/price_rule.hpp"

#include <catch2/catch.hpp>

using namespace commerce::domain;

namespace {

money eur(std::int64_t amount) { return {amount, "EUR"}; }

price_rule percent(double p) {
  price_rule r;
  r.type = price_rule_type::percent;
  r.percent = p;
  return r;
}

std::int64_t applied(const price_rule& rule, std::int64_t current) {
  const auto out = apply_rule(rule, eur(current));
  REQUIRE(std::holds_alternative<money>(out));
  CHECK(std::get<money>(out).currency == "EUR");  // the currency is always the product's
  return std::get<money>(out).amount;
}

std::string refused(const price_rule& rule, const money& current) {
  const auto out = apply_rule(rule, current);
  REQUIRE(std::holds_alternative<rejection>(out));
  return std::get<rejection>(out).code;
}

}  // namespace

TEST_CASE("a percent rule rounds half away from zero to a minor unit", "[unit][pricing]") {
  CHECK(applied(percent(-10), 1999) == 1799);  // 1799.1
  CHECK(applied(percent(-10), 1995) == 1796);  // 1795.5 goes up
  CHECK(applied(percent(15), 1000) == 1150);
  CHECK(applied(percent(-33.3), 300) == 200);  // 200.1
  CHECK(applied(percent(0.5), 199) == 200);    // 199.995
}

TEST_CASE("set and amount rules", "[unit][pricing]") {
  price_rule set;
  set.type = price_rule_type::set;
  set.price = eur(4999);
  CHECK(applied(set, 1000) == 4999);
  price_rule amount;
  amount.type = price_rule_type::amount;
  amount.amount = -500;
  CHECK(applied(amount, 1999) == 1499);
  amount.amount = 250;
  CHECK(applied(amount, 1999) == 2249);
}

TEST_CASE("round_to gives the nearest price with that ending, a tie going up", "[unit][pricing]") {
  auto rule = percent(0.0001);  // leaves the price as it is
  rule.round_to = 99;
  CHECK(applied(rule, 1234) == 1199);
  CHECK(applied(rule, 1270) == 1299);
  CHECK(applied(rule, 1249) == 1299);  // 50 either way: a tie goes up
  CHECK(applied(rule, 1299) == 1299);
  CHECK(applied(rule, 1300) == 1299);
  CHECK(applied(rule, 40) == 99);  // not below zero
  rule.round_to = 0;
  CHECK(applied(rule, 1234) == 1200);
  CHECK(applied(rule, 1251) == 1300);
  rule = percent(-10);
  rule.round_to = 95;
  CHECK(applied(rule, 2000) == 1795);  // 1800 → the nearest …95
}

TEST_CASE("min and max bound the result after rounding; never below one minor unit", "[unit][pricing]") {
  auto rule = percent(-50);
  rule.min_price = eur(800);
  CHECK(applied(rule, 1000) == 800);
  rule = percent(100);
  rule.max_price = eur(1500);
  rule.round_to = 99;
  CHECK(applied(rule, 1000) == 1500);  // 1999 then bounded: the bound wins over the ending
  price_rule amount;
  amount.type = price_rule_type::amount;
  amount.amount = -5000;
  CHECK(applied(amount, 1999) == 1);
  CHECK(applied(percent(-99.99), 1) == 1);
}

TEST_CASE("a price in another currency is refused for that product, not converted", "[unit][pricing]") {
  price_rule set;
  set.type = price_rule_type::set;
  set.price = {4999, "USD"};
  CHECK(refused(set, eur(1000)) == "currency_mismatch");
  auto rule = percent(-10);
  rule.min_price = money{500, "USD"};
  CHECK(refused(rule, eur(1000)) == "currency_mismatch");
  CHECK(std::get<money>(apply_rule(rule, {1000, "USD"})).amount == 900);
}

TEST_CASE("an unusable rule is refused with the field named", "[unit][pricing]") {
  auto field_of = [](const price_rule& r) {
    const auto why = validate(r);
    REQUIRE(why);
    CHECK(why->code == "validation_failed");
    return std::string(why->extra.at("field").as_string());
  };
  CHECK_FALSE(validate(percent(-10)));
  CHECK(field_of(percent(-100)) == "rule.percent");
  CHECK(field_of(percent(1000.5)) == "rule.percent");
  price_rule set;
  set.type = price_rule_type::set;
  set.price = eur(0);
  CHECK(field_of(set) == "rule.price");
  set.price = {100, "euro"};
  CHECK(field_of(set) == "rule.price");
  price_rule amount;
  amount.type = price_rule_type::amount;
  CHECK(field_of(amount) == "rule.amount");
  auto bounded = percent(5);
  bounded.min_price = eur(900);
  bounded.max_price = eur(800);
  CHECK(field_of(bounded) == "rule.min_price");
  bounded = percent(5);
  bounded.round_to = 100;
  CHECK(field_of(bounded) == "rule.round_to");
}
