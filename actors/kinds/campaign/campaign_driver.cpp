#include "actors/kinds/campaign/campaign_driver.hpp"

#include "actors/entity_client.hpp"
#include "domain/campaign.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "protocols/read_model.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <map>
#include <memory>
#include <set>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::entity_status;
using product_reply = protocols::entity_reply<inventory_decider>;
using campaign_reply = protocols::entity_reply<campaign_decider>;

// Counts steps down and answers the delivery when the last one is done: an error if any step
// got no definite answer (the delivery comes again).
struct countdown {
  caf::response_promise promise;
  std::size_t left = 1;  // the caller's own, released by done()
  bool fine = true;

  void add(std::size_t n = 1) { left += n; }
  void step(bool ok = true) {
    fine = fine && ok;
    if (--left > 0) return;
    if (fine) promise.deliver(caf::unit);
    else promise.deliver(caf::make_error(caf::sec::runtime_error, "a campaign step got no definite answer"));
  }
};
using countdown_ptr = std::shared_ptr<countdown>;

struct driver {
  caf::event_based_actor* self;
  entity_regions regions;
  kind_actors views;
  std::chrono::milliseconds timeout;

  entity_client<inventory_decider> products() const { return {self, regions, timeout}; }
  entity_client<campaign_decider> campaigns() const { return {self, regions, timeout}; }
  static protocols::command_metadata meta(const std::string& campaign) {
    return {"", "campaign/" + campaign, "campaign/" + campaign};
  }

  // The active campaigns, from the read model.
  template <class Then>
  void active_campaigns(const countdown_ptr& c, Then then) const {
    const auto view = views.of<campaign_decider>();
    if (!view) return c->step(false);
    protocols::view_query<campaign_decider> query;
    query.where = {{"exists", "true"}, {"status", "active"}};
    query.limit = 100'000;
    self->request(view, timeout, caf::get_atom::value, std::move(query))
        .then([then](protocols::view_page<campaign_decider>& page) mutable { then(page.items); },
              [c](caf::error&) { c->step(false); });
  }

  // A product changed: each active campaign covering it observes its available stock.
  void observe(const countdown_ptr& c, const std::string& sku) const {
    products().read(
        sku,
        [=](product_reply& p) {
          if (p.status != entity_status::accepted) return c->step(false);
          if (!p.state.exists) return c->step();
          active_campaigns(c, [=, state = p.state](std::vector<protocols::view_entry<campaign_decider>>& active) {
            for (const auto& entry : active) {
              if (!entry.state.covers(sku, state.category)) continue;
              c->add();
              campaigns().command(
                  entry.id, observe_inventory{sku, state.available()}, meta(entry.id), std::nullopt,
                  [c](campaign_reply& r) { c->step(r.status == entity_status::accepted); },
                  [c](caf::error&) { c->step(false); });
            }
            c->step();
          });
        },
        [c](caf::error&) { c->step(false); });
  }

  // Campaign `id` fired on `sku` (its event's version `version`): apply its rule unless a
  // campaign of higher priority holds on the SKU too.
  void fire(const countdown_ptr& c, const std::string& id, const std::string& sku, std::int64_t version) const {
    active_campaigns(c, [=](std::vector<protocols::view_entry<campaign_decider>>& active) {
      const protocols::view_entry<campaign_decider>* self_entry = nullptr;
      for (const auto& e : active)
        if (e.id == id) self_entry = &e;
      if (!self_entry) return c->step();  // paused or rolled back since
      for (const auto& e : active) {
        const auto held = e.state.held.find(sku);
        const bool holds = held != e.state.held.end() && held->second;
        if (e.id != id && holds &&
            (e.state.priority > self_entry->state.priority || (e.state.priority == self_entry->state.priority && e.id < id)))
          return c->step();  // the other one wins the SKU
      }
      const auto reference = id + "/" + std::to_string(version);
      products().command(
          sku, apply_price_rule{self_entry->state.rule, price_cause::campaign, reference}, meta(id), std::nullopt,
          [=](product_reply& p) {
            if (p.status == entity_status::rejected) return c->step();  // e.g. another currency: nothing to do
            if (p.status != entity_status::accepted) return c->step(false);
            std::optional<std::pair<money, money>> change;
            for (const auto& ev : p.events)
              if (const auto* x = std::get_if<price_changed>(&ev)) change = {{x->old_price, x->new_price}};
            for (const auto& done : p.state.recent_price_changes)
              if (!change && done.reference == reference) change = {{done.old_price, done.new_price}};
            if (!change) return c->step();  // the rule left the price as it was
            campaigns().command(
                id, record_campaign_price{sku, change->first, change->second}, meta(id), std::nullopt,
                [c](campaign_reply& r) { c->step(r.status == entity_status::accepted); },
                [c](caf::error&) { c->step(false); });
          },
          [c](caf::error&) { c->step(false); });
    });
  }

