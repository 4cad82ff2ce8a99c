// Catalog and inventory routes of API.md: products are keyed by the client's SKU.
#include "actors/gateway_call.hpp"
#include "domain/inventory.hpp"

namespace commerce::actors {
namespace {

using namespace domain;

bool refuse_bad_sku(const call_ptr& call) {
  if (valid_sku(call->param("sku"))) return false;
  call->respond(rejection_response(invalid_field("sku", "must be 1-64 characters of [A-Za-z0-9._-]")));
  return true;
}

void answer_product(const call_ptr& call, int status, const protocols::entity_reply<inventory_decider>& reply) {
  call->respond(with_etag(json_response(status, product_view(reply.state, reply.version)), reply.version));
}

// PUT /v1/products/{sku} {"name", "price", "category"?}: 201 when created, 200 otherwise.
void put_product(const call_ptr& call) {
  if (refuse_bad_sku(call)) return;
  body_reader body(call->request.body, {"name", "price", "category"});
  define_product command{body.text("name", 200), body.money("price"), body.text("category", 100, false)};
  if (body.error()) return call->respond(*body.error());
  std::optional<std::int64_t> expected;
  if (!read_if_match(call, expected)) return;
  command_entity<inventory_decider>(call, call->param("sku"), std::move(command),
                                    expected, [call](protocols::entity_reply<inventory_decider>& reply) {
                                      const bool created = !reply.events.empty() &&
                                                           std::holds_alternative<product_created>(reply.events.front());
                                      answer_product(call, created ? 201 : 200, reply);
                                    });
}

void get_product(const call_ptr& call) {
  if (refuse_bad_sku(call)) return;
  read_entity<inventory_decider>(call, call->param("sku"),
                                 "product " + call->param("sku"),
                                 [call](protocols::entity_reply<inventory_decider>& reply) { answer_product(call, 200, reply); });
}

// POST /v1/products/{sku}/stock {"delta", "reason"}: never below reserved + sold → 409.
void post_stock(const call_ptr& call) {
  if (refuse_bad_sku(call)) return;
  body_reader body(call->request.body, {"delta", "reason"});
  adjust_stock command{body.integer("delta", -max_quantity, max_quantity), body.text("reason", 200)};
  if (body.error()) return call->respond(*body.error());
  std::optional<std::int64_t> expected;
  if (!read_if_match(call, expected)) return;
  command_entity<inventory_decider>(call, call->param("sku"), std::move(command),
                                    expected, [call](protocols::entity_reply<inventory_decider>& reply) {
                                      answer_product(call, 200, reply);
                                    });
}

// GET /v1/products?category=&limit=&cursor= : from the catalog's read model, in SKU order.
void list_products(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<inventory_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto category = query_param(call->request.target, "category"); !category.empty())
    query.where.push_back({"category", category});
  respond_with_page(call, std::move(query), limit, product_view);
}

}  // namespace

void add_product_routes(gateway_routes& routes) {
  routes.add("GET", "/v1/products", {false, list_products});
  routes.add("PUT", "/v1/products/{sku}", {true, put_product});
  routes.add("GET", "/v1/products/{sku}", {false, get_product});
  routes.add("POST", "/v1/products/{sku}/stock", {true, post_stock});
}

}  // namespace commerce::actors
