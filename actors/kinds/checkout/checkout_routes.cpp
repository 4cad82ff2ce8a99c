// POST /v1/carts/{id}/checkout: starts the cart's checkout saga (domain/checkout.hpp) and
// answers with its outcome. The saga's id is the cart's id and version, so the same cart asked
// twice at the same version — a retry, two tabs — gets one checkout, one order and one charge.
// A cart already checking out is followed, not checked out again.
#include "actors/gateway_call.hpp"
#include "domain/cart.hpp"
#include "domain/checkout.hpp"
#include "domain/order.hpp"
#include "protocols/payment_tokens.hpp"


namespace commerce::actors {
namespace {

using namespace domain;
using checkout_reply = protocols::entity_reply<checkout_decider>;

// The checkout's outcome as the API gives it: the paid order, or why not.
void answer_checkout(const call_ptr& call, const checkout_state& checkout) {
  if (checkout.step == checkout_step::completed)
    return read_entity<order_decider>(call, checkout.order_id, "order " + checkout.order_id,
                                      [call](protocols::entity_reply<order_decider>& order) {
                                        auto r = with_etag(json_response(201, order_view(order.state, order.version)), order.version);
                                        r.headers.emplace_back("Location", "/v1/orders/" + order.state.id);
                                        call->respond(std::move(r));
                                      });
  boost::json::object extra{{"checkout_id", checkout.id}, {"order_id", checkout.order_id}};
  if (checkout.stalled)
    return call->respond(problem(503, "checkout_stalled", "Checkout stalled",
                                 "the checkout did not finish in time and waits for an operator; nothing more is charged",
                                 extra));
  if (checkout.step != checkout_step::failed) {  // waiting to charge again
    const auto wait = checkout.retry_payment_at ? (*checkout.retry_payment_at - system_now()).count() : 1000;
    return call->respond(with_retry_after(
        problem(503, "payment_pending", "Payment pending",
                "the payment provider did not answer; the checkout charges again by itself. Ask again with the "
                "same Idempotency-Key for the outcome",
                extra),
        std::chrono::milliseconds(wait)));
  }
  const auto& failure = *checkout.failure;
  if (failure.code == "payment_declined")
    return call->respond(problem(402, failure.code, "Payment declined", failure.detail + "; the cart is open again", extra));
  if (failure.code == "payment_unavailable")
    return call->respond(with_retry_after(
        problem(503, failure.code, "Payment unavailable", failure.detail + "; nothing was charged and the cart is open again",
                extra),
        std::chrono::milliseconds(failure.retry_after_ms)));
  if (failure.code == codes::insufficient_stock) {
    extra["sku"] = failure.sku;
    extra["available"] = failure.available;
  }
  call->respond(problem(409, failure.code, "Conflict", failure.detail, extra));
}

void follow(const call_ptr& call, const std::string& checkout_id) {
  client_of<checkout_decider>(call).watch(
      checkout_id, [call](checkout_reply& reply) { answer_checkout(call, reply.state); },
            [call, checkout_id](caf::error&) {
              call->respond(with_retry_after(
                  problem(503, "checkout_in_progress", "Checkout in progress",
                          "the checkout is still running; ask again with the same Idempotency-Key for the outcome",
                          {{"checkout_id", checkout_id}}),
                  std::chrono::seconds(1)));
            });
}

// A checkout already under way: a client asking again about one waiting to charge makes it
// charge now.
void attach(const call_ptr& call, const std::string& checkout_id) {
  read_entity<checkout_decider>(call, checkout_id, "checkout " + checkout_id,
                                [call](checkout_reply& checkout) {
    if (!checkout.state.retry_payment_at) return follow(call, checkout.state.id);
    command_entity<checkout_decider>(call, checkout.state.id, resume_checkout{},
                                     std::nullopt, [call](checkout_reply& resumed) { follow(call, resumed.state.id); });
  });
}

rejection not_open(const cart_state& cart) {
  rejection r{std::string(codes::cart_not_open), "the cart is " + std::string(to_string(cart.status)), {}};
  r.extra["status"] = to_string(cart.status);
  return r;
}

// {"email", "shipping_address": {...}, "payment": {"token"}} (read_checkout_body, api_json).
std::optional<checkout_body> read_body(const call_ptr& call) {
  auto body = read_checkout_body(call->request.body);
  if (auto* error = std::get_if<http_response>(&body)) {
    call->respond(std::move(*error));
    return std::nullopt;
  }
  return std::move(std::get<checkout_body>(body));
}

void start(const call_ptr& call, const protocols::entity_reply<cart_decider>& cart, checkout_body body) {
  if (cart.state.lines.empty()) return call->respond(rejection_response({std::string(codes::cart_empty), "the cart has no items", {}}));
  const auto email = body.email.empty() ? cart.state.email : body.email;
  if (email.empty()) return call->respond(rejection_response(invalid_field("email", "is required: the cart has none")));
  const auto suffix = cart.state.id.substr(cart.state.id.find('_') + 1) + "_" + std::to_string(cart.version);
  start_checkout command{cart.state.id, cart.version, "ord_" + suffix, cart.state.customer_id, email,
                         std::move(body.shipping_address), {}, call->request.header("idempotency-key")};
  for (const auto& [sku, line] : cart.state.lines) command.lines.push_back({sku, line.quantity, line.unit_price});
  // The card token goes to the vault, never into the journal; the checkout finds it there by
  // its id when it charges. The first token given for a checkout is the one it uses.
  const auto checkout_id = "chk_" + suffix;
  call->self
      ->request(call->services().payment_tokens.get(), call->options().request_timeout, caf::put_atom::value, checkout_id,
                std::move(body.token))
      .then(
          [call, checkout_id, command = std::move(command)]() mutable {
            command_entity<checkout_decider>(call, checkout_id, std::move(command), std::nullopt,
                                             [call](checkout_reply& started) { follow(call, started.state.id); });
          },
          [call](caf::error& e) { call->respond(unavailable("the payment token vault: " + call->self->system().render(e))); });
}

// POST /v1/carts/{id}/checkout
void checkout(const call_ptr& call) {
  auto body = read_body(call);
  if (!body) return;
  read_entity<cart_decider>(call, call->param("id"), "cart " + call->param("id"),
                            [call, body = std::move(*body)](protocols::entity_reply<cart_decider>& cart) mutable {
    switch (cart.state.status) {
      case cart_status::open:
      case cart_status::abandoned: return start(call, cart, std::move(body));
      case cart_status::checking_out: return attach(call, cart.state.checkout_id);
      case cart_status::converted: {
        // The request that converted it, asked again after its answer was lost, gets the order.
        const auto key = call->request.header("idempotency-key");
        if (key.empty()) return call->respond(rejection_response(not_open(cart.state)));
        return read_entity<checkout_decider>(call, cart.state.checkout_id, "checkout",
                                             [call, key, cart_state = cart.state](checkout_reply& checkout) {
          if (checkout.state.client_key != key) return call->respond(rejection_response(not_open(cart_state)));
          answer_checkout(call, checkout.state);
        });
      }
      case cart_status::expired: break;
    }
    call->respond(rejection_response(not_open(cart.state)));
  });
}

}  // namespace

void add_checkout_routes(gateway_routes& routes) { routes.add("POST", "/v1/carts/{id}/checkout", {false, checkout}); }

}  // namespace commerce::actors