  // Campaign `id` rolls back: every SKU it changed and has not rolled back yet, then the end.
  void roll_back(const countdown_ptr& c, const std::string& id) const {
    campaigns().read(
        id,
        [=](campaign_reply& r) {
          if (r.status != entity_status::accepted) return c->step(false);
          if (r.state.status != campaign_status::rolling_back) return c->step();
          const auto left = campaign_decider::rollback_left(r.state);
          if (left.empty()) return finish(c, id);
          auto pending = std::make_shared<std::size_t>(left.size());
          auto fine = std::make_shared<bool>(true);
          for (const auto& sku : left) {
            const auto prior = r.state.prior_prices.at(sku);
            const auto expected = r.state.last_set.at(sku);
            const auto reference = id + "/rollback";
            auto one_done = [=](bool ok) {
              *fine = *fine && ok;
              if (--*pending > 0) return;
              if (*fine) finish(c, id);
              else c->step(false);
            };
            products().command(
                sku, restore_price{prior, expected, reference}, meta(id), std::nullopt,
                [=](product_reply& p) {
                  if (p.status != entity_status::accepted) return one_done(false);
                  bool restored = !p.events.empty();
                  for (const auto& done : p.state.recent_price_changes) restored = restored || done.reference == reference;
                  const auto command = restored ? record_rollback{sku, expected, prior, false}
                                                : record_rollback{sku, p.state.price, p.state.price, true};
                  campaigns().command(
                      id, command, meta(id), std::nullopt,
                      [=](campaign_reply& rec) { one_done(rec.status == entity_status::accepted); },
                      [=](caf::error&) { one_done(false); });
                },
                [=](caf::error&) { one_done(false); });
          }
        },
        [c](caf::error&) { c->step(false); });
  }

  void finish(const countdown_ptr& c, const std::string& id) const {
    campaigns().command(
        id, finish_rollback{}, meta(id), std::nullopt,
        [c](campaign_reply& r) { c->step(r.status == entity_status::accepted); }, [c](caf::error&) { c->step(false); });
  }
};

}  // namespace

caf::actor spawn_campaign_driver(caf::actor_system& system, entity_regions regions, kind_actors views,
                                 std::chrono::milliseconds timeout) {
  return system.spawn([regions, views, timeout](caf::event_based_actor* self) -> caf::behavior {
    return {
        [=](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          std::set<std::string> skus, rolling_back;
          std::vector<std::tuple<std::string, std::string, std::int64_t>> fired;  // campaign, sku, version
          for (const auto& e : events) {
            if (e.stream_type == inventory_decider::stream_type) {
              if (e.event_type != "PriceChanged" && e.event_type != "ProductUpdated") skus.insert(e.stream_id);
              continue;
            }
            if (e.stream_type != campaign_decider::stream_type) continue;
            campaign_event decoded;
            try {
              decoded = decode_event<campaign_event>(e.event_type, e.schema_version, boost::json::parse(e.data));
            } catch (const std::exception& ex) {
              return protocols::permanent_failure("campaign " + e.stream_id + ": " + ex.what());
            }
            if (const auto* x = std::get_if<campaign_crossing>(&decoded); x && x->fired)
              fired.emplace_back(e.stream_id, x->sku, e.version);
            if (const auto* x = std::get_if<campaign_status_changed>(&decoded); x && x->to == campaign_status::rolling_back)
              rolling_back.insert(e.stream_id);
          }
          if (skus.empty() && fired.empty() && rolling_back.empty()) return caf::unit;
          auto c = std::make_shared<countdown>();
          c->promise = self->make_response_promise();
          const driver d{self, regions, views, timeout};
          c->add(skus.size() + fired.size() + rolling_back.size());
          for (const auto& sku : skus) d.observe(c, sku);
          for (const auto& [id, sku, version] : fired) d.fire(c, id, sku, version);
          for (const auto& id : rolling_back) d.roll_back(c, id);
          c->step();  // the caller's own
          return c->promise;
        },
    };
  });
}

}  // namespace commerce::actors
