// Every JSON request body the gateway reads: the first input byte picks the call, the rest is
// the body. Each call is read exactly as its handler reads it (actors/gateway_*.cpp: the
// allowed fields and the body_reader reads, in that order; the checkout body through
// read_checkout_body), then the command it makes is decided on by its entity's pure rules, as
// the entity would. A refusal must be a 400 or 422 problem+json; an accepted body must respect
// the limits its reads promised. Keep the table in step with the handlers.
#include "api/api_json.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>

using namespace commerce;
using namespace commerce::actors;
using namespace commerce::domain;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const context ctx{timestamp{1'763'740'800'123}};

// A refused body: its answer is a well-formed problem.
bool refused(const std::optional<http_response>& error) {
  if (!error) return false;
  check(error->status == 400 || error->status == 422);
  const auto body = boost::json::parse(error->body);
  check(body.is_object() && body.as_object().contains("code"));
  return true;
}

inventory_state existing_product() {
  auto s = inventory_decider::initial("MUG-1");
  s = inventory_decider::evolve(std::move(s), product_created{"Mug", {1200, "EUR"}, "kitchen"});
  return inventory_decider::evolve(std::move(s), stock_adjusted{10, "delivery"});
}

cart_state open_cart() {
  return cart_decider::evolve(cart_decider::initial("cart_1"), cart_created{"EUR", "", "", ctx.now});
}

template <class Decider>
void decide_and_evolve(const typename Decider::state& s, const typename Decider::command& c) {
  const auto d = Decider::decide(s, c, ctx);
  if (!d.accepted()) return;
  auto next = s;
  for (const auto& e : d.events()) next = Decider::evolve(std::move(next), e);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size == 0) return 0;
  const std::string_view text(reinterpret_cast<const char*>(data) + 1, size - 1);
  switch (data[0] % 10) {
    case 0: {  // POST /v1/carts
      body_reader body(text, {"currency", "customer_id", "email"});
      create_cart command{body.text("currency", 3), body.text("email", 254, false), body.text("customer_id", 128, false)};
      if (refused(body.error())) return 0;
      check(command.currency.size() <= 3 && command.email.size() <= 254 && command.customer_id.size() <= 128);
      decide_and_evolve<cart_decider>(cart_decider::initial("cart_1"), command);
      break;
    }
    case 1: {  // PUT /v1/carts/{id}/items/{sku}
      body_reader body(text, {"quantity"});
      const auto quantity = body.integer("quantity", 0, max_quantity);
      if (refused(body.error())) return 0;
      check(quantity >= 0 && quantity <= max_quantity);
      decide_and_evolve<inventory_decider>(existing_product(), reserve_stock{"cart_1", quantity, ctx.now});
      decide_and_evolve<cart_decider>(open_cart(), set_line{"MUG-1", quantity, {max_amount, "EUR"}, true});
      break;
    }
    case 2: {  // PUT /v1/products/{sku}
      body_reader body(text, {"name", "price", "category"});
      define_product command{body.text("name", 200), body.money("price"), body.text("category", 100, false)};
      if (refused(body.error())) return 0;
      check(command.price.amount >= 0 && command.price.amount <= max_amount && valid_currency(command.price.currency));
      decide_and_evolve<inventory_decider>(inventory_decider::initial("MUG-1"), command);
      decide_and_evolve<inventory_decider>(existing_product(), command);
      break;
    }
    case 3: {  // POST /v1/products/{sku}/stock
      body_reader body(text, {"delta", "reason"});
      adjust_stock command{body.integer("delta", -max_quantity, max_quantity), body.text("reason", 200)};
      if (refused(body.error())) return 0;
      decide_and_evolve<inventory_decider>(existing_product(), command);
      break;
    }
    case 4: {  // POST /v1/carts/{id}/checkout
      auto body = read_checkout_body(text);
      if (auto* error = std::get_if<http_response>(&body)) {
        check(refused(*error));
        return 0;
      }
      const auto& b = std::get<checkout_body>(body);
      check(!b.token.empty() && b.token.size() <= 255 && b.email.size() <= 254);
      (void)boost::json::serialize(b.shipping_address);
      break;
    }
    case 5:    // POST /v1/orders/{id}/fulfil
    case 6: {  // POST /v1/orders/{id}/deliver
      body_reader body(text, {});
      if (refused(body.error())) return 0;
      break;
    }
    case 7: {  // POST /v1/orders/{id}/ship
      body_reader body(text, {"carrier", "tracking"});
      ship_order command{body.text("carrier", 100), body.text("tracking", 100)};
      if (refused(body.error())) return 0;
      decide_and_evolve<order_decider>(order_decider::initial("ord_1"), command);
      break;
    }
    case 8: {  // POST /v1/orders/{id}/refund
      body_reader body(text, {"amount"});
      const auto amount = body.optional_integer("amount", 1, max_amount);
      if (refused(body.error())) return 0;
      check(!amount || (*amount >= 1 && *amount <= max_amount));
      decide_and_evolve<order_decider>(order_decider::initial("ord_1"), request_refund{amount, "ord_1/refund/1"});
      break;
    }
    case 9: {  // POST /v1/orders/{id}/cancel
      body_reader body(text, {"reason"});
      auto reason = body.text("reason", 200, false);
      if (refused(body.error())) return 0;
      decide_and_evolve<order_decider>(order_decider::initial("ord_1"), cancel_order{reason});
      break;
    }
  }
  return 0;
}
