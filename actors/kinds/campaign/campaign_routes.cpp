// Pricing campaigns (admin token; API.md, Pricing jobs and campaigns):
//   POST  /v1/campaigns {"name", "skus"? | "category"?, "trigger": {"inventory_below": n} |
//         {"inventory_above": n}, "rule", "priority"?, "ends_at"?}        201, status draft
//   PATCH /v1/campaigns/{id} {"status": "active" | "paused"}
//   POST  /v1/campaigns/{id}/rollback                                     202, status rolling_back
//   GET   /v1/campaigns/{id} · GET /v1/campaigns?status=&limit=&cursor=
//   GET   /v1/campaigns/{id}/audit?limit=&cursor=
#include "actors/gateway_call.hpp"
#include "api/pricing_json.hpp"
#include "common/secure.hpp"
#include "domain/campaign.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using campaign_reply = protocols::entity_reply<campaign_decider>;

boost::json::object campaign_view(const campaign_state& s, std::int64_t version) {
  boost::json::object trigger{{s.trigger.direction == trigger_direction::below ? "inventory_below" : "inventory_above",
                               s.trigger.threshold}};
  boost::json::array skus;
  for (const auto& sku : s.skus) skus.push_back(boost::json::value(sku));
  boost::json::object out{{"id", s.id},
                          {"name", s.name},
                          {"status", to_string(s.status)},
                          {"trigger", std::move(trigger)},
                          {"rule", price_rule_json(s.rule)},
                          {"priority", s.priority},
                          {"trigger_count", s.trigger_count},
                          {"version", version}};
  if (s.category.empty()) out["skus"] = std::move(skus);
  else out["category"] = s.category;
  out["last_triggered_at"] = s.last_triggered_at ? boost::json::value(to_iso8601(*s.last_triggered_at)) : nullptr;
  out["ends_at"] = s.ends_at ? boost::json::value(to_iso8601(*s.ends_at)) : nullptr;
  out["created_at"] = to_iso8601(s.created_at);
  return out;
}

void answer(const call_ptr& call, int status, const campaign_reply& reply) {
  call->respond(with_etag(json_response(status, campaign_view(reply.state, reply.version)), reply.version));
}

std::optional<rejection> read_create(const boost::json::object& body, create_campaign& c) {
  for (const auto& m : body)
    if (m.key() != "name" && m.key() != "skus" && m.key() != "category" && m.key() != "trigger" && m.key() != "rule" &&
        m.key() != "priority" && m.key() != "ends_at")
      return invalid_field(m.key(), "is not a field of a campaign");
  const auto* name = body.if_contains("name");
  if (!name || !name->is_string()) return invalid_field("name", "must be a string");
  c.name = std::string(name->as_string());
  if (const auto* skus = body.if_contains("skus")) {
    if (!skus->is_array()) return invalid_field("skus", "must be an array of SKUs");
    for (const auto& sku : skus->as_array()) {
      if (!sku.is_string()) return invalid_field("skus", "must hold strings");
      c.skus.emplace_back(sku.as_string());
    }
  }
  if (const auto* category = body.if_contains("category")) {
    if (!category->is_string() || category->as_string().empty()) return invalid_field("category", "must be a category's name");
    c.category = std::string(category->as_string());
  }
  const auto* trigger = body.if_contains("trigger");
  if (!trigger || !trigger->is_object() || trigger->as_object().size() != 1)
    return invalid_field("trigger", "must be {\"inventory_below\": n} or {\"inventory_above\": n}");
  const auto& [kind, threshold] = *trigger->as_object().begin();
  if ((kind != "inventory_below" && kind != "inventory_above") || !threshold.is_int64())
    return invalid_field("trigger", "must be {\"inventory_below\": n} or {\"inventory_above\": n}");
  c.trigger = {kind == "inventory_below" ? trigger_direction::below : trigger_direction::above, threshold.as_int64()};
  const auto* rule = body.if_contains("rule");
  if (!rule) return invalid_field("rule", "is required");
  auto read = read_price_rule(*rule);
  if (auto* why = std::get_if<rejection>(&read)) return *why;
  c.rule = std::get<price_rule>(read);
  if (const auto* priority = body.if_contains("priority")) {
    if (!priority->is_int64()) return invalid_field("priority", "must be an integer");
    c.priority = priority->as_int64();
  }
  if (const auto* ends = body.if_contains("ends_at")) {
    const auto at = ends->is_string() ? parse_iso8601(ends->as_string()) : std::nullopt;
    if (!at) return invalid_field("ends_at", "must be an ISO-8601 time");
    c.ends_at = *at;
  }
  return std::nullopt;
}

