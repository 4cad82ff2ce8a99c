// The reconciliation sweep's decider (domain/reconciliation.hpp) and the product's side of a
// count found twice (domain/inventory.hpp, count_stock).
#include "domain/inventory.hpp"
#include "domain/reconciliation.hpp"
#include "unit/domain_helpers.hpp"

#include <catch2/catch.hpp>

using namespace commerce::domain;
using namespace commerce::test;

TEST_CASE("a sweep records its pages in order, each once, and finishes", "[reconciliation]") {
  auto s = reconciliation_decider::initial("rec_schedule_7");
  CHECK(code_of(run<reconciliation_decider>(s, finish_sweep{})) == "not_found");
  require_accepted<reconciliation_decider>(s, request_sweep{sweep_reason::schedule});
  // Asked again for the same period (a restart, another node): nothing new.
  CHECK(run<reconciliation_decider>(s, request_sweep{sweep_reason::operator_request}).events().empty());
  CHECK(s.reason == sweep_reason::schedule);

  const std::vector<sweep_difference> found{{"A", 5, 10, {t0.now.ms_since_epoch - 1}}};
  CHECK(code_of(run<reconciliation_decider>(s, record_sweep_page{1, "Z", 50, {}})) == "validation_failed");  // page 0 first
  require_accepted<reconciliation_decider>(s, record_sweep_page{0, "M", 50, found});
  CHECK(run<reconciliation_decider>(s, record_sweep_page{0, "M", 50, found}).events().empty());  // again: nothing
  CHECK(code_of(run<reconciliation_decider>(s, record_sweep_page{1, "M", 3, {}})) == "validation_failed");  // no progress
  require_accepted<reconciliation_decider>(s, record_sweep_page{1, "Q", 3, {}});
  CHECK(s.pages == 2);
  CHECK(s.cursor == "Q");
  CHECK(s.checked == 53);
  REQUIRE(s.differences.size() == 1);
  CHECK(s.differences[0].now == 10);

  require_accepted<reconciliation_decider>(s, finish_sweep{});
  CHECK(s.status == sweep_status::finished);
  CHECK(run<reconciliation_decider>(s, finish_sweep{}).events().empty());
  CHECK(run<reconciliation_decider>(s, record_sweep_page{2, "R", 1, {}}).events().empty());  // finished: nothing more
}

TEST_CASE("a count found again from another source changes nothing unless it moves on hand", "[reconciliation][inventory]") {
  auto p = inventory_decider::initial("A");
  require_accepted<inventory_decider>(p, define_product{"Mug", {1299, "USD"}, ""});
  const timestamp counted{t0.now.ms_since_epoch - 1000};
  require_accepted<inventory_decider>(p, count_stock{10, counted, "webhook:w-1"});
  CHECK(p.on_hand == 10);
  // The sweep found the same count as the webhook brought: the same time, on hand as it says.
  CHECK(run<inventory_decider>(p, count_stock{10, counted, "reconciliation:reconcile-rec_1-A"}).events().empty());
  // The same time but another count (two changes within the platform's clock tick): applied.
  require_accepted<inventory_decider>(p, count_stock{8, counted, "webhook:w-2"});
  CHECK(p.on_hand == 8);
  // Older than the last applied, whatever it says: nothing.
  CHECK(run<inventory_decider>(p, count_stock{3, {counted.ms_since_epoch - 1}, "reconciliation:x"}).events().empty());
  CHECK(p.on_hand == 8);
}
