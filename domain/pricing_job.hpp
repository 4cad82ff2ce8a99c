// A pricing job (API.md, Pricing jobs and campaigns; seed 002's manual pricing job): a rule
// applied to a fixed set of SKUs in batches of 5, a result per SKU. Status machine:
//   queued → running → completed | completed_with_errors | failed
// The job is recorded first; a runner (actors/kinds/pricing_job/pricing_job_runner) applies
// each batch to the products and records its results here, batch by batch, so a crash between
// the two only repeats a batch, which the products take once (apply_price_rule's reference).
#pragma once

#include "domain/decision.hpp"
#include "domain/money.hpp"
#include "domain/price_rule.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

inline constexpr std::size_t pricing_batch_size = 5;
inline constexpr std::size_t max_pricing_job_skus = 10'000;

enum class pricing_job_status { queued, running, completed, completed_with_errors, failed };
BOOST_DESCRIBE_ENUM(pricing_job_status, queued, running, completed, completed_with_errors, failed)
std::string_view to_string(pricing_job_status s);

enum class pricing_result_status { updated, unchanged, failed };
BOOST_DESCRIBE_ENUM(pricing_result_status, updated, unchanged, failed)
std::string_view to_string(pricing_result_status s);

struct pricing_result {
  std::string sku;
  std::optional<money> old_price;  // none when the product could not be read
  std::optional<money> new_price;
  pricing_result_status status = pricing_result_status::unchanged;
  std::string reason;  // why it failed
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(pricing_result, (), (sku, old_price, new_price, status, reason, at))

struct pricing_job_state {
  std::string id;
  bool exists = false;
  std::string name;
  price_rule rule;
  bool dry_run = false;
  std::vector<std::string> skus;
  pricing_job_status status = pricing_job_status::queued;
  std::vector<pricing_result> results;  // in SKU order, batch by batch
  std::size_t batches_done = 0;
  timestamp created_at;
  std::optional<timestamp> finished_at;

  std::size_t batches() const { return (skus.size() + pricing_batch_size - 1) / pricing_batch_size; }
  bool finished() const { return status != pricing_job_status::queued && status != pricing_job_status::running; }
};
BOOST_DESCRIBE_STRUCT(pricing_job_state, (), (id, exists, name, rule, dry_run, skus, status, results, batches_done,
                                              created_at, finished_at))

// --- commands ---------------------------------------------------------------------------------

struct create_pricing_job {
  static constexpr std::string_view type_name = "CreatePricingJob";
  std::string name; price_rule rule; std::vector<std::string> skus; bool dry_run = false;
};
// The results of batch `batch` (0-based); a batch recorded already changes nothing.
struct record_pricing_batch {
  static constexpr std::string_view type_name = "RecordPricingBatch";
  std::size_t batch = 0; std::vector<pricing_result> results;
};
BOOST_DESCRIBE_STRUCT(create_pricing_job, (), (name, rule, skus, dry_run))
BOOST_DESCRIBE_STRUCT(record_pricing_batch, (), (batch, results))
using pricing_job_command = std::variant<create_pricing_job, record_pricing_batch>;

// --- events -----------------------------------------------------------------------------------

struct pricing_job_created {
  static constexpr std::string_view type_name = "PricingJobCreated";
  static constexpr int schema_version = 1;
  std::string name; price_rule rule; std::vector<std::string> skus; bool dry_run = false; timestamp at;
};
struct pricing_batch_recorded {
  static constexpr std::string_view type_name = "PricingBatchRecorded";
  static constexpr int schema_version = 1;
  std::size_t batch = 0; std::vector<pricing_result> results; timestamp at;
};
// After the last batch: completed, completed_with_errors (some SKU failed) or failed (all did).
struct pricing_job_finished {
  static constexpr std::string_view type_name = "PricingJobFinished";
  static constexpr int schema_version = 1;
  pricing_job_status status = pricing_job_status::completed; timestamp at;
};
BOOST_DESCRIBE_STRUCT(pricing_job_created, (), (name, rule, skus, dry_run, at))
BOOST_DESCRIBE_STRUCT(pricing_batch_recorded, (), (batch, results, at))
BOOST_DESCRIBE_STRUCT(pricing_job_finished, (), (status, at))
using pricing_job_event = std::variant<pricing_job_created, pricing_batch_recorded, pricing_job_finished>;

// --- decider ----------------------------------------------------------------------------------

struct pricing_job_decider {
  using state = pricing_job_state;
  using command = pricing_job_command;
  using event = pricing_job_event;
  static constexpr std::string_view stream_type = "pricing_job";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // The SKUs of batch `batch`.
  static std::vector<std::string> batch_skus(const state& s, std::size_t batch);
};

}  // namespace commerce::domain