boost::json::object parsed_object(const call_ptr& call) {
  boost::json::error_code ec;
  auto v = boost::json::parse(call->request.body, ec);
  return !ec && v.is_object() ? std::move(v.as_object()) : boost::json::object{};
}

void create(const call_ptr& call) {
  create_campaign command;
  if (auto why = read_create(parsed_object(call), command)) return call->respond(rejection_response(*why));
  command_entity<campaign_decider>(call, "cmp_" + secure::random_hex(16), std::move(command), std::nullopt,
                                   [call](campaign_reply& reply) {
                                     call->respond(with_etag(json_response(201, campaign_view(reply.state, reply.version)),
                                                             reply.version));
                                   });
}

void patch(const call_ptr& call) {
  const auto body = parsed_object(call);
  const auto* status = body.if_contains("status");
  const auto parsed = status && status->is_string() ? campaign_status_from(status->as_string()) : std::nullopt;
  if (body.size() != 1 || !parsed)
    return call->respond(rejection_response(invalid_field("status", "must be active or paused (the only field)")));
  std::optional<std::int64_t> version;
  if (!read_if_match(call, version)) return;
  command_entity<campaign_decider>(call, call->param("id"), set_campaign_status{*parsed}, version,
                                   [call](campaign_reply& reply) { answer(call, 200, reply); });
}

void rollback(const call_ptr& call) {
  command_entity<campaign_decider>(call, call->param("id"), request_rollback{}, std::nullopt,
                                   [call](campaign_reply& reply) { answer(call, 202, reply); });
}

void get(const call_ptr& call) {
  read_entity<campaign_decider>(call, call->param("id"), "campaign " + call->param("id"),
                                [call](campaign_reply& reply) { answer(call, 200, reply); });
}

void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<campaign_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto status = query_param(call->request.target, "status"); !status.empty()) {
    if (!campaign_status_from(status))
      return call->respond(rejection_response(invalid_field("status", "must be a campaign status")));
    query.where.push_back({"status", status});
  }
  respond_with_page(call, std::move(query), limit, campaign_view);
}

// Pages by position: ?cursor= is the number of entries before the page.
void audit(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  const auto found = audit_offset(query_param(call->request.target, "cursor"));
  if (!found) return call->respond(rejection_response(invalid_field("cursor", "must be a cursor this API gave")));
  const auto offset = *found;
  read_entity<campaign_decider>(call, call->param("id"), "campaign " + call->param("id"),
                                [call, offset, limit](campaign_reply& reply) {
                                  boost::json::array items;
                                  const auto& entries = reply.state.audit;
                                  for (std::size_t i = offset; i < entries.size() && items.size() < limit; ++i)
                                    items.push_back({{"at", to_iso8601(entries[i].at)},
                                                     {"sku", entries[i].sku},
                                                     {"old_price", money_json(entries[i].old_price)},
                                                     {"new_price", money_json(entries[i].new_price)},
                                                     {"reason", entries[i].reason},
                                                     {"source", reply.state.id}});
                                  boost::json::value next = nullptr;
                                  if (offset + limit < entries.size()) next = std::to_string(offset + limit);
                                  call->respond(json_response(
                                      200, boost::json::object{{"items", std::move(items)}, {"next_cursor", next}}));
                                });
}

}  // namespace

void add_campaign_routes(gateway_routes& routes) {
  routes.add("POST", "/v1/campaigns", {true, create});
  routes.add("GET", "/v1/campaigns", {true, list});
  routes.add("GET", "/v1/campaigns/{id}", {true, get});
  routes.add("PATCH", "/v1/campaigns/{id}", {true, patch});
  routes.add("POST", "/v1/campaigns/{id}/rollback", {true, rollback});
  routes.add("GET", "/v1/campaigns/{id}/audit", {true, audit});
}

}  // namespace commerce::actors
