// Catalog and inventory routes of API.md: products are keyed by the client's SKU.
#include "actors/fan_in.hpp"
#include "actors/gateway_call.hpp"
#include "actors/live_events.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "protocols/search.hpp"

#include <map>
#include <memory>
#include <vector>

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

// A whole number in [min, max] from the query, or `fallback` when absent; else answers 422.
std::optional<std::uint64_t> bounded(const call_ptr& call, const char* name, std::int64_t min, std::int64_t max,
                                     std::int64_t fallback) {
  const auto text = query_param(call->request.target, name);
  const auto n = text.empty() ? std::optional<std::int64_t>(fallback) : parse_integer(text);
  if (n && *n >= min && *n <= max) return static_cast<std::uint64_t>(*n);
  call->respond(rejection_response(invalid_field(
      name, "must be a whole number from " + std::to_string(min) + " to " + std::to_string(max))));
  return std::nullopt;
}

// The products of a search page, in the search's order: from the catalog's read model, and a
// product the index already holds but the read model has not read yet (both follow the journal,
// each at its own pace) from its entity, so a page never comes back short of what it counted.
void answer_search(const call_ptr& call, const protocols::search_request& request, protocols::search_result& found) {
  using entry = view_entry<inventory_decider>;
  auto respond = [call, request, found](const std::map<std::string, entry>& by_sku) {
    boost::json::array items;
    for (const auto& sku : found.skus)
      if (auto it = by_sku.find(sku); it != by_sku.end()) items.push_back(product_view(it->second.state, it->second.version));
    auto r = json_response(200, {{"query", found.normalised_query},
                                 {"page", request.page},
                                 {"per_page", request.per_page},
                                 {"total", found.total},
                                 {"items", std::move(items)}});
    r.headers.emplace_back("X-Cache", found.cached ? "hit" : "miss");
    call->respond(std::move(r));
  };
  if (found.skus.empty()) return respond({});
  const auto view = call->services().views.of<inventory_decider>();
  if (!view) return call->respond(unavailable("the catalog's read model is not running"));
  view_query<inventory_decider> query;
  query.where = {{"exists", "true"}};
  query.ids = found.skus;
  call->self->request(view, call->options().request_timeout, caf::get_atom::value, std::move(query))
      .then(
          [call, found, respond](view_page<inventory_decider>& page) {
            auto by_sku = std::make_shared<std::map<std::string, entry>>();
            for (auto& e : page.items) by_sku->emplace(e.id, std::move(e));
            std::vector<std::string> unread;
            for (const auto& sku : found.skus)
              if (by_sku->count(sku) == 0) unread.push_back(sku);
            // A product its entity cannot show either (gone, or not answering) is left out.
            for_all(
                unread,
                [call, by_sku](const std::string& sku, auto finished) {
                  client_of<inventory_decider>(call).read(
                      sku,
                      [by_sku, sku, finished](protocols::entity_reply<inventory_decider>& reply) mutable {
                        if (reply.status == protocols::entity_status::accepted && reply.state.exists)
                          by_sku->emplace(sku, entry{sku, std::move(reply.state), reply.version});
                        finished(true);
                      },
                      [finished](caf::error&) mutable { finished(false); });
                },
                [respond, by_sku](bool) { respond(*by_sku); });
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// GET /v1/products/search?q=&page=&per_page= : ranked full-text search (adapters/search/).
void search_products(const call_ptr& call) {
  protocols::search_request request;
  request.query = query_param(call->request.target, "q");
  if (request.query.size() > 200 || request.query.find_first_of(
        "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789") == std::string::npos)
    return call->respond(rejection_response(invalid_field("q", "must hold a letter or digit, at most 200 characters")));
  const auto page = bounded(call, "page", 1, 1000, 1);
  if (!page) return;
  const auto per_page = bounded(call, "per_page", 1, 100, 20);
  if (!per_page) return;
  request.page = *page;
  request.per_page = *per_page;
  const auto search = call->services().search.get();
  if (!search) return call->respond(unavailable("product search is restarting"));
  call->self->request(search, call->options().request_timeout, protocols::search_atom::value, request)
      .then([call, request](protocols::search_result& found) { answer_search(call, request, found); },
            [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// What GET /v1/products/{sku}/inventory/live shows: the product's inventory as
// GET /v1/products/{sku} has it, after each event that changes it.
class inventory_fold final : public live_fold {
 public:
  std::optional<std::string> apply(const protocols::stored_event& e) override {
    state_ = inventory_decider::evolve(std::move(state_), decode_event<inventory_decider::event>(
                                                              e.event_type, e.schema_version, boost::json::parse(e.data)));
    sku_ = e.stream_id;
    version_ = e.version;
    auto inventory = product_view(state_, version_).at("inventory");
    if (inventory == shown_) return std::nullopt;
    shown_ = std::move(inventory);
    return current();
  }
  std::string current() const override {
    return boost::json::serialize(boost::json::object{{"sku", sku_}, {"version", version_}, {"inventory", shown_}});
  }

 private:
  inventory_state state_;
  std::string sku_;
  std::int64_t version_ = 0;
  boost::json::value shown_;
};

// GET /v1/products/{sku}/inventory/live: server-sent events (live_events.hpp).
void inventory_live(const call_ptr& call) {
  if (refuse_bad_sku(call)) return;
  std::optional<std::int64_t> last_event_id;
  if (!read_last_event_id(call, last_event_id)) return;
  const auto& sku = call->param("sku");
  open_entity_stream(call->self->system(), call->services().live, call->options().live,
                     std::string(inventory_decider::stream_type), sku, "product " + sku,
                     std::make_shared<inventory_fold>(), last_event_id, call->respond);
}

}  // namespace

void add_product_routes(gateway_routes& routes) {
  routes.add("GET", "/v1/products", {false, list_products});
  routes.add("GET", "/v1/products/search", {false, search_products});  // before {sku}
  routes.add("PUT", "/v1/products/{sku}", {true, put_product});
  routes.add("GET", "/v1/products/{sku}", {false, get_product});
  routes.add("POST", "/v1/products/{sku}/stock", {true, post_stock});
  routes.add("GET", "/v1/products/{sku}/inventory/live", {false, inventory_live});
}

}  // namespace commerce::actors
