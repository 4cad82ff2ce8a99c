// HTTP request parsing and routing: raw bytes as a client sends them, parsed one request at a
// time (pipelined requests follow each other) by the server's own parse_request (Beast's
// parser, the server's limits and its 400/413/431 answers), then routed through the gateway's
// routing table and the plain checks its handlers make on the target and headers before any
// actor is involved (query parameters, page limits, If-Match, SKUs, dead-letter ids).
#include "api/api_json.hpp"
#include "api/http_router.hpp"
#include "adapters/http/server.hpp"
#include "domain/inventory.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace commerce;
using namespace commerce::actors;

namespace {

// The gateway's routes (actors/gateway*.cpp, make_routes): the patterns are what matters to the
// router; keep this list in step with them (tests/actors/openapi_test.cpp checks the real table
// against docs/openapi.json).
const http_router<int>& routes() {
  static const http_router<int> table = [] {
    http_router<int> r;
    const char* const all[][2] = {
        {"GET", "/healthz"}, {"GET", "/readyz"}, {"GET", "/metrics"}, {"GET", "/openapi.json"},
        {"GET", "/v1/products"}, {"PUT", "/v1/products/{sku}"}, {"GET", "/v1/products/{sku}"},
        {"POST", "/v1/products/{sku}/stock"}, {"POST", "/v1/carts"}, {"GET", "/v1/carts/{id}"},
        {"PUT", "/v1/carts/{id}/items/{sku}"}, {"DELETE", "/v1/carts/{id}/items/{sku}"},
        {"POST", "/v1/carts/{id}/checkout"}, {"GET", "/v1/orders"}, {"GET", "/v1/orders/{id}"},
        {"POST", "/v1/orders/{id}/fulfil"}, {"POST", "/v1/orders/{id}/ship"}, {"POST", "/v1/orders/{id}/deliver"},
        {"POST", "/v1/orders/{id}/cancel"}, {"POST", "/v1/orders/{id}/refund"},
        {"GET", "/v1/{collection}/{id}/events"}, {"GET", "/admin/actors"}, {"GET", "/admin/breakers"},
        {"GET", "/admin/dead-letters"}, {"POST", "/admin/dead-letters/{id}/retry"},
        {"DELETE", "/admin/dead-letters/{id}"}};
    int n = 0;
    for (const auto& route : all) r.add(route[0], route[1], n++);
    return r;
  }();
  return table;
}

void check(bool ok) {
  if (!ok) std::abort();
}

void route(const http_request& request) {
  const auto found = routes().find(request.method, request.target);
  using outcome = http_router<int>::outcome;
  if (found.result == outcome::method_not_allowed) check(!found.allowed.empty() && !found.matched);
  if (found.result != outcome::found) return;
  check(found.matched && found.matched->method == request.method);
  for (const auto& [name, value] : found.params) {
    check(!value.empty());
    if (name == "sku") (void)domain::valid_sku(value);
    if (name == "id") (void)parse_integer(value);  // dead-letter ids
  }
  // What handlers read from the target and headers before asking an actor.
  for (const char* name : {"limit", "cursor", "category", "status", "customer_id", "from"}) {
    const auto value = query_param(request.target, name);
    if (auto n = parse_integer(value)) check(std::to_string(*n).size() <= value.size());
  }
  if (auto v = version_in_if_match(request.header("if-match"))) (void)etag_of(*v);
  (void)request.header("idempotency-key");
  (void)request.header("authorization");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // Small limits, so that short inputs reach the 413 and 431 answers too.
  static const adapters::http::server_options options = [] {
    adapters::http::server_options o;
    o.body_limit = 2048;
    o.header_limit = 1024;
    return o;
  }();
  std::string_view bytes(reinterpret_cast<const char*>(data), size);
  for (int requests = 0; !bytes.empty() && requests < 16; ++requests) {
    const auto parsed = adapters::http::parse_request(bytes, options);
    check(parsed.consumed <= bytes.size());
    if (parsed.error) {
      const int s = parsed.error->status;
      check(s == 400 || s == 413 || s == 431);
      check(boost::json::parse(parsed.error->body).is_object());
      check(!parsed.request);
      break;
    }
    if (!parsed.request) break;
    check(parsed.consumed > 0);
    check(parsed.request->body.size() <= options.body_limit);
    route(*parsed.request);
    if (!parsed.keep_alive) break;
    bytes.remove_prefix(parsed.consumed);
  }
  return 0;
}
