// The campaign decider (domain/campaign.hpp) on plain values: the status machine, firing on the
// crossing only, the prior price kept for rollback, and the rollback's bookkeeping.
#include "domain/campaign.hpp"
#include "unit/domain_helpers.hpp"

#include <catch2/catch.hpp>

using namespace commerce::domain;
using namespace commerce::test;

namespace {

campaign_state active_below(std::int64_t threshold) {
  auto s = campaign_decider::initial("cmp-1");
  price_rule rule;
  rule.type = price_rule_type::percent;
  rule.percent = 20;
  require_accepted<campaign_decider>(s, create_campaign{"Scarce", {"MUG", "LAMP"}, "", {trigger_direction::below, threshold}, rule, 0, {}});
  require_accepted<campaign_decider>(s, set_campaign_status{campaign_status::active});
  return s;
}

// Each observation as of the product's next version.
bool fires(campaign_state& s, const std::string& sku, std::int64_t available) {
  static std::int64_t version = 0;
  const auto d = run<campaign_decider>(s, observe_inventory{sku, available, ++version});
  REQUIRE(d.accepted());
  return !d.events().empty() && std::get<campaign_crossing>(d.events()[0]).fired;
}

}  // namespace

TEST_CASE("an observation of a product version seen already changes nothing (a redelivery)", "[unit][pricing]") {
  auto s = active_below(10);
  REQUIRE(run<campaign_decider>(s, observe_inventory{"MUG", 5, 3}).events().size() == 1);   // fires
  REQUIRE(run<campaign_decider>(s, observe_inventory{"MUG", 15, 4}).events().size() == 1);  // back above
  // The same two again: nothing fires a second time.
  CHECK(run<campaign_decider>(s, observe_inventory{"MUG", 5, 3}).events().empty());
  CHECK(run<campaign_decider>(s, observe_inventory{"MUG", 15, 4}).events().empty());
  CHECK(s.trigger_count == 1);
}

TEST_CASE("a change that raced the rollback is recorded, and rolled back before it can finish", "[unit][pricing]") {
  auto s = active_below(10);
  require_accepted<campaign_decider>(s, request_rollback{});
  require_accepted<campaign_decider>(s, record_campaign_price{"MUG", {1000, "EUR"}, {1200, "EUR"}, "cmp-1/3"});
  CHECK(campaign_decider::rollback_left(s) == std::vector<std::string>{"MUG"});
  CHECK(run<campaign_decider>(s, finish_rollback{}).events().empty());
}

TEST_CASE("a campaign fires when the stock crosses its line, not on every change below it", "[unit][pricing]") {
  auto s = active_below(10);
  CHECK_FALSE(fires(s, "MUG", 50));
  CHECK_FALSE(fires(s, "MUG", 11));
  CHECK(fires(s, "MUG", 9));       // the crossing
  CHECK_FALSE(fires(s, "MUG", 5));  // still below
  CHECK_FALSE(fires(s, "MUG", 2));
  CHECK_FALSE(fires(s, "MUG", 20));  // back above: recorded, not a firing
  CHECK(fires(s, "MUG", 3));         // crossing again
  CHECK(fires(s, "LAMP", 0));        // another SKU, first seen below: fires once
  CHECK_FALSE(fires(s, "LAMP", 0));
  CHECK(s.trigger_count == 3);
  CHECK(s.last_triggered_at);
}

