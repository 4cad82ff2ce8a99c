// Order routes of API.md. Lifecycle steps (fulfil, ship, deliver) are one command to the order.
// Cancel and refund also reach the SKUs' stock and the payment provider; every one of their
// steps is idempotent (a return is recorded once per order, a refund's key is derived from the
// order and what it refunds), so a call interrupted half-way is finished by calling it again.
#include "actors/gateway_call.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "protocols/payment.hpp"

#include <memory>

namespace commerce::actors {
namespace {

using namespace domain;
using order_reply = protocols::entity_reply<order_decider>;

void answer_order(const call_ptr& call, const order_reply& reply) {
  call->respond(with_etag(json_response(200, order_view(reply.state, reply.version)), reply.version));
}

void get(const call_ptr& call) {
  read_entity<order_decider>(call, call->services().regions.order, call->param("id"), "order " + call->param("id"),
                             [call](order_reply& reply) { answer_order(call, reply); });
}

// GET /v1/orders?customer_id=&status=&limit=&cursor= : from the orders' read model, in id order.
void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  const auto status_text = query_param(call->request.target, "status");
  std::optional<order_status> status;
  if (!status_text.empty()) {
    order_status parsed{};
    if (!boost::describe::enum_from_string(status_text.c_str(), parsed))
      return call->respond(rejection_response(invalid_field(
          "status", "must be one of pending_payment, paid, fulfilling, shipped, delivered, cancelled, refunded")));
    status = parsed;
  }
  view_query<order_decider> query;
  query.filter = [customer = query_param(call->request.target, "customer_id"), status](const order_state& s) {
    return s.exists && (customer.empty() || s.customer_id == customer) && (!status || s.status == *status);
  };
  respond_with_page(call, call->services().order_view, std::move(query), limit, order_view);
}

// One lifecycle command, honouring If-Match.
void step(const call_ptr& call, order_command command) {
  std::optional<std::int64_t> expected;
  if (!read_if_match(call, expected)) return;
  command_entity<order_decider>(call, call->services().regions.order, call->param("id"), std::move(command), expected,
                                [call](order_reply& reply) { answer_order(call, reply); });
}

void fulfil(const call_ptr& call) {
  body_reader body(call->request.body, {});
  if (body.error()) return call->respond(*body.error());
  step(call, start_fulfilment{});
}

// POST /v1/orders/{id}/ship {"carrier", "tracking"}
void ship(const call_ptr& call) {
  body_reader body(call->request.body, {"carrier", "tracking"});
  ship_order command{body.text("carrier", 100), body.text("tracking", 100)};
  if (body.error()) return call->respond(*body.error());
  step(call, std::move(command));
}

void deliver(const call_ptr& call) {
  body_reader body(call->request.body, {});
  if (body.error()) return call->respond(*body.error());
  step(call, deliver_order{});
}

// Asks the provider for a refund; on success calls on_refunded(refund id), otherwise answers.
template <class OnRefunded>
void refund_at_provider(const call_ptr& call, protocols::refund_request request, OnRefunded on_refunded) {
  call->self->request(call->services().payments, call->options().request_timeout, protocols::refund_atom::value, request)
      .then(
          [call, on_refunded](protocols::payment_outcome& out) mutable {
            switch (out.status) {
              case protocols::payment_status::succeeded: return on_refunded(out.id);
              case protocols::payment_status::refused:
                if (out.code == "amount_too_large")
                  return call->respond(problem(422, codes::refund_exceeds_paid, "Validation failed",
                                               "the provider has less left to refund on this charge"));
                return call->respond(problem(409, "refund_refused", "Refund refused",
                                             "the payment provider refused the refund: " + out.code));
              case protocols::payment_status::unavailable:
                return call->respond(with_retry_after(
                    problem(503, "payment_unavailable", "Payment unavailable",
                            "the payment provider did not answer: " + out.detail + "; call again to finish"),
                    std::chrono::milliseconds(out.retry_after_ms)));
            }
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

// Refunds `amount` of the order's charge under `key`, then records it on the order.
void refund_and_record(const call_ptr& call, const order_state& order, std::int64_t amount, std::string key) {
  refund_at_provider(call, {std::move(key), order.transaction_id, amount}, [call, amount](const std::string& refund_id) {
    command_entity<order_decider>(call, call->services().regions.order, call->param("id"), refund_order{amount, refund_id},
                                  std::nullopt, [call](order_reply& reply) { answer_order(call, reply); });
  });
}

// POST /v1/orders/{id}/refund {"amount"?}: all that is left when no amount is given.
void refund(const call_ptr& call) {
  body_reader body(call->request.body, {"amount"});
  const auto amount = body.optional_integer("amount", 1, max_amount);
  if (body.error()) return call->respond(*body.error());
  read_entity<order_decider>(call, call->services().regions.order, call->param("id"), "order " + call->param("id"),
                             [call, amount](order_reply& order) {
    // The order's own rules say whether and how much, before the provider is asked.
    const auto check = order_decider::decide(order.state, refund_order{amount, "check"}, {system_now()});
    if (!check.accepted()) return call->respond(rejection_response(check.error()));
    if (check.events().empty()) return answer_order(call, order);
    const auto refunding = std::get<refund_processed>(check.events().front()).amount;
    // Derived from what is refunded on top of what: the same request again refunds nothing more.
    auto key = order.state.id + "/refund/" + std::to_string(order.state.refunded) + "+" + std::to_string(refunding);
    refund_and_record(call, order.state, refunding, std::move(key));
  });
}

// Sold units of a cancelled order go back on hand, once per SKU and order.
template <class Then>
void restock(const call_ptr& call, const order_state& order, Then then) {
  auto left = std::make_shared<std::size_t>(order.lines.size());
  auto failed = std::make_shared<std::optional<http_response>>();
  for (const auto& line : order.lines)
    command_entity<inventory_decider>(
        call, call->services().regions.product, line.sku, return_stock{order.id, line.quantity, "order cancelled"},
        std::nullopt,
        [left, failed, then](auto&) mutable {
          if (--*left == 0) then(*failed);
        },
        [left, failed, then](http_response refused) mutable {
          if (!*failed) *failed = std::move(refused);
          if (--*left == 0) then(*failed);
        });
}

// POST /v1/orders/{id}/cancel {"reason"?}: before shipping. A paid order's stock goes back on
// hand and what was paid is refunded.
void cancel(const call_ptr& call) {
  body_reader body(call->request.body, {"reason"});
  auto reason = body.text("reason", 200, false);
  if (body.error()) return call->respond(*body.error());
  read_entity<order_decider>(call, call->services().regions.order, call->param("id"), "order " + call->param("id"),
                             [call, reason](order_reply& order) {
    if (order.state.status == order_status::pending_payment)
      return call->respond(problem(409, "checkout_in_progress", "Conflict",
                                   "the order's checkout is still charging; it cancels the order itself if payment fails"));
    command_entity<order_decider>(
        call, call->services().regions.order, order.state.id,
        cancel_order{reason.empty() ? std::string("cancelled on request") : reason}, std::nullopt,
        [call](order_reply& cancelled) {
          if (cancelled.state.paid == 0) return answer_order(call, cancelled);
          restock(call, cancelled.state, [call, cancelled](const std::optional<http_response>& failed) {
            if (failed) return call->respond(*failed);
            const auto refundable = cancelled.state.paid - cancelled.state.refunded;
            if (refundable <= 0) return answer_order(call, cancelled);
            refund_and_record(call, cancelled.state, refundable, cancelled.state.id + "/cancel");
          });
        });
  });
}

}  // namespace

// Only reading one order by its (unguessable) id is the customer's; the list shows other
// customers' orders and the lifecycle steps move goods and money: admin token (API.md).
void add_order_routes(gateway_routes& routes) {
  routes.add("GET", "/v1/orders", {true, list});
  routes.add("GET", "/v1/orders/{id}", {false, get});
  routes.add("POST", "/v1/orders/{id}/fulfil", {true, fulfil});
  routes.add("POST", "/v1/orders/{id}/ship", {true, ship});
  routes.add("POST", "/v1/orders/{id}/deliver", {true, deliver});
  routes.add("POST", "/v1/orders/{id}/cancel", {true, cancel});
  routes.add("POST", "/v1/orders/{id}/refund", {true, refund});
}

}  // namespace commerce::actors
