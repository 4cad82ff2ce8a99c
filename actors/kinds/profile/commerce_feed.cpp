#include "actors/kinds/profile/commerce_feed.hpp"

#include "actors/entity_client.hpp"
#include "actors/kinds/profile/identity_resolution.hpp"
#include "common/log.hpp"
#include "domain/cart.hpp"
#include "domain/checkout.hpp"
#include "domain/event_codec.hpp"
#include "domain/order.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <unordered_map>

namespace commerce::actors {
namespace {

using namespace domain;

// A journal event that becomes a customer event once the entity it needs (if any) is read.
struct pending_event {
  customer_event event;
  std::string read_cart;   // its email comes from this cart
  std::string read_order;  // its email and lines come from this order
  boost::json::object payload;
};

// The email each cart was created with ("" for none), as CartCreated said: most carts have
// none, and knowing that spares reading the cart at every line. Carts created before the feed's
// checkpoint are read once. Forgotten all at once past max_carts_known.
struct cart_emails {
  static constexpr std::size_t max_carts_known = 100000;
  std::unordered_map<std::string, std::string> by_cart;
  void learn(const std::string& cart, std::string email) {
    if (by_cart.size() >= max_carts_known) by_cart.clear();
    by_cart[cart] = std::move(email);
  }
};

std::optional<pending_event> pending_of(const protocols::stored_event& e, cart_emails& carts) {
  const timestamp at{e.recorded_at_ms};
  if (e.stream_type == cart_decider::stream_type && e.event_type == cart_created::type_name) {
    carts.learn(e.stream_id,
                std::get<cart_created>(decode_event<cart_event>(e.event_type, e.schema_version, boost::json::parse(e.data))).email);
    return std::nullopt;
  }
  if (e.stream_type == cart_decider::stream_type && e.event_type == cart_line_set::type_name) {
    const auto known = carts.by_cart.find(e.stream_id);
    if (known != carts.by_cart.end() && known->second.empty()) return std::nullopt;  // nobody to attach it to
    const auto line = std::get<cart_line_set>(decode_event<cart_event>(e.event_type, e.schema_version, boost::json::parse(e.data)));
    pending_event p{{"cart_add-" + e.stream_id + "-" + std::to_string(e.version), event_source::api, "cart_add", at, "", {}},
                    "", "", {{"cart_id", e.stream_id}, {"sku", line.sku}, {"quantity", line.quantity}}};
    if (known != carts.by_cart.end()) p.payload["email"] = known->second;
    else p.read_cart = e.stream_id;
    return p;
  }
  if (e.stream_type == checkout_decider::stream_type && e.event_type == checkout_begun::type_name) {
    const auto begun = std::get<checkout_begun>(decode_event<checkout_event>(e.event_type, e.schema_version, boost::json::parse(e.data)));
    pending_event p{{"checkout_started-" + e.stream_id, event_source::api, "checkout_started", at, "", {}}, "", "",
                    {{"email", begun.email}, {"cart_id", begun.cart_id}, {"order_id", begun.order_id},
                     {"total", begun.total.amount}, {"currency", begun.total.currency}}};
    return p;
  }
  if (e.stream_type == order_decider::stream_type && e.event_type == order_paid::type_name)
    return pending_event{{"purchase-" + e.stream_id, event_source::api, "purchase", at, "", {}}, "", e.stream_id, {}};
  return std::nullopt;
}

struct feed_run {
  std::vector<pending_event> pending;
  std::size_t left = 0;
  bool failed = false;
  caf::response_promise promise;
};
using run_ptr = std::shared_ptr<feed_run>;

void resolve(caf::event_based_actor* self, const entity_regions& regions, const identity_rules& rules,
             std::chrono::milliseconds timeout, const run_ptr& run) {
  if (run->failed) return run->promise.deliver(caf::make_error(caf::sec::request_timeout, "a cart or order did not answer"));
  auto batch = std::make_shared<resolution_batch>();
  for (auto& p : run->pending) {
    auto ids = extract_identifiers(event_source::api, p.payload, rules);
    if (ids.empty()) continue;  // nobody to attach it to: a cart without an email
    p.event.payload = boost::json::serialize(p.payload);
    batch->events.push_back({std::move(p.event), std::move(ids)});
  }
  if (batch->events.empty()) return run->promise.deliver(caf::unit);
  self->request(spawn_resolver(self->system(), regions, timeout), std::chrono::minutes(2), batch)
      .then(
          [run](resolution_batch_ptr& done) {
            for (const auto& r : done->results)
              if (r.error) return run->promise.deliver(caf::make_error(caf::sec::runtime_error, r.error->detail));
            run->promise.deliver(caf::unit);
          },
          [run](caf::error& e) { run->promise.deliver(std::move(e)); });
}

}  // namespace

caf::actor spawn_commerce_feed(caf::actor_system& system, entity_regions regions, identity_rules rules,
                               std::chrono::milliseconds timeout) {
  return system.spawn([regions, rules, timeout](caf::event_based_actor* self) -> caf::behavior {
    auto carts = std::make_shared<cart_emails>();
    return {
        [=](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          auto run = std::make_shared<feed_run>();
          try {
            for (const auto& e : events)
              if (auto p = pending_of(e, *carts)) run->pending.push_back(std::move(*p));
          } catch (const std::exception& ex) {
            return protocols::permanent_failure(std::string("a cart, checkout or order event did not decode: ") + ex.what());
          }
          if (run->pending.empty()) return caf::unit;
          run->promise = self->make_response_promise();
          for (auto& p : run->pending) run->left += !p.read_cart.empty() || !p.read_order.empty();
          if (run->left == 0) {
            resolve(self, regions, rules, timeout, run);
            return run->promise;
          }
          auto one_read = [=] {
            if (--run->left == 0) resolve(self, regions, rules, timeout, run);
          };
          auto failed = [=](caf::error&) {
            run->failed = true;
            one_read();
          };
          for (auto& p : run->pending) {
            if (!p.read_cart.empty())
              entity_client<cart_decider>{self, regions, timeout}.read(
                  p.read_cart,
                  [&p, run, carts, one_read](protocols::entity_reply<cart_decider>& r) {
                    if (r.status != protocols::entity_status::accepted) run->failed = true;
                    else carts->learn(r.state.id, r.state.email);
                    if (!r.state.email.empty()) p.payload["email"] = r.state.email;
                    one_read();
                  },
                  failed);
            else if (!p.read_order.empty())
              entity_client<order_decider>{self, regions, timeout}.read(
                  p.read_order,
                  [&p, run, one_read](protocols::entity_reply<order_decider>& r) {
                    if (r.status != protocols::entity_status::accepted) run->failed = true;
                    boost::json::array lines;
                    for (const auto& l : r.state.lines) lines.push_back({{"sku", l.sku}, {"quantity", l.quantity}});
                    p.payload = {{"email", r.state.email}, {"order_id", r.state.id}, {"total", r.state.total.amount},
                                 {"currency", r.state.total.currency}, {"lines", std::move(lines)}};
                    p.event.total = r.state.total;
                    one_read();
                  },
                  failed);
          }
          return run->promise;
        },
    };
  });
}

}  // namespace commerce::actors
