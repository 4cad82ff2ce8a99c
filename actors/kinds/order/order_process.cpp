#include "actors/kinds/order/order_process.hpp"

#include "actors/entity_client.hpp"
#include "common/log.hpp"
#include "domain/inventory.hpp"
#include "protocols/entity.hpp"
#include "protocols/payment.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::actors {
namespace {

using namespace domain;
using tell_fn = std::function<void(order_command)>;

struct step_context {
  caf::event_based_actor* self;
  std::shared_ptr<const entity_services> services;
  order_process_options options;
  order_state order;
  std::shared_ptr<const void> busy;  // held while any part of the step runs
  tell_fn tell;
};
using step_ptr = std::shared_ptr<const step_context>;

// Every line's units back on hand, recorded once per order and SKU (the order id is the
// reference), so running this again returns nothing twice.
void restock(const step_ptr& ctx) {
  auto left = std::make_shared<std::size_t>(ctx->order.lines.size());
  auto fine = std::make_shared<bool>(true);
  for (const auto& line : ctx->order.lines)
    entity_client<inventory_decider>{ctx->self, ctx->services->peers, ctx->options.ask_timeout}.command(
        line.sku, return_stock{ctx->order.id, line.quantity, "order cancelled"},
        {"", ctx->order.id, "order/" + ctx->order.id}, std::nullopt,
            [ctx, left, fine](protocols::entity_reply<inventory_decider>& r) {
              if (r.status != protocols::entity_status::accepted) {
                log::warn("order restock refused", {{"order", ctx->order.id}, {"code", r.rejection ? r.rejection->code : ""}});
                *fine = false;
              }
              if (--*left == 0 && *fine) ctx->tell(record_restocked{});
            },
            [ctx, left, fine](caf::error&) {  // no answer: not recorded, the deadline runs it again
              *fine = false;
              if (--*left == 0) log::warn("order restock incomplete", {{"order", ctx->order.id}});
            });
}

void refund(const step_ptr& ctx, const pending_refund& pending) {
  protocols::refund_request request{pending.key, ctx->order.transaction_id, pending.amount};
  ctx->self->request(ctx->services->payments.get(), ctx->options.payment_timeout, protocols::refund_atom::value, request)
      .then(
          [ctx, key = pending.key](protocols::payment_outcome& out) {
            switch (out.status) {
              case protocols::payment_status::succeeded:
                if (!out.id.empty()) return ctx->tell(record_refund{key, out.id});
                break;  // a yes without an id cannot be recorded: ask again later
              case protocols::payment_status::refused: return ctx->tell(record_refund_refused{key, out.code});
              case protocols::payment_status::unavailable: break;
            }
            log::warn("refund pending: no definitive answer", {{"order", ctx->order.id}, {"key", key}, {"detail", out.detail}});
          },
          [ctx](caf::error&) {});
}

}  // namespace

order_react order_steps(entity_services services, order_process_options options) {
  auto shared = std::make_shared<const entity_services>(std::move(services));
  return [shared, options](caf::event_based_actor* self, const order_state& state, const std::vector<order_event>&,
                           std::shared_ptr<const void> busy, tell_fn tell) {
    if (!state.exists || !state.has_pending_steps()) return;
    auto ctx = std::make_shared<const step_context>(step_context{self, shared, options, state, std::move(busy), std::move(tell)});
    // Money first: one outside call at a time, the oldest refund first; then the stock.
    if (!state.pending_refunds.empty()) return refund(ctx, state.pending_refunds.front());
    restock(ctx);
  };
}

}  // namespace commerce::actors
