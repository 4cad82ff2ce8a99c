// A reconciliation sweep: the store platform's counts read page by page and compared with the
// last known, so that a webhook the platform dropped or the node missed is found (API.md, Store
// platform). Each difference is recorded as a webhook of its own would be (topic
// `reconciliation`, domain/webhook.hpp) and applied the same way; the sweep keeps what it found.
//
// Pages go in SKU order: a page recorded (its cursor is the last SKU it covered) is the step the
// sweep resumes after, on any node, after a crash. Recording a page again changes nothing.
// Status machine: running → finished.
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

enum class sweep_status { running, finished };
BOOST_DESCRIBE_ENUM(sweep_status, running, finished)
std::string_view to_string(sweep_status s);

// Why a sweep ran: the schedule (every pricing.reconcile_interval) or an operator.
enum class sweep_reason { schedule, operator_request };
BOOST_DESCRIBE_ENUM(sweep_reason, schedule, operator_request)
std::string_view to_string(sweep_reason r);

// A count the platform holds that the node did not: its on_hand was `was`, the platform says `now`.
struct sweep_difference {
  std::string sku;
  std::int64_t was = 0;
  std::int64_t now = 0;
  timestamp counted_at;  // the platform's time of the count
};
BOOST_DESCRIBE_STRUCT(sweep_difference, (), (sku, was, now, counted_at))

struct reconciliation_state {
  std::string id;
  bool exists = false;
  sweep_status status = sweep_status::running;
  sweep_reason reason = sweep_reason::schedule;
  timestamp requested_at;
  std::int64_t pages = 0;    // recorded so far
  std::string cursor;        // the last SKU covered ("" before the first page)
  std::int64_t checked = 0;  // SKUs compared
  std::vector<sweep_difference> differences;
  timestamp finished_at;
};
BOOST_DESCRIBE_STRUCT(reconciliation_state, (), (id, exists, status, reason, requested_at, pages, cursor, checked,
                                                 differences, finished_at))

// --- commands ---------------------------------------------------------------------------------

// Starts the sweep; a sweep requested already changes nothing (the schedule asks once per period
// under the period's id, from whichever node holds the singletons).
struct request_sweep {
  static constexpr std::string_view type_name = "RequestSweep";
  sweep_reason reason = sweep_reason::schedule;
};
// Page `page` (0-based) compared: `checked` SKUs up to `cursor`, with what differed (already
// recorded as webhooks). A page recorded already changes nothing.
struct record_sweep_page {
  static constexpr std::string_view type_name = "RecordSweepPage";
  std::int64_t page = 0; std::string cursor; std::int64_t checked = 0; std::vector<sweep_difference> differences;
};
// No SKU after the cursor: the sweep is done.
struct finish_sweep { static constexpr std::string_view type_name = "FinishSweep"; };
BOOST_DESCRIBE_STRUCT(request_sweep, (), (reason))
BOOST_DESCRIBE_STRUCT(record_sweep_page, (), (page, cursor, checked, differences))
BOOST_DESCRIBE_STRUCT(finish_sweep, (), ())
using reconciliation_command = std::variant<request_sweep, record_sweep_page, finish_sweep>;

// --- events -----------------------------------------------------------------------------------

struct sweep_requested {
  static constexpr std::string_view type_name = "SweepRequested";
  static constexpr int schema_version = 1;
  sweep_reason reason = sweep_reason::schedule; timestamp at;
};
struct sweep_page_recorded {
  static constexpr std::string_view type_name = "SweepPageRecorded";
  static constexpr int schema_version = 1;
  std::int64_t page = 0; std::string cursor; std::int64_t checked = 0; std::vector<sweep_difference> differences;
  timestamp at;
};
struct sweep_finished {
  static constexpr std::string_view type_name = "SweepFinished";
  static constexpr int schema_version = 1;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(sweep_requested, (), (reason, at))
BOOST_DESCRIBE_STRUCT(sweep_page_recorded, (), (page, cursor, checked, differences, at))
BOOST_DESCRIBE_STRUCT(sweep_finished, (), (at))
using reconciliation_event = std::variant<sweep_requested, sweep_page_recorded, sweep_finished>;

// --- decider ----------------------------------------------------------------------------------

inline constexpr std::size_t sweep_page_size = 50;  // SKUs per call to the platform

struct reconciliation_decider {
  using state = reconciliation_state;
  using command = reconciliation_command;
  using event = reconciliation_event;
  static constexpr std::string_view stream_type = "reconciliation";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
