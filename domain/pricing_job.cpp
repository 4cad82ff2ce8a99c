#include "domain/pricing_job.hpp"

#include "domain/inventory.hpp"

#include <algorithm>
#include <set>

namespace commerce::domain {

std::string_view to_string(pricing_job_status s) {
  switch (s) {
    case pricing_job_status::queued: return "queued";
    case pricing_job_status::running: return "running";
    case pricing_job_status::completed: return "completed";
    case pricing_job_status::completed_with_errors: return "completed_with_errors";
    case pricing_job_status::failed: return "failed";
  }
  return "queued";
}

std::string_view to_string(pricing_result_status s) {
  switch (s) {
    case pricing_result_status::updated: return "updated";
    case pricing_result_status::unchanged: return "unchanged";
    case pricing_result_status::failed: return "failed";
  }
  return "unchanged";
}

pricing_job_state pricing_job_decider::initial(std::string id) {
  pricing_job_state s;
  s.id = std::move(id);
  return s;
}

std::vector<std::string> pricing_job_decider::batch_skus(const state& s, std::size_t batch) {
  const auto from = std::min(s.skus.size(), batch * pricing_batch_size);
  const auto to = std::min(s.skus.size(), from + pricing_batch_size);
  return {s.skus.begin() + static_cast<std::ptrdiff_t>(from), s.skus.begin() + static_cast<std::ptrdiff_t>(to)};
}

namespace {

using result = decision<pricing_job_event>;

result decide_create(const pricing_job_state& s, const create_pricing_job& c, const context& ctx) {
  if (s.exists) return result::nothing();  // created already (a retried request)
  if (c.name.empty() || c.name.size() > 200) return invalid_field("name", "must be 1-200 characters");
  if (c.skus.empty()) return invalid_field("skus", "must name at least one product (or a category that has some)");
  if (c.skus.size() > max_pricing_job_skus)
    return invalid_field("skus", "must name at most " + std::to_string(max_pricing_job_skus) + " products");
  std::set<std::string> seen;
  for (const auto& sku : c.skus) {
    if (!valid_sku(sku)) return invalid_field("skus", "'" + sku + "' is not a SKU");
    if (!seen.insert(sku).second) return invalid_field("skus", "'" + sku + "' is named twice");
  }
  if (auto why = validate(c.rule)) return *why;
  return pricing_job_created{c.name, c.rule, c.skus, c.dry_run, ctx.now};
}

result decide_batch(const pricing_job_state& s, const record_pricing_batch& c, const context& ctx) {
  if (!s.exists) return not_found("pricing job " + s.id);
  if (c.batch < s.batches_done || s.finished()) return result::nothing();  // recorded already
  if (c.batch != s.batches_done)
    return invalid_field("batch", "batch " + std::to_string(s.batches_done) + " comes next, not " + std::to_string(c.batch));
  const auto expected = pricing_job_decider::batch_skus(s, c.batch);
  if (c.results.size() != expected.size())
    return invalid_field("results", "one result per SKU of the batch (" + std::to_string(expected.size()) + ")");
  for (std::size_t i = 0; i < expected.size(); ++i)
    if (c.results[i].sku != expected[i]) return invalid_field("results", "results out of the batch's SKU order");
  std::vector<pricing_job_event> events{pricing_batch_recorded{c.batch, c.results, ctx.now}};
  if (c.batch + 1 == s.batches()) {
    std::size_t failed = 0;
    for (const auto& r : s.results) failed += r.status == pricing_result_status::failed;
    for (const auto& r : c.results) failed += r.status == pricing_result_status::failed;
    const auto status = failed == 0                 ? pricing_job_status::completed
                        : failed == s.skus.size()   ? pricing_job_status::failed
                                                    : pricing_job_status::completed_with_errors;
    events.push_back(pricing_job_finished{status, ctx.now});
  }
  return events;
}

}  // namespace

decision<pricing_job_event> pricing_job_decider::decide(const state& s, const command& c, const context& ctx) {
  return std::visit(overloaded{
                        [&](const create_pricing_job& x) { return decide_create(s, x, ctx); },
                        [&](const record_pricing_batch& x) { return decide_batch(s, x, ctx); },
                    },
                    c);
}

pricing_job_state pricing_job_decider::evolve(state s, const event& e) {
  std::visit(overloaded{
                 [&](const pricing_job_created& x) {
                   s.exists = true;
                   s.name = x.name;
                   s.rule = x.rule;
                   s.skus = x.skus;
                   s.dry_run = x.dry_run;
                   s.created_at = x.at;
                   s.status = pricing_job_status::queued;
                 },
                 [&](const pricing_batch_recorded& x) {
                   s.status = pricing_job_status::running;
                   s.results.insert(s.results.end(), x.results.begin(), x.results.end());
                   s.batches_done = x.batch + 1;
                 },
                 [&](const pricing_job_finished& x) {
                   s.status = x.status;
                   s.finished_at = x.at;
                 },
             },
             e);
  return s;
}

}  // namespace commerce::domain
