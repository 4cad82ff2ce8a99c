// Pricing jobs (admin token; API.md, Pricing jobs and campaigns):
//   POST /v1/pricing-jobs {"name", "skus"? | "category"?, "rule", "dry_run"?} → 202 {"id", "status": "queued"}
//   GET  /v1/pricing-jobs?status=&limit=&cursor=   the jobs in id order, without their results
//   GET  /v1/pricing-jobs/{id}         the job, its progress and a result per SKU
//   GET  /v1/pricing-jobs/{id}/audit?limit=&cursor=   the prices it changed
// A category is resolved to its SKUs when the job is created (the catalog's read model), so
// the job's set is fixed from then on.
#include "actors/gateway_call.hpp"
#include "api/pricing_json.hpp"
#include "common/secure.hpp"
#include "domain/inventory.hpp"
#include "domain/pricing_job.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using job_reply = protocols::entity_reply<pricing_job_decider>;

void create_job(const call_ptr& call, create_pricing_job command) {
  const auto id = "job_" + secure::random_hex(16);
  command_entity<pricing_job_decider>(call, id, std::move(command), std::nullopt, [call](job_reply& reply) {
    auto r = json_response(202, boost::json::object{{"id", reply.state.id}, {"status", to_string(reply.state.status)}});
    r.headers.emplace_back("Location", "/v1/pricing-jobs/" + reply.state.id);
    call->respond(std::move(r));
  });
}

void post_job(const call_ptr& call) {
  boost::json::error_code ec;
  const auto parsed = boost::json::parse(call->request.body, ec);
  if (ec || !parsed.is_object()) return call->respond(rejection_response(invalid_field("body", "must be a JSON object")));
  const auto& body = parsed.as_object();
  for (const auto& member : body)
    if (member.key() != "name" && member.key() != "skus" && member.key() != "category" && member.key() != "rule" &&
        member.key() != "dry_run")
      return call->respond(rejection_response(invalid_field(member.key(), "is not a field of a pricing job")));
  create_pricing_job command;
  const auto* name = body.if_contains("name");
  if (!name || !name->is_string()) return call->respond(rejection_response(invalid_field("name", "must be a string")));
  command.name = std::string(name->as_string());
  const auto* rule = body.if_contains("rule");
  if (!rule) return call->respond(rejection_response(invalid_field("rule", "is required")));
  auto read = read_price_rule(*rule);
  if (auto* why = std::get_if<rejection>(&read)) return call->respond(rejection_response(*why));
  command.rule = std::get<price_rule>(read);
  if (const auto* dry = body.if_contains("dry_run")) {
    if (!dry->is_bool()) return call->respond(rejection_response(invalid_field("dry_run", "must be true or false")));
    command.dry_run = dry->as_bool();
  }
  const auto* skus = body.if_contains("skus");
  const auto* category = body.if_contains("category");
  if ((skus != nullptr) == (category != nullptr))
    return call->respond(rejection_response(invalid_field("skus", "give either skus or a category")));
  if (skus) {
    if (!skus->is_array() || skus->as_array().size() > max_pricing_job_skus)
      return call->respond(rejection_response(invalid_field("skus", "must be an array of at most 10,000 SKUs")));
    for (const auto& sku : skus->as_array()) {
      if (!sku.is_string()) return call->respond(rejection_response(invalid_field("skus", "must hold strings")));
      command.skus.emplace_back(sku.as_string());
    }
    return create_job(call, std::move(command));
  }
  if (!category->is_string() || category->as_string().empty())
    return call->respond(rejection_response(invalid_field("category", "must be a category's name")));
  const auto view = call->services().views.of<inventory_decider>();
  if (!view) return call->respond(unavailable("the catalog's read model is not running"));
  view_query<inventory_decider> query;
  query.where = {{"exists", "true"}, {"category", std::string(category->as_string())}};
  query.limit = max_pricing_job_skus + 1;
  call->self->request(view, call->options().request_timeout, caf::get_atom::value, std::move(query))
      .then(
          [call, command](view_page<inventory_decider>& page) mutable {
            if (page.items.size() > max_pricing_job_skus)
              return call->respond(rejection_response(invalid_field("category", "holds more than 10,000 products")));
            for (const auto& item : page.items) command.skus.push_back(item.state.sku);
            create_job(call, std::move(command));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// A job in a list: what it is and how far it got; its results are read one job at a time.
boost::json::object job_summary(const pricing_job_state& s, std::int64_t version) {
  boost::json::object out{{"id", s.id},
                          {"name", s.name},
                          {"status", to_string(s.status)},
                          {"dry_run", s.dry_run},
                          {"skus", s.skus.size()},
                          {"batches", s.batches()},
                          {"batches_done", s.batches_done},
                          {"created_at", to_iso8601(s.created_at)},
                          {"version", version}};
  out["finished_at"] = s.finished_at ? boost::json::value(to_iso8601(*s.finished_at)) : boost::json::value(nullptr);
  return out;
}

void list_jobs(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<pricing_job_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto status = query_param(call->request.target, "status"); !status.empty())
    query.where.push_back({"status", status});
  respond_with_page(call, std::move(query), limit, job_summary);
}

void get_job(const call_ptr& call) {
  read_entity<pricing_job_decider>(call, call->param("id"), "pricing job " + call->param("id"), [call](job_reply& reply) {
    call->respond(with_etag(json_response(200, pricing_job_view(reply.state, reply.version)), reply.version));
  });
}

// Pages by position: ?cursor= is the number of entries before the page.
void get_audit(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  const auto found = audit_offset(query_param(call->request.target, "cursor"));
  if (!found) return call->respond(rejection_response(invalid_field("cursor", "must be a cursor this API gave")));
  const auto offset = *found;
  read_entity<pricing_job_decider>(call, call->param("id"), "pricing job " + call->param("id"),
                                   [call, offset, limit](job_reply& reply) {
                                     auto items = pricing_job_audit(reply.state, offset, limit + 1);
                                     boost::json::value next = nullptr;
                                     if (items.size() > limit) {
                                       items.pop_back();
                                       next = std::to_string(offset + limit);
                                     }
                                     call->respond(json_response(
                                         200, boost::json::object{{"items", std::move(items)}, {"next_cursor", next}}));
                                   });
}

}  // namespace

void add_pricing_job_routes(gateway_routes& routes) {
  routes.add("POST", "/v1/pricing-jobs", {true, post_job});
  routes.add("GET", "/v1/pricing-jobs", {true, list_jobs});
  routes.add("GET", "/v1/pricing-jobs/{id}", {true, get_job});
  routes.add("GET", "/v1/pricing-jobs/{id}/audit", {true, get_audit});
}

}  // namespace commerce::actors