TEST_CASE("a campaign acts only while active, and moves only along its status machine", "[unit][pricing]") {
  auto s = campaign_decider::initial("cmp-1");
  price_rule rule;
  rule.type = price_rule_type::amount;
  rule.amount = -100;
  require_accepted<campaign_decider>(s, create_campaign{"C", {}, "mugs", {trigger_direction::above, 100}, rule, 1, {}});
  CHECK(s.status == campaign_status::draft);
  CHECK_FALSE(fires(s, "MUG", 500));  // a draft observes nothing
  CHECK(code_of(run<campaign_decider>(s, set_campaign_status{campaign_status::paused})) == "invalid_transition");
  CHECK(code_of(run<campaign_decider>(s, request_rollback{})) == "invalid_transition");
  require_accepted<campaign_decider>(s, set_campaign_status{campaign_status::active});
  require_accepted<campaign_decider>(s, set_campaign_status{campaign_status::paused});
  CHECK_FALSE(fires(s, "MUG", 500));  // paused
  require_accepted<campaign_decider>(s, set_campaign_status{campaign_status::active});
  CHECK(fires(s, "MUG", 500));
  CHECK(s.covers("ANY", "mugs"));
  CHECK_FALSE(s.covers("ANY", "lamps"));
  CHECK(code_of(run<campaign_decider>(s, set_campaign_status{campaign_status::rolled_back})) == "validation_failed");
}

TEST_CASE("a campaign keeps the price before its first change of each SKU, and rolls each back once", "[unit][pricing]") {
  auto s = active_below(10);
  require_accepted<campaign_decider>(s, record_campaign_price{"MUG", {1000, "EUR"}, {1200, "EUR"}, "cmp-1/3"});
  CHECK(run<campaign_decider>(s, record_campaign_price{"MUG", {1000, "EUR"}, {1200, "EUR"}, "cmp-1/3"}).events().empty());
  require_accepted<campaign_decider>(s, record_campaign_price{"MUG", {1200, "EUR"}, {1440, "EUR"}, "cmp-1/5"});
  require_accepted<campaign_decider>(s, record_campaign_price{"LAMP", {500, "EUR"}, {600, "EUR"}, "cmp-1/6", "reconciliation"});
  CHECK(s.prior_prices.at("MUG") == money{1000, "EUR"});  // the first change's
  CHECK(s.last_set.at("MUG") == money{1440, "EUR"});
  REQUIRE(s.audit.size() == 3);
  CHECK(s.audit[0].reason == "trigger");
  CHECK(s.audit[2].reason == "reconciliation");  // fired by a count the sweep found

  require_accepted<campaign_decider>(s, request_rollback{});
  CHECK(s.status == campaign_status::rolling_back);
  CHECK_FALSE(fires(s, "MUG", 50));  // no longer acting
  CHECK(campaign_decider::rollback_left(s) == std::vector<std::string>{"LAMP", "MUG"});
  CHECK(run<campaign_decider>(s, finish_rollback{}).events().empty());  // not before every SKU is done
  require_accepted<campaign_decider>(s, record_rollback{"MUG", {1440, "EUR"}, {1000, "EUR"}, false});
  CHECK(run<campaign_decider>(s, record_rollback{"MUG", {1440, "EUR"}, {1000, "EUR"}, false}).events().empty());  // once
  require_accepted<campaign_decider>(s, record_rollback{"LAMP", {700, "EUR"}, {700, "EUR"}, true});
  CHECK(s.audit.back().reason == "rollback_skipped");
  require_accepted<campaign_decider>(s, finish_rollback{});
  CHECK(s.status == campaign_status::rolled_back);
  CHECK(code_of(run<campaign_decider>(s, set_campaign_status{campaign_status::active})) == "invalid_transition");
}

TEST_CASE("a campaign is refused without products, with both skus and a category, or with a past end", "[unit][pricing]") {
  auto s = campaign_decider::initial("cmp-1");
  price_rule rule;
  rule.type = price_rule_type::percent;
  rule.percent = 5;
  CHECK(code_of(run<campaign_decider>(s, create_campaign{"C", {}, "", {}, rule, 0, {}})) == "validation_failed");
  CHECK(code_of(run<campaign_decider>(s, create_campaign{"C", {"A"}, "mugs", {}, rule, 0, {}})) == "validation_failed");
  CHECK(code_of(run<campaign_decider>(s, create_campaign{"C", {"A"}, "", {}, rule, 0, timestamp{1}})) == "validation_failed");
  CHECK(code_of(run<campaign_decider>(s, create_campaign{"C", {"A"}, "", {trigger_direction::below, -1}, rule, 0, {}})) ==
        "validation_failed");
  CHECK_FALSE(s.exists);
}
