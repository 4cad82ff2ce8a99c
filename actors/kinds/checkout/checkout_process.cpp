#include "actors/kinds/checkout/checkout_process.hpp"

#include "actors/entity_client.hpp"
#include "actors/kinds/kind_module.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/alert.hpp"
#include "domain/cart.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/entity.hpp"
#include "protocols/payment.hpp"
#include "protocols/payment_tokens.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::entity_status;
using tell_fn = std::function<void(checkout_command)>;

// What an entity said to a step: its status and, when it refused, why.
struct answer {
  entity_status status = entity_status::storage_unavailable;
  std::optional<rejection> why;

  bool accepted() const { return status == entity_status::accepted; }
  bool refused_with(std::string_view code) const {
    return status == entity_status::rejected && why && why->code == code;
  }
};

struct step_context {
  caf::event_based_actor* self;
  std::shared_ptr<const entity_services> services;
  checkout_process_options options;
  checkout_state checkout;
  std::shared_ptr<const void> busy;  // held while any part of the step runs
  tell_fn tell;

  protocols::command_metadata meta() const { return {"", checkout.id, "checkout/" + checkout.id}; }
  timestamp now() const { return services->clock ? services->clock() : system_now(); }
};
using step_ptr = std::shared_ptr<const step_context>;

template <class Decider>
entity_client<Decider> client_of(const step_ptr& ctx) {
  return {ctx->self, ctx->services->peers, ctx->options.ask_timeout};
}

template <class Decider, class Done>
void ask(const step_ptr& ctx, std::string id, typename Decider::command command, Done done,
         std::optional<std::int64_t> expected_version = std::nullopt) {
  client_of<Decider>(ctx).command(
      std::move(id), std::move(command), ctx->meta(), expected_version,
      [done](protocols::entity_reply<Decider>& r) mutable { done(answer{r.status, std::move(r.rejection)}); },
      [done](caf::error&) mutable { done(answer{}); });
}

// Runs `each(line, finished)` for every line at once; `then(all_fine)` once all have finished.
template <class Each, class Then>
void for_each_line(const step_ptr& ctx, Each each, Then then) {
  auto left = std::make_shared<std::size_t>(ctx->checkout.lines.size());
  auto fine = std::make_shared<bool>(true);
  for (const auto& line : ctx->checkout.lines)
    each(line, [left, fine, then](bool ok) mutable {
      *fine = *fine && ok;
      if (--*left == 0) then(*fine);
    });
}

void warn(const step_ptr& ctx, const char* what, const answer& a) {
  log::warn("checkout step refused", {{"checkout", ctx->checkout.id}, {"step", std::string(to_string(ctx->checkout.step))},
                                      {"what", what}, {"code", a.why ? a.why->code : "no answer"}});
}

// The cart, at the version the client saw, becomes checking_out by this checkout. Run again
// after it did, the version has moved on: the cart's own state then says whether it is ours.
void claim_cart(const step_ptr& ctx) {
  const auto& c = ctx->checkout;
  auto refuse = [ctx](std::string code, std::string detail) {
    ctx->tell(record_cart_refused{std::move(code), std::move(detail)});
  };
  ask<cart_decider>(ctx, c.cart_id, begin_checkout{c.id},
                    [ctx, refuse](answer a) {
    if (a.accepted()) return ctx->tell(record_cart_claimed{});
    if (a.status == entity_status::rejected && a.why) return refuse(a.why->code, a.why->detail);
    if (a.status != entity_status::precondition_failed) return;  // transient: resumed later
    client_of<cart_decider>(ctx).read(
        ctx->checkout.cart_id,
        [ctx, refuse](protocols::entity_reply<cart_decider>& cart) {
          if (cart.state.checkout_id == ctx->checkout.id && cart.state.status != cart_status::open)
            return ctx->tell(record_cart_claimed{});
          refuse(std::string(codes::cart_not_open), "the cart changed since it was read; check it and try again");
        },
        [](caf::error&) {});
  }, c.cart_version);
}

