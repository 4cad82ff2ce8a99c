#include "actors/kinds/campaign/campaign_driver.hpp"

#include "actors/entity_client.hpp"
#include "actors/kinds/product/price_changes.hpp"
#include "domain/campaign.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "domain/webhook.hpp"
#include "protocols/journal.hpp"
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
  service<caf::actor> view_feed;
  service<protocols::journal_reader_actor> reader;
  std::chrono::milliseconds timeout;
  // The journal position of each campaign's last activation: a campaign observes only the
  // product events after it (one activated just now must not act on stock changes from before
  // it, which the read model, newer than a delivery, would not tell). Kept up to date from the
  // deliveries; read from the campaign's stream the first time it is needed.
  std::shared_ptr<std::map<std::string, std::int64_t>> activated = std::make_shared<std::map<std::string, std::int64_t>>();
  // Steps waiting for a timer (caf::tick_atom, key).
  std::shared_ptr<std::map<std::uint64_t, std::function<void()>>> later =
      std::make_shared<std::map<std::uint64_t, std::function<void()>>>();

  void after(std::chrono::milliseconds delay, std::function<void()> step) const {
    const auto key = later->empty() ? 1 : later->rbegin()->first + 1;
    later->emplace(key, std::move(step));
    self->delayed_send(self, delay, caf::tick_atom::value, key);
  }

  // Runs `then` once the campaigns' read model has applied the journal up to `at`: a campaign
  // created or activated just before a stock change must be among those that observe it.
  void await_view(const countdown_ptr& c, protocols::checkpoint at, std::function<void()> then, int tries = 0) const {
    const auto feed = view_feed.get();
    if (!feed) return c->step(false);
    self->request(feed, timeout, caf::get_atom::value)
        .then(
            [=](protocols::subscription_status& status) {
              const auto& seen = status.at;
              if (seen.transaction_id > at.transaction_id ||
                  (seen.transaction_id == at.transaction_id && seen.position >= at.position))
                return then();
              if (tries >= 500) return c->step(false);  // 10 s behind: the delivery comes again
              after(std::chrono::milliseconds(20), [=] { await_view(c, at, then, tries + 1); });
            },
            [c](caf::error&) { c->step(false); });
  }

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

  // Product `sku` changed (its events `versions` in this delivery): each active campaign
  // covering it observes the available stock after each of them, in order — a dip below the
  // line and back between two deliveries is a crossing too, so the stock is folded from the
  // product's stream, not read as it is now.
  struct product_change {
    std::int64_t version;
    std::int64_t position;
  };
  // The available stock right after a product's event, and what a firing on it is audited as.
  struct observation {
    std::int64_t version;
    std::int64_t available;
    std::string reason;
  };
  static std::string reason_of(const inventory_event& event) {
    const auto* counted = std::get_if<stock_counted>(&event);
    return counted && counted->source.rfind(reconciliation_source_prefix, 0) == 0 ? "reconciliation" : "trigger";
  }

  // `then(position of its last activation, 0 if none)`.
  void with_activation(const countdown_ptr& c, const std::string& id, std::function<void(std::int64_t)> then) const {
    if (auto it = activated->find(id); it != activated->end()) return then(it->second);
    self->request(reader.get(), timeout, protocols::load_atom::value, std::string(campaign_decider::stream_type), id,
                  std::int64_t{1}, false)
        .then(
            [=](protocols::recovered_stream& stream) {
              std::int64_t last = 0;
              for (const auto& e : stream.events)
                if (e.event_type == campaign_status_changed::type_name &&
                    boost::json::parse(e.data).at("to") == "active")
                  last = e.position;
              activated->emplace(id, last);
              then((*activated)[id]);
            },
            [c](caf::error&) { c->step(false); });
  }

  void observe(const countdown_ptr& c, const std::string& sku, std::vector<product_change> changes) const {
    products().read(
        sku,
        [=](product_reply& p) {
          if (p.status != entity_status::accepted) return c->step(false);
          if (!p.state.exists) return c->step();
          active_campaigns(c, [=, category = p.state.category](std::vector<protocols::view_entry<campaign_decider>>& active) {
            std::vector<std::string> covering;
            for (const auto& entry : active)
              if (entry.state.covers(sku, category)) covering.push_back(entry.id);
            if (covering.empty()) return c->step();
            self->request(reader.get(), timeout, protocols::load_atom::value, std::string(inventory_decider::stream_type),
                          sku, std::int64_t{1}, false)
                .then(
                    [=](protocols::recovered_stream& stream) {
                      std::vector<observation> available;  // after each change
                      try {
                        auto state = inventory_decider::initial(sku);
                        auto wanted = changes.begin();
                        for (const auto& e : stream.events) {
                          const auto event = decode_event<inventory_event>(e.event_type, e.schema_version,
                                                                           boost::json::parse(e.data));
                          state = inventory_decider::evolve(std::move(state), event);
                          if (wanted != changes.end() && e.version == wanted->version) {
                            available.push_back({e.version, state.available(), reason_of(event)});
                            ++wanted;
                          }
                        }
                      } catch (const std::exception&) {
                        return c->step(false);
                      }
                      if (available.size() != changes.size()) return c->step(false);  // the stream is behind
                      c->add(covering.size());
                      for (const auto& id : covering)
                        with_activation(c, id, [=](std::int64_t since) {
                          std::vector<observation> seen;  // after its activation
                          for (std::size_t i = 0; i < changes.size(); ++i)
                            if (changes[i].position > since) seen.push_back(available[i]);
                          observe_in_order(c, id, sku, std::move(seen), 0);
                        });
                      c->step();
                    },
                    [c](caf::error&) { c->step(false); });
          });
        },
        [c](caf::error&) { c->step(false); });
  }

  void observe_in_order(const countdown_ptr& c, const std::string& id, const std::string& sku,
                        std::vector<observation> available, std::size_t next) const {
    if (next == available.size()) return c->step();
    const auto& o = available[next];
    campaigns().command(
        id, observe_inventory{sku, o.available, o.version, o.reason}, meta(id), std::nullopt,
        [=](campaign_reply& r) {
          if (r.status != entity_status::accepted) return c->step(false);
          observe_in_order(c, id, sku, available, next + 1);
        },
        [c](caf::error&) { c->step(false); });
  }

  // Campaign `id` fired on `sku` (its event's version `version`): apply its rule unless a
  // campaign that outranks it (higher priority; on a tie, the smaller id) covers the SKU and
  // holds on it too. Whether another holds is read from that campaign itself, not the read
  // model, which may not show a crossing of the same moment yet.
  void fire(const countdown_ptr& c, const std::string& id, const std::string& sku, std::int64_t version,
            const std::string& reason) const {
    products().read(
        sku,
        [=](product_reply& p) {
          if (p.status != entity_status::accepted) return c->step(false);
          active_campaigns(c, [=, category = p.state.category](std::vector<protocols::view_entry<campaign_decider>>& active) {
            const protocols::view_entry<campaign_decider>* fired = nullptr;
            for (const auto& e : active)
              if (e.id == id) fired = &e;
            if (!fired) return c->step();  // paused or rolled back since
            std::vector<std::string> rivals;
            for (const auto& e : active)
              if (e.id != id && e.state.covers(sku, category) &&
                  (e.state.priority > fired->state.priority || (e.state.priority == fired->state.priority && e.id < id)))
                rivals.push_back(e.id);
            auto apply = [=, rule = fired->state.rule] {
              apply_rule_of(c, id, sku, rule, id + "/" + std::to_string(version), reason);
            };
            if (rivals.empty()) return apply();
            auto left = std::make_shared<std::size_t>(rivals.size());
            auto outranked = std::make_shared<bool>(false);
            auto failed = std::make_shared<bool>(false);
            for (const auto& rival : rivals)
              campaigns().read(
                  rival,
                  [=](campaign_reply& r) mutable {
                    const auto held = r.state.held.find(sku);
                    *outranked = *outranked || (r.state.status == campaign_status::active && held != r.state.held.end() && held->second);
                    *failed = *failed || r.status != entity_status::accepted;
                    if (--*left > 0) return;
                    if (*failed) return c->step(false);
                    if (*outranked) return c->step();  // the other one wins the SKU
                    apply();
                  },
                  [=](caf::error&) mutable {
                    *failed = true;
                    if (--*left == 0) c->step(false);
                  });
          });
        },
        [c](caf::error&) { c->step(false); });
  }

  void apply_rule_of(const countdown_ptr& c, const std::string& id, const std::string& sku, const price_rule& rule,
                     const std::string& reference, const std::string& reason) const {
    products().command(
        sku, apply_price_rule{rule, price_cause::campaign, reference}, meta(id), std::nullopt,
        [=](product_reply& p) {
          if (p.status == entity_status::rejected || p.status == entity_status::faulted)
            return c->step();  // e.g. another currency, or parked: nothing to do
          if (p.status != entity_status::accepted) return c->step(false);
          count_price_changes(p.events);
          std::optional<std::pair<money, money>> change;
          for (const auto& ev : p.events)
            if (const auto* x = std::get_if<price_changed>(&ev)) change = {{x->old_price, x->new_price}};
          for (const auto& done : p.state.recent_price_changes)
            if (!change && done.reference == reference) change = {{done.old_price, done.new_price}};
          if (!change) return c->step();  // the rule left the price as it was
          campaigns().command(
              id, record_campaign_price{sku, change->first, change->second, reference, reason}, meta(id), std::nullopt,
              [c](campaign_reply& r) { c->step(r.status == entity_status::accepted); },
              [c](caf::error&) { c->step(false); });
        },
        [c](caf::error&) { c->step(false); });
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
                  count_price_changes(p.events);
                  if (p.status == entity_status::faulted) {  // parked: left as it is, and said so
                    return campaigns().command(
                        id, record_rollback{sku, expected, expected, true}, meta(id), std::nullopt,
                        [=](campaign_reply& rec) { one_done(rec.status == entity_status::accepted); },
                        [=](caf::error&) { one_done(false); });
                  }
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
                                 service<caf::actor> view_feed, service<protocols::journal_reader_actor> reader,
                                 std::chrono::milliseconds timeout) {
  return system.spawn([regions, views, view_feed, reader, timeout](caf::event_based_actor* self) -> caf::behavior {
    // One for the actor's life: the callbacks of its steps use it after a delivery's handler
    // has returned.
    auto d = std::make_shared<const driver>(driver{self, regions, views, view_feed, reader, timeout});
    return {
        [d](caf::tick_atom, std::uint64_t key) {
          auto it = d->later->find(key);
          if (it == d->later->end()) return;
          auto step = std::move(it->second);
          d->later->erase(it);
          step();
        },
        [self, d](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
          std::map<std::string, std::vector<driver::product_change>> skus;  // by SKU
          std::set<std::string> rolling_back;
          std::vector<std::tuple<std::string, std::string, std::int64_t, std::string>> fired;  // campaign, sku, version, reason
          for (const auto& e : events) {
            if (e.stream_type == inventory_decider::stream_type) {
              if (e.event_type != "PriceChanged" && e.event_type != "ProductUpdated")
                skus[e.stream_id].push_back({e.version, e.position});
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
              fired.emplace_back(e.stream_id, x->sku, e.version, x->reason);
            if (std::holds_alternative<campaign_price_recorded>(decoded))
              rolling_back.insert(e.stream_id);  // a change that raced a rollback is rolled back too (if it is one)
            if (const auto* x = std::get_if<campaign_status_changed>(&decoded)) {
              if (x->to == campaign_status::rolling_back) rolling_back.insert(e.stream_id);
              if (x->to == campaign_status::active) (*d->activated)[e.stream_id] = e.position;
            }
          }
          if (skus.empty() && fired.empty() && rolling_back.empty()) return caf::unit;
          auto c = std::make_shared<countdown>();
          c->promise = self->make_response_promise();
          const protocols::checkpoint last{events.back().transaction_id, events.back().position};
          auto run = [=] {
            c->add(skus.size() + fired.size() + rolling_back.size());
            for (const auto& [sku, changes] : skus) d->observe(c, sku, changes);
            for (const auto& [id, sku, version, reason] : fired) d->fire(c, id, sku, version, reason);
            for (const auto& id : rolling_back) d->roll_back(c, id);
            c->step();  // the caller's own
          };
          d->await_view(c, last, [=] {
            if (!fired.empty() || !rolling_back.empty()) return run();
            // Only stock changes: nothing to read while no campaign is active (the hot path of
            // every sale and cart line).
            d->active_campaigns(c, [=](std::vector<protocols::view_entry<campaign_decider>>& active) {
              if (active.empty()) return c->step();
              run();
            });
          });
          return c->promise;
        },
    };
  });
}

}  // namespace commerce::actors
