// Order routes of API.md. Lifecycle steps (fulfil, ship, deliver) are one command to the order.
// Cancel and refund reach the SKUs' stock and the payment provider through the order's own
// journaled steps (actors/kinds/order/order_process.cpp): the call records what is asked and waits a while
// for it to be done; a crash or an outage in between never loses it.
#include "actors/gateway_call.hpp"
#include "domain/order.hpp"

namespace commerce::actors {
namespace {

using namespace domain;
using order_reply = protocols::entity_reply<order_decider>;

void answer_order(const call_ptr& call, const order_reply& reply) {
  call->respond(with_etag(json_response(200, order_view(reply.state, reply.version)), reply.version));
}

void get(const call_ptr& call) {
  read_entity<order_decider>(call, call->param("id"), "order " + call->param("id"),
                             [call](order_reply& reply) { answer_order(call, reply); });
}

// GET /v1/orders?customer_id=&status=&limit=&cursor= : from the orders' read model, in id order.
void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<order_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto status = query_param(call->request.target, "status"); !status.empty()) {
    order_status parsed{};
    if (!boost::describe::enum_from_string(status.c_str(), parsed))
      return call->respond(rejection_response(invalid_field(
          "status", "must be one of pending_payment, paid, fulfilling, shipped, delivered, cancelled, refunded")));
    query.where.push_back({"status", status});
  }
  if (const auto customer = query_param(call->request.target, "customer_id"); !customer.empty())
    query.where.push_back({"customer_id", customer});
  respond_with_page(call, std::move(query), limit, order_view);
}

// One lifecycle command, honouring If-Match.
void step(const call_ptr& call, order_command command) {
  std::optional<std::int64_t> expected;
  if (!read_if_match(call, expected)) return;
  command_entity<order_decider>(call, call->param("id"), std::move(command), expected,
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

// Waits until the order's refunds and restock have run (they are its own journaled steps, see
// domain/order.hpp), then answers the order: 200 when done, 202 when the provider has not
// answered yet (the order finishes them by itself; `payment.refunds_pending` lists them). A
// refund the provider refused answers its refusal.
void answer_when_settled(const call_ptr& call, const std::string& refund_key) {
  const auto& id = call->param("id");
  // Half the request's time: the 202 must reach the client before it gives up.
  client_of<order_decider>(call, call->options().request_timeout / 2)
      .watch(
          id,
          [call, refund_key](order_reply& reply) {
            for (const auto& closed : reply.state.closed_refunds) {
              if (closed.key != refund_key || closed.outcome == "succeeded") continue;
              if (closed.outcome == "amount_too_large")
                return call->respond(problem(422, codes::refund_exceeds_paid, "Validation failed",
                                             "the provider has less left to refund on this charge"));
              return call->respond(problem(409, "refund_refused", "Refund refused",
                                           "the payment provider refused the refund: " + closed.outcome));
            }
            answer_order(call, reply);
          },
          [call, id](caf::error&) {
            read_entity<order_decider>(call, id, "order " + id, [call](order_reply& reply) {
              call->respond(with_etag(json_response(202, order_view(reply.state, reply.version)), reply.version));
            });
          });
}

// A refund's key at the provider, fixed before it is asked: from the request's Idempotency-Key,
// else the order's next refund number. A request without a key while a refund of the same
// amount (any, when none is given) is pending is taken for a retry of it and joins it.
std::string refund_key(const call_ptr& call, const order_state& o, std::optional<std::int64_t> amount) {
  if (const auto key = call->request.header("idempotency-key"); !key.empty()) return o.id + "/refund/key:" + key;
  for (const auto& p : o.pending_refunds)
    if (!amount || p.amount == *amount) return p.key;
  return o.id + "/refund/" + std::to_string(o.closed_refunds.size() + o.pending_refunds.size() + 1);
}

// POST /v1/orders/{id}/refund {"amount"?}: all that is left when no amount is given.
void refund(const call_ptr& call) {
  body_reader body(call->request.body, {"amount"});
  const auto amount = body.optional_integer("amount", 1, max_amount);
  if (body.error()) return call->respond(*body.error());
  read_entity<order_decider>(call, call->param("id"), "order " + call->param("id"),
                             [call, amount](order_reply& order) {
    const auto& o = order.state;
    auto key = refund_key(call, o, amount);
    command_entity<order_decider>(call, o.id, request_refund{amount, key}, order.version,
                                  [call, key](order_reply&) { answer_when_settled(call, key); },
                                  [call](http_response refused) {
                                    // Another request changed the order meanwhile: its own rules answer again.
                                    if (refused.status == 412)
                                      return call->respond(problem(409, "order_changed", "Conflict",
                                                                   "the order changed while the refund was asked for; try again"));
                                    call->respond(std::move(refused));
                                  });
  });
}

// POST /v1/orders/{id}/cancel {"reason"?}: before shipping. A paid order's stock goes back on
// hand and what was paid is refunded, as the order's own steps.
void cancel(const call_ptr& call) {
  body_reader body(call->request.body, {"reason"});
  auto reason = body.text("reason", 200, false);
  if (body.error()) return call->respond(*body.error());
  read_entity<order_decider>(call, call->param("id"), "order " + call->param("id"),
                             [call, reason](order_reply& order) {
    if (order.state.status == order_status::pending_payment)
      return call->respond(problem(409, "checkout_in_progress", "Conflict",
                                   "the order's checkout is still charging; it cancels the order itself if payment fails"));
    command_entity<order_decider>(call, order.state.id,
                                  cancel_order{reason.empty() ? std::string("cancelled on request") : reason}, std::nullopt,
                                  [call, id = order.state.id](order_reply&) { answer_when_settled(call, id + "/cancel"); });
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