// Each line's stock held at stage checkout. The cart's reservation usually stands and is simply
// advanced; one that lapsed (not_found) is reserved again first. Run again after it advanced,
// the reservation is already at checkout or beyond (nothing, or invalid_transition): done.
void hold_stock(const step_ptr& ctx) {
  auto shortage = std::make_shared<std::optional<record_stock_short>>();
  const auto expires = ctx->now() + ctx->options.reservation_ttl;
  for_each_line(
      ctx,
      [ctx, shortage, expires](const checkout_line& line, auto finished) {
        const auto& holder = ctx->checkout.cart_id;
        auto advance = [ctx, holder, line](auto then) {
          ask<inventory_decider>(ctx, line.sku,
                                 advance_reservation{holder, reservation_stage::checkout, std::nullopt, line.quantity},
                                 then);
        };
        auto advanced = [ctx](answer a) {
          const bool ok = a.accepted() || a.refused_with(codes::invalid_transition);
          if (!ok) warn(ctx, "advance to checkout", a);
          return ok;
        };
        auto short_of = [shortage, line](const answer& a) {
          const auto* available = a.why->extra.if_contains("available");
          if (!*shortage) *shortage = record_stock_short{line.sku, available ? available->to_number<std::int64_t>() : 0};
        };
        advance([=](answer a) mutable {
          if (a.refused_with(codes::insufficient_stock)) {  // the order asks for more than its cart held
            short_of(a);
            return finished(false);
          }
          if (!a.refused_with(codes::not_found)) return finished(advanced(a));
          ask<inventory_decider>(ctx, line.sku, reserve_stock{holder, line.quantity, expires},
                                 [=](answer a) mutable {
            if (a.refused_with(codes::insufficient_stock) || a.refused_with(codes::not_found)) {
              short_of(a);
              return finished(false);
            }
            if (!a.accepted()) return finished(false);
            advance([=](answer a) mutable { finished(advanced(a)); });
          });
        });
      },
      [ctx, shortage](bool all_held) {
        if (*shortage) return ctx->tell(**shortage);
        if (all_held) ctx->tell(record_stock_held{});
      });
}

void place(const step_ptr& ctx) {
  const auto& c = ctx->checkout;
  place_order command{c.cart_id, c.customer_id, c.email, c.shipping_address, {}};
  for (const auto& l : c.lines) command.lines.push_back({l.sku, l.quantity, l.unit_price});
  ask<order_decider>(ctx, c.order_id, std::move(command), [ctx](answer a) {
    if (a.accepted()) return ctx->tell(record_order_placed{});
    if (a.status == entity_status::rejected) warn(ctx, "place order", a);
  });
}

// Reservations to stage payment, then the attempt journaled (record_charge_attempt); only once
// it is durable does send_charge call the provider. Keyed by the checkout: however often this
// runs, the provider charges once.
void charge(const step_ptr& ctx) {
  if (ctx->checkout.retry_payment_at || ctx->checkout.stalled) return;  // waiting: the deadline resumes it
  for_each_line(
      ctx,
      [ctx](const checkout_line& line, auto finished) {
        ask<inventory_decider>(ctx, line.sku,
                               advance_reservation{ctx->checkout.cart_id, reservation_stage::payment, std::nullopt},
                               [ctx, finished](answer a) mutable {
                                 if (!a.accepted()) warn(ctx, "advance to payment", a);
                                 finished(a.accepted());
                               });
      },
      [ctx](bool all_advanced) {
        if (all_advanced) ctx->tell(record_charge_attempt{});
      });
}

// The journaled attempt's one call. Only the provider's yes or no is definitive; anything else
// (no answer, 5xx, 409 for the key in flight, a lost connection) is reported unavailable and
// the checkout asks again later with the same key.
void charge_with(const step_ptr& ctx, std::string token) {
  const auto& c = ctx->checkout;
  protocols::charge_request request{c.charge_key(), c.total.amount, c.total.currency, std::move(token),
                                    "order " + c.order_id};
  ctx->self->request(ctx->services->payments.get(), ctx->options.payment_timeout, protocols::charge_atom::value, request)
      .then(
          [ctx](protocols::payment_outcome& out) {
            switch (out.status) {
              case protocols::payment_status::succeeded:
                if (out.id.empty())  // a yes without a charge id cannot be recorded: ask again
                  return ctx->tell(record_charge_unavailable{true, 1000, "the provider answered without a charge id"});
                return ctx->tell(record_charge_succeeded{out.id});
              case protocols::payment_status::refused: return ctx->tell(record_charge_refused{out.code, out.detail});
              case protocols::payment_status::unavailable:
                return ctx->tell(record_charge_unavailable{out.maybe_delivered, out.retry_after_ms, out.detail});
            }
          },
          [ctx](caf::error& e) { ctx->tell(record_charge_unavailable{true, 1000, ctx->self->system().render(e)}); });
}

