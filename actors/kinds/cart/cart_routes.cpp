// Cart routes of API.md. Setting a line reserves stock at the SKU's actor (holder: the cart) and
// marks the line reserved at the cart's actor — two entities, so the order of the two steps is
// what keeps them truthful if the node dies between them:
//   more units: reserve first, then mark the line (a crash leaves stock held for a line that
//               never got it; the reservation expires by itself after the TTL);
//   fewer units or none: change the line first, then the reservation (a crash leaves more held
//               than the line needs, again until the TTL).
// So a line is never marked reserved unless the SKU's actor holds that much for the cart, and
// nothing stays reserved for nobody beyond cart.reservation_ttl.
#include "actors/gateway_call.hpp"
#include "common/secure.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using cart_reply = protocols::entity_reply<cart_decider>;
using product_reply = protocols::entity_reply<inventory_decider>;

void answer_cart(const call_ptr& call, int status, const cart_reply& reply) {
  call->respond(with_etag(json_response(status, cart_view(reply.state, reply.version)), reply.version));
}

// "cart_" and 128 bits from OpenSSL's CSPRNG in hex: a cart id is the only key to a cart (and,
// through the ids derived from it, to its order), so one customer must not guess another's.
// Hex has no '_', so "ord_<suffix>_<version>" still splits at its first '_'.
std::string new_cart_id() { return "cart_" + secure::random_hex(16); }

// POST /v1/carts {"currency", "customer_id"?, "email"?}
void create(const call_ptr& call) {
  body_reader body(call->request.body, {"currency", "customer_id", "email"});
  create_cart command{body.text("currency", 3), body.text("email", 254, false), body.text("customer_id", 128, false)};
  if (body.error()) return call->respond(*body.error());
  const auto id = new_cart_id();
  command_entity<cart_decider>(call, id, std::move(command), std::nullopt,
                               [call](cart_reply& reply) {
    auto r = with_etag(json_response(201, cart_view(reply.state, reply.version)), reply.version);
    r.headers.emplace_back("Location", "/v1/carts/" + reply.state.id);
    call->respond(std::move(r));
  });
}

void get(const call_ptr& call) {
  read_entity<cart_decider>(call, call->param("id"), "cart " + call->param("id"),
                            [call](cart_reply& reply) { answer_cart(call, 200, reply); });
}

timestamp reservation_expiry(const call_ptr& call) { return system_now() + call->options().cart_reservation_ttl; }

// Tells the SKU's actor how much the cart now holds; the answer does not change the reply.
void hold_quietly(const call_ptr& call, const std::string& sku, std::int64_t quantity) {
  caf::anon_send(call->services().regions.of<inventory_decider>(),
                 protocols::entity_command<inventory_decider>{
                     sku, reserve_stock{call->param("id"), quantity, reservation_expiry(call)}, call->metadata(),
                     std::nullopt});
}

// After a change, the cart's other lines whose reservations lapsed are reserved again, one at a
// time in SKU order and in the same crash-safe order (reserve at the SKU, then mark the line, only
// at the cart version just read). A line that cannot get its stock now, or whose cart changed
// meanwhile, stays unreserved (checkout tries again; a reservation left unmarked lapses at the
// TTL). The answer is the cart after all of them.
void reserve_lapsed_lines_after(const call_ptr& call, std::shared_ptr<cart_reply> latest, const std::string& after) {
  const auto& lines = latest->state.lines;
  auto it = lines.upper_bound(after);
  while (it != lines.end() && it->second.reserved) ++it;
  if (it == lines.end()) return answer_cart(call, 200, *latest);
  const auto sku = it->first;
  const auto quantity = it->second.quantity;
  auto next = [call, latest, sku](auto&&...) { reserve_lapsed_lines_after(call, latest, sku); };
  command_entity<inventory_decider>(
      call, sku, reserve_stock{call->param("id"), quantity, reservation_expiry(call)},
      std::nullopt,
      [call, latest, sku, next](product_reply&) {
        command_entity<cart_decider>(call, call->param("id"),
                                     mark_line_reserved{sku, true}, latest->version,
                                     [latest, next](cart_reply& marked) {
                                       *latest = std::move(marked);
                                       next();
                                     },
                                     next);
      },
      next);
}

void answer_after_reserving_lapsed_lines(const call_ptr& call, cart_reply& changed) {
  reserve_lapsed_lines_after(call, std::make_shared<cart_reply>(std::move(changed)), "");
}

void set_quantity(const call_ptr& call, std::int64_t quantity) {
  const auto& sku = call->param("sku");
  if (!valid_sku(sku)) return call->respond(rejection_response(invalid_field("sku", "must be 1-64 characters of [A-Za-z0-9._-]")));
  std::optional<std::int64_t> expected;  // If-Match names the cart's version
  if (!read_if_match(call, expected)) return;
  read_entity<cart_decider>(call, call->param("id"), "cart " + call->param("id"),
                            [call, sku, quantity, expected](cart_reply& cart) {
    const auto line = cart.state.lines.find(sku);
    const bool has_line = line != cart.state.lines.end();
    const std::int64_t held = has_line && line->second.reserved ? line->second.quantity : 0;
    if (quantity > held) {
      command_entity<inventory_decider>(
          call, sku, reserve_stock{call->param("id"), quantity, reservation_expiry(call)}, std::nullopt,
          [call, sku, quantity, held, expected](product_reply& product) {
            command_entity<cart_decider>(
                call, call->param("id"), set_line{sku, quantity, product.state.price, true},
                expected, [call](cart_reply& reply) { answer_after_reserving_lapsed_lines(call, reply); },
                [call, sku, held](http_response refused) {
                  // The cart said no (closed meanwhile, another currency, If-Match): nothing
                  // changed there, so give back what it did not take. After a 5xx the line may
                  // or may not be set; the reservation then expires by itself.
                  if (refused.status < 500) hold_quietly(call, sku, held);
                  call->respond(std::move(refused));
                });
          });
      return;
    }
    const money price = has_line ? line->second.unit_price : money{0, cart.state.currency};
    command_entity<cart_decider>(call, call->param("id"), set_line{sku, quantity, price, quantity > 0},
                                 expected, [call, sku, quantity, held](cart_reply& reply) {
                                   if (quantity != held) hold_quietly(call, sku, quantity);
                                   answer_after_reserving_lapsed_lines(call, reply);
                                 });
  });
}

// PUT /v1/carts/{id}/items/{sku} {"quantity": n}; 0 removes the line.
void put_item(const call_ptr& call) {
  body_reader body(call->request.body, {"quantity"});
  const auto quantity = body.integer("quantity", 0, max_quantity);
  if (body.error()) return call->respond(*body.error());
  set_quantity(call, quantity);
}

void delete_item(const call_ptr& call) { set_quantity(call, 0); }

}  // namespace

void add_cart_routes(gateway_routes& routes) {
  routes.add("POST", "/v1/carts", {false, create});
  routes.add("GET", "/v1/carts/{id}", {false, get});
  routes.add("PUT", "/v1/carts/{id}/items/{sku}", {false, put_item});
  routes.add("DELETE", "/v1/carts/{id}/items/{sku}", {false, delete_item});
}

}  // namespace commerce::actors
