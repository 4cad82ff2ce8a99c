#include "api/pricing_json.hpp"

#include "api/api_json.hpp"

#include <cmath>

namespace commerce::actors {

namespace {

using domain::invalid_field;
using domain::rejection;

std::optional<rejection> read_money(const boost::json::object& o, std::string_view key, domain::money& out) {
  const std::string field = "rule." + std::string(key);
  const auto* v = o.if_contains(key);
  if (!v || !v->is_object()) return invalid_field(field, "must be {\"amount\": integer, \"currency\": \"ISO code\"}");
  const auto& m = v->as_object();
  const auto* amount = m.if_contains("amount");
  const auto* currency = m.if_contains("currency");
  if (m.size() != 2 || !amount || !amount->is_int64() || !currency || !currency->is_string())
    return invalid_field(field, "must be {\"amount\": integer, \"currency\": \"ISO code\"}");
  out = {amount->as_int64(), std::string(currency->as_string())};
  return std::nullopt;
}

}  // namespace

std::variant<domain::price_rule, rejection> read_price_rule(const boost::json::value& value) {
  if (!value.is_object()) return invalid_field("rule", "must be an object with a \"type\"");
  const auto& o = value.as_object();
  domain::price_rule rule;
  const auto* type = o.if_contains("type");
  const auto parsed = type && type->is_string() ? domain::price_rule_type_from(type->as_string()) : std::nullopt;
  if (!parsed) return invalid_field("rule.type", "must be percent, set or amount");
  rule.type = *parsed;
  for (const auto& member : o) {
    const auto key = member.key();
    const bool known = key == "type" || key == "min_price" || key == "max_price" || key == "round_to" ||
                       (key == "percent" && rule.type == domain::price_rule_type::percent) ||
                       (key == "price" && rule.type == domain::price_rule_type::set) ||
                       (key == "amount" && rule.type == domain::price_rule_type::amount);
    if (!known) return invalid_field("rule." + std::string(key), "is not a field of a " + std::string(type->as_string()) + " rule");
  }
  switch (rule.type) {
    case domain::price_rule_type::percent: {
      const auto* p = o.if_contains("percent");
      if (!p || !(p->is_int64() || p->is_double())) return invalid_field("rule.percent", "must be a number");
      rule.percent = p->is_int64() ? static_cast<double>(p->as_int64()) : p->as_double();
      break;
    }
    case domain::price_rule_type::set:
      if (auto why = read_money(o, "price", rule.price)) return *why;
      break;
    case domain::price_rule_type::amount: {
      const auto* a = o.if_contains("amount");
      if (!a || !a->is_int64()) return invalid_field("rule.amount", "must be an integer of minor units");
      rule.amount = a->as_int64();
      break;
    }
  }
  for (auto [key, slot] : {std::pair<std::string_view, std::optional<domain::money>*>{"min_price", &rule.min_price},
                           {"max_price", &rule.max_price}})
    if (o.contains(key)) {
      domain::money m;
      if (auto why = read_money(o, key, m)) return *why;
      *slot = m;
    }
  if (const auto* r = o.if_contains("round_to")) {
    if (!r->is_int64() || r->as_int64() < 0 || r->as_int64() > 99)
      return invalid_field("rule.round_to", "must be between 0 and 99 (the minor units a price ends in)");
    rule.round_to = static_cast<int>(r->as_int64());
  }
  if (auto why = domain::validate(rule)) return *why;
  return rule;
}

std::optional<std::size_t> audit_offset(std::string_view cursor) {
  if (cursor.empty()) return 0;
  if (cursor.size() > 9 || cursor.find_first_not_of("0123456789") != std::string_view::npos) return std::nullopt;
  return std::stoul(std::string(cursor));
}

boost::json::object price_rule_json(const domain::price_rule& rule) {
  boost::json::object out{{"type", domain::to_string(rule.type)}};
  switch (rule.type) {
    case domain::price_rule_type::percent:  // -10, not -1E1
      if (rule.percent == std::trunc(rule.percent)) out["percent"] = static_cast<std::int64_t>(rule.percent);
      else out["percent"] = rule.percent;
      break;
    case domain::price_rule_type::set: out["price"] = money_json(rule.price); break;
    case domain::price_rule_type::amount: out["amount"] = rule.amount; break;
  }
  if (rule.min_price) out["min_price"] = money_json(*rule.min_price);
  if (rule.max_price) out["max_price"] = money_json(*rule.max_price);
  if (rule.round_to) out["round_to"] = *rule.round_to;
  return out;
}

namespace {
boost::json::value money_or_null(const std::optional<domain::money>& m) {
  return m ? boost::json::value(money_json(*m)) : boost::json::value(nullptr);
}
}  // namespace

boost::json::object pricing_job_view(const domain::pricing_job_state& s, std::int64_t version) {
  boost::json::array results;
  for (const auto& r : s.results) {
    boost::json::object item{{"sku", r.sku},
                             {"old_price", money_or_null(r.old_price)},
                             {"new_price", money_or_null(r.new_price)},
                             {"status", domain::to_string(r.status)}};
    if (!r.reason.empty()) item["reason"] = r.reason;
    results.push_back(std::move(item));
  }
  boost::json::object out{{"id", s.id},
                          {"name", s.name},
                          {"status", domain::to_string(s.status)},
                          {"rule", price_rule_json(s.rule)},
                          {"dry_run", s.dry_run},
                          {"progress", {{"done", s.results.size()}, {"total", s.skus.size()}}},
                          {"results", std::move(results)},
                          {"created_at", domain::to_iso8601(s.created_at)},
                          {"version", version}};
  out["finished_at"] = s.finished_at ? boost::json::value(domain::to_iso8601(*s.finished_at)) : boost::json::value(nullptr);
  return out;
}

boost::json::array pricing_job_audit(const domain::pricing_job_state& s, std::size_t offset, std::size_t limit) {
  boost::json::array out;
  std::size_t seen = 0;
  for (const auto& r : s.results) {
    if (r.status != domain::pricing_result_status::updated || s.dry_run) continue;
    if (seen++ < offset) continue;
    if (out.size() == limit) break;
    out.push_back({{"at", domain::to_iso8601(r.at)},
                   {"sku", r.sku},
                   {"old_price", money_or_null(r.old_price)},
                   {"new_price", money_or_null(r.new_price)},
                   {"reason", "job"},
                   {"source", s.id}});
  }
  return out;
}

}  // namespace commerce::actors