// The card token from the vault (protocols/payment_tokens.hpp), then the call. A token no
// longer held is definitive only if no earlier attempt may have reached the provider; else the
// checkout cannot ask again with the same key and waits, stalling for an operator in the end.
void send_charge(const step_ptr& ctx) {
  const auto& c = ctx->checkout;
  const bool earlier_attempt = c.charge_attempts > 1 || c.payment_retries > 0;
  ctx->self->request(ctx->services->payment_tokens.get(), ctx->options.ask_timeout, caf::get_atom::value, c.id)
      .then(
          [ctx, earlier_attempt](std::string& token) {
            if (!token.empty()) return charge_with(ctx, std::move(token));
            if (!earlier_attempt)
              return ctx->tell(record_charge_refused{"payment_token_expired",
                                                     "the card token is no longer held; check out again"});
            ctx->tell(record_charge_unavailable{true, 1000, "the card token is no longer held; an earlier attempt "
                                                            "may have charged, so only the same request may be sent"});
          },
          [ctx](caf::error& e) {  // nothing was sent this time
            ctx->tell(record_charge_unavailable{false, 1000, "payment token vault: " + ctx->self->system().render(e)});
          });
}

// A checkout that is over no longer needs its card token.
void forget_token(const step_ptr& ctx) {
  if (auto vault = ctx->services->payment_tokens.get()) caf::anon_send(vault, caf::delete_atom::value, ctx->checkout.id);
}

// The operator's alert for a stalled checkout (domain/alert.hpp). Raised again after every
// recovery of a stalled checkout: it is raised once per checkout, so a repeat changes nothing,
// and a crash between the stall and the alert loses nothing.
void alert_stalled(const step_ptr& ctx, const std::string& detail) {
  const auto& c = ctx->checkout;
  const bool charged = !c.transaction_id.empty();
  raise_alert alert{"checkout_stalled", std::string(checkout_decider::stream_type) + "/" + c.id,
                    "checkout " + c.id + " (order " + c.order_id + ") stalled at step " +
                        std::string(to_string(c.step)) + ": " + detail +
                        (charged               ? "; it has charged: resume it once the cause is fixed"
                         : c.charge_attempts > 0 ? "; a charge may have reached the provider: look there for " +
                                                       c.charge_key() + " before abandoning it"
                                                 : "; abandon it to release its stock, order and cart")};
  ask<alert_decider>(ctx, "checkout-stalled-" + c.id, std::move(alert),
                     [ctx](answer a) {
                       if (!a.accepted()) warn(ctx, "raise the stall's alert", a);
                     });
}

// Past its bound: an alert (log, metric and alert entity) and a dead letter carrying the
// checkout's state.
// Delivering the letter again (POST /admin/dead-letters/{id}/retry) is the operator's decision
// to abandon it: its stock, order and cart are released. Discarding it leaves them held.
void raise_stalled(const step_ptr& ctx, const checkout_stalled& stalled) {
  const auto& c = ctx->checkout;
  static auto& alerts = metrics::registry::global().get_counter(
      "commerce_sagas_stalled_total", "Sagas that did not finish within their bound and wait for an operator",
      {{"kind", "checkout"}});
  alerts.add();
  log::error("checkout stalled: an operator must decide", {{"checkout", c.id}, {"order", c.order_id},
                                                            {"step", std::string(to_string(c.step))},
                                                            {"detail", stalled.detail}});
  alert_stalled(ctx, stalled.detail);
  if (!ctx->services->dead_letters) return;
  // Not charged: retrying releases it. Charged: retrying resumes it (abandoning would keep the
  // customer's money), once the operator has fixed what held it up.
  const bool charged = !c.transaction_id.empty();
  auto command = domain::encode_command(charged ? checkout_command{resume_checkout{}}
                                                : checkout_command{abandon_checkout{"stalled: " + stalled.detail}});
  protocols::dead_letter letter;
  letter.target = std::string(checkout_decider::stream_type) + "/" + c.id;
  letter.message_type = std::move(command.type);
  letter.payload = boost::json::serialize(boost::json::object{
      {"id", c.id}, {"command", std::move(command.data)}, {"meta", boost::json::object{}},
      {"state", boost::json::value_from(c)}});
  letter.reason = "checkout stalled at step " + std::string(to_string(c.step)) + ": " + stalled.detail +
                  (charged ? "; it has charged: retry resumes it to finish"
                           : "; retry releases its stock, order and cart, discard leaves them held");
  letter.attempts = c.charge_attempts;
  letter.first_failed_ms = letter.last_failed_ms = stalled.at.ms_since_epoch;
  if (auto office = ctx->services->dead_letters.get())
    caf::anon_send(office, caf::put_atom::value, std::move(letter));
  else  // restarting: the alert above and this log are what is left of it
    log::error("dead-letter office unavailable; letter only logged", {{"entity", letter.target}, {"payload", letter.payload}});
}

