// The pricing job decider and the product's side of a price change (domain/pricing_job.hpp,
// domain/inventory.hpp's apply_price_rule), on plain values.
#include "domain/inventory.hpp"
#include "domain/pricing_job.hpp"
#include "unit/domain_helpers.hpp"

#include <catch2/catch.hpp>

using namespace commerce::domain;
using namespace commerce::test;

namespace {

price_rule ten_percent_off() {
  price_rule r;
  r.type = price_rule_type::percent;
  r.percent = -10;
  return r;
}

std::vector<std::string> skus(int n) {
  std::vector<std::string> out;
  for (int i = 1; i <= n; ++i) out.push_back("S" + std::to_string(i));
  return out;
}

std::vector<pricing_result> results_for(const pricing_job_state& s, std::size_t batch, pricing_result_status status) {
  std::vector<pricing_result> out;
  for (const auto& sku : pricing_job_decider::batch_skus(s, batch)) out.push_back({sku, {}, {}, status, "", t0.now});
  return out;
}

}  // namespace

TEST_CASE("a job over 23 SKUs runs in 5 batches, a result per SKU, and finishes once", "[unit][pricing]") {
  auto s = pricing_job_decider::initial("job-1");
  require_accepted<pricing_job_decider>(s, create_pricing_job{"Winter", ten_percent_off(), skus(23), false});
  CHECK(s.status == pricing_job_status::queued);
  REQUIRE(s.batches() == 5);
  CHECK(pricing_job_decider::batch_skus(s, 4) == std::vector<std::string>{"S21", "S22", "S23"});
  for (std::size_t b = 0; b < 5; ++b) {
    // Out of order or for other SKUs: refused.
    CHECK(code_of(run<pricing_job_decider>(s, record_pricing_batch{b + 1, results_for(s, b + 1, pricing_result_status::updated)})) ==
          "validation_failed");
    auto wrong = results_for(s, b, pricing_result_status::updated);
    wrong.front().sku = "OTHER";
    CHECK(code_of(run<pricing_job_decider>(s, record_pricing_batch{b, wrong})) == "validation_failed");
    require_accepted<pricing_job_decider>(s, record_pricing_batch{b, results_for(s, b, pricing_result_status::updated)});
    // The same batch again (a redelivery): nothing more.
    const auto again = run<pricing_job_decider>(s, record_pricing_batch{b, results_for(s, b, pricing_result_status::updated)});
    REQUIRE(again.accepted());
    CHECK(again.events().empty());
  }
  CHECK(s.results.size() == 23);
  CHECK(s.status == pricing_job_status::completed);
  CHECK(s.finished_at);
}

TEST_CASE("a job's end status says whether some or all SKUs failed", "[unit][pricing]") {
  for (const auto& [failing, expected] : std::vector<std::pair<int, pricing_job_status>>{
           {0, pricing_job_status::completed}, {1, pricing_job_status::completed_with_errors}, {2, pricing_job_status::failed}}) {
    auto s = pricing_job_decider::initial("job-1");
    require_accepted<pricing_job_decider>(s, create_pricing_job{"Two", ten_percent_off(), skus(2), false});
    auto results = results_for(s, 0, pricing_result_status::updated);
    for (int i = 0; i < failing; ++i) results[static_cast<std::size_t>(i)].status = pricing_result_status::failed;
    require_accepted<pricing_job_decider>(s, record_pricing_batch{0, results});
    CHECK(s.status == expected);
  }
}

TEST_CASE("a job is refused without SKUs, with a SKU twice or with a bad rule", "[unit][pricing]") {
  auto s = pricing_job_decider::initial("job-1");
  CHECK(code_of(run<pricing_job_decider>(s, create_pricing_job{"", ten_percent_off(), skus(2), false})) == "validation_failed");
  CHECK(code_of(run<pricing_job_decider>(s, create_pricing_job{"J", ten_percent_off(), {}, false})) == "validation_failed");
  CHECK(code_of(run<pricing_job_decider>(s, create_pricing_job{"J", ten_percent_off(), {"A", "A"}, false})) == "validation_failed");
  CHECK(code_of(run<pricing_job_decider>(s, create_pricing_job{"J", ten_percent_off(), {"bad sku"}, false})) == "validation_failed");
  auto rule = ten_percent_off();
  rule.percent = -150;
  CHECK(code_of(run<pricing_job_decider>(s, create_pricing_job{"J", rule, {"A"}, false})) == "validation_failed");
  CHECK_FALSE(s.exists);
}

TEST_CASE("a product takes a job's price change once, however often it is sent", "[unit][pricing]") {
  auto p = inventory_decider::initial("MUG");
  require_accepted<inventory_decider>(p, define_product{"Mug", {2000, "EUR"}, ""});
  const auto first = run<inventory_decider>(p, apply_price_rule{ten_percent_off(), price_cause::job, "job-1"});
  REQUIRE(first.accepted());
  REQUIRE(first.events().size() == 1);
  const auto& changed = std::get<price_changed>(first.events()[0]);
  CHECK(changed.old_price == money{2000, "EUR"});
  CHECK(changed.new_price == money{1800, "EUR"});
  CHECK(p.price == money{1800, "EUR"});
  // The same job again (a batch run twice): nothing, and the change is there to report.
  CHECK(run<inventory_decider>(p, apply_price_rule{ten_percent_off(), price_cause::job, "job-1"}).events().empty());
  CHECK(p.price == money{1800, "EUR"});
  REQUIRE(p.recent_price_changes.size() == 1);
  CHECK(p.recent_price_changes[0].reference == "job-1");
  // Another job applies again; one in another currency fails for this product.
  require_accepted<inventory_decider>(p, apply_price_rule{ten_percent_off(), price_cause::job, "job-2"});
  CHECK(p.price == money{1620, "EUR"});
  price_rule usd;
  usd.type = price_rule_type::set;
  usd.price = {999, "USD"};
  CHECK(code_of(run<inventory_decider>(p, apply_price_rule{usd, price_cause::job, "job-3"})) == "currency_mismatch");
  // The memory of references is bounded.
  for (int i = 0; i < 40; ++i)
    require_accepted<inventory_decider>(p, apply_price_rule{ten_percent_off(), price_cause::campaign, "c-" + std::to_string(i)});
  CHECK(p.recent_price_changes.size() == max_recent_price_changes);
  CHECK(p.price.amount >= 1);
}
