// The JSON of pricing (API.md, Pricing jobs and campaigns): a price rule read strictly from a
// request, and the views of a pricing job and of its audit trail.
#pragma once

#include "domain/price_rule.hpp"
#include "domain/pricing_job.hpp"

#include <boost/json.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace commerce::actors {

// `{"type": "percent", "percent": -10}` · `{"type": "set", "price": money}` ·
// `{"type": "amount", "amount": -500}`, with optional "min_price", "max_price" and "round_to";
// or a 422 naming the field ("rule.percent", ...). Validated (domain::validate) too.
std::variant<domain::price_rule, domain::rejection> read_price_rule(const boost::json::value& rule);

// An audit trail's ?cursor= (the number of entries before the page, as next_cursor gives it):
// 0 when empty, nullopt when it is not one this API gave.
std::optional<std::size_t> audit_offset(std::string_view cursor);

boost::json::object price_rule_json(const domain::price_rule& rule);
boost::json::object pricing_job_view(const domain::pricing_job_state& s, std::int64_t version);
// The job's audit entries [{"at", "sku", "old_price", "new_price", "reason": "job", "source"}],
// `limit` of them from `offset`: only the SKUs whose price changed.
boost::json::array pricing_job_audit(const domain::pricing_job_state& s, std::size_t offset, std::size_t limit);

}  // namespace commerce::actors