// Stock sold first, then the order paid and the cart converted together: a paid order always
// has its stock. A commit run again finds the reservation gone (it was sold): that counts as done.
void commit(const step_ptr& ctx) {
  for_each_line(
      ctx,
      [ctx](const checkout_line& line, auto finished) {
        auto sell = [ctx, line, finished]() mutable {
          ask<inventory_decider>(ctx, line.sku, commit_reservation{ctx->checkout.cart_id},
                                 [finished](answer a) mutable { finished(a.accepted() || a.refused_with(codes::not_found)); });
        };
        if (ctx->checkout.total.amount != 0) return sell();
        // A free order skipped charging, where reservations reach stage payment: move them now
        // (already there or already sold: nothing to do).
        ask<inventory_decider>(ctx, line.sku,
                               advance_reservation{ctx->checkout.cart_id, reservation_stage::payment, std::nullopt},
                               [sell](answer) mutable { sell(); });
      },
      [ctx](bool all_sold) {
        if (!all_sold) return;
        const auto& c = ctx->checkout;
        auto left = std::make_shared<int>(2);
        auto fine = std::make_shared<bool>(true);
        auto done = [ctx, left, fine](const char* what, answer a) {
          if (!a.accepted()) warn(ctx, what, a);
          *fine = *fine && a.accepted();
          if (--*left == 0 && *fine) ctx->tell(record_committed{});
        };
        ask<order_decider>(ctx, c.order_id, record_payment{c.transaction_id, c.total},
                           [done](answer a) { done("order paid", a); });
        ask<cart_decider>(ctx, c.cart_id, complete_checkout{c.id, c.order_id},
                          [done](answer a) { done("cart converted", a); });
      });
}

// Undoes a checkout that cannot go on: reservations back to stage cart (they expire with the
// cart's TTL as before), the order cancelled if it was placed, the cart open again.
void release(const step_ptr& ctx) {
  const auto expires = ctx->now() + ctx->options.reservation_ttl;
  for_each_line(
      ctx,
      [ctx, expires](const checkout_line& line, auto finished) {
        ask<inventory_decider>(ctx, line.sku,
                               advance_reservation{ctx->checkout.cart_id, reservation_stage::cart, expires},
                               [finished](answer a) mutable {
                                 finished(a.accepted() || a.refused_with(codes::not_found));
                               });
      },
      [ctx](bool all_back) {
        if (!all_back) return;
        auto reopen_cart = [ctx] {
          const auto& c = ctx->checkout;
          ask<cart_decider>(ctx, c.cart_id,
                            cancel_checkout{c.id, c.failure ? c.failure->code : "released"}, [ctx](answer a) {
                              if (!a.accepted()) return warn(ctx, "reopen cart", a);
                              ctx->tell(record_released{});
                            });
        };
        const auto& c = ctx->checkout;
        if (!c.order_placed) return reopen_cart();
        ask<order_decider>(ctx, c.order_id,
                           cancel_order{c.failure ? c.failure->code : "checkout released"}, [ctx, reopen_cart](answer a) {
                             if (!a.accepted()) return warn(ctx, "cancel order", a);
                             reopen_cart();
                           });
      });
}

}  // namespace

checkout_react checkout_steps(entity_services services, checkout_process_options options) {
  auto shared = std::make_shared<const entity_services>(std::move(services));
  return [shared, options](caf::event_based_actor* self, const checkout_state& state,
                           const std::vector<checkout_event>& appended, std::shared_ptr<const void> busy, tell_fn tell) {
    if (!state.exists) return;
    auto ctx = std::make_shared<const step_context>(
        step_context{self, shared, options, state, std::move(busy), std::move(tell)});
    const auto just = [&appended](auto* which) {
      using wanted = std::remove_pointer_t<decltype(which)>;
      for (const auto& e : appended)
        if (const auto* found = std::get_if<wanted>(&e)) return found;
      return static_cast<const wanted*>(nullptr);
    };
    if (const auto* stalled = just(static_cast<checkout_stalled*>(nullptr))) return raise_stalled(ctx, *stalled);
    if (state.stalled) return alert_stalled(ctx, "found stalled after a restart");
    switch (state.step) {
      case checkout_step::claiming_cart: return claim_cart(ctx);
      case checkout_step::holding_stock: return hold_stock(ctx);
      case checkout_step::placing_order: return place(ctx);
      case checkout_step::charging:
        // Only right after its attempt became durable; any other time (recovery, a resume) a
        // new attempt is journaled first, so the count of attempts never understates.
        if (state.charge_open && just(static_cast<checkout_charge_attempted*>(nullptr))) return send_charge(ctx);
        return charge(ctx);
      case checkout_step::committing: return commit(ctx);
      case checkout_step::releasing: return release(ctx);
      case checkout_step::completed:
      case checkout_step::failed:
        if (!appended.empty()) forget_token(ctx);  // just finished
        return;
    }
  };
}

}  // namespace commerce::actors
