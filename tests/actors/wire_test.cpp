// Every message type that may cross nodes goes through CAF's binary serializer and back, inside
// a caf::message as the middleman sends it, and comes out equal. The samples fill every member,
// commands and events included; a registered type without a sample fails the test, and so does
// a sample whose type is not registered (the message would not deserialise on another node).
#include "actors/cluster_endpoint.hpp"
#include "actors/kinds/kind_module.hpp"
#include "domain/alert.hpp"
#include "domain/audit.hpp"
#include "domain/cart.hpp"
#include "domain/campaign.hpp"
#include "domain/checkout.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "domain/identity_index.hpp"
#include "domain/merge_review.hpp"
#include "domain/pricing_job.hpp"
#include "domain/profile.hpp"
#include "domain/profile_merge.hpp"
#include "domain/reconciliation.hpp"
#include "domain/webhook.hpp"
#include "protocols/cluster.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/idempotency.hpp"
#include "protocols/journal.hpp"
#include "protocols/kind_messages.hpp"
#include "protocols/order_effects.hpp"
#include "protocols/payment.hpp"
#include "protocols/store_platform.hpp"
#include "protocols/search.hpp"
#include "protocols/subscription.hpp"
#include "supervision/supervisor.hpp"

#include <caf/all.hpp>
#include <caf/binary_deserializer.hpp>
#include <caf/binary_serializer.hpp>

#include <catch2/catch.hpp>

#include <memory>
#include <set>
#include <string>

using namespace commerce;
using namespace commerce::domain;
using namespace commerce::protocols;

namespace {

const timestamp at{1'763'740'800'123};

std::string json_of(const supervision::supervision_tree& t) {
  std::string out = "{" + t.id + "," + t.type + "," + t.strategy + "," + t.state + "," + std::to_string(t.restarts) + ",[";
  for (const auto& c : t.children) out += json_of(c);
  return out + "]}";
}
template <class T>
std::string json_of(const T& x) {
  return boost::json::serialize(wire::to_json(x));
}

struct wire_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  std::set<std::string> sampled;

  wire_fixture() {
    actors::add_message_types(cfg);
    system = std::make_unique<caf::actor_system>(cfg);
  }

  // Serialises `x` in a message, reads it back, and checks it is the same.
  template <class T>
  void round_trip(const T& x) {
    const auto& names = cfg.type_names_by_rtti;
    const auto name = names.find(std::type_index(typeid(T)));
    INFO(typeid(T).name());
    REQUIRE(name != names.end());  // registered
    sampled.insert(name->second);
    INFO(name->second);
    std::vector<char> buffer;
    caf::binary_serializer sink{*system, buffer};
    auto original = caf::make_message(x);
    REQUIRE_FALSE(sink(original));
    caf::binary_deserializer source{*system, buffer};
    caf::message copy;
    REQUIRE_FALSE(source(copy));
    REQUIRE(copy.match_element<T>(0));
    CHECK(json_of(copy.get_as<T>(0)) == json_of(x));
  }

  template <class Decider>
  void kind(typename Decider::command command, typename Decider::state state, typename Decider::event event) {
    round_trip(entity_command<Decider>{"id-1", std::move(command), {"cmd-1", "corr-1", "cause-1"}, 4});
    round_trip(entity_command<Decider>{"id-1", command, {}, std::nullopt});
    round_trip(entity_get<Decider>{"id-1"});
    round_trip(entity_watch<Decider>{"id-1"});
    round_trip(entity_reply<Decider>{entity_status::rejected,
                                     rejection{"insufficient_stock", "only 3 left", {{"available", 3}}}, state, 7,
                                     {event, event}, "node-b"});
    round_trip(entity_reply<Decider>{entity_status::accepted, std::nullopt, state, 8, {}, ""});
    round_trip(view_query<Decider>{{{"exists", "true"}, {"status", "paid"}}, "id-0", 20, {"id-3", "id-1"}});
    round_trip(view_page<Decider>{{{"id-1", state, 7}, {"id-2", state, 1}}, "id-2"});
  }
};

template <class Decider>
typename Decider::state after(std::string id, const typename Decider::event& e) {
  return Decider::evolve(Decider::initial(std::move(id)), e);
}

}  // namespace

TEST_CASE_METHOD(wire_fixture, "every message type crosses CAF's serializer and comes back equal", "[wire]") {
  // The journal.
  round_trip(append_request{"cart", "c-1", 3,
                            {{"CartCreated", 1, R"({"currency":"EUR"})", R"({"command_id":"k"})"}, {"CartAbandoned", 2, "{}", "{}"}},
                            {{"reservations", 1'800'000'000'000}, {"steps", 0}}});
  round_trip(append_result{append_status::conflict, 7});
  const stored_event stored{42, "order", "ord-1", 3, "OrderPaid", 1, R"({"amount":5})", R"({"correlation_id":"x"})",
                            1'763'740'800'123, 991};
  round_trip(stored);
  round_trip(snapshot{"cart", "c-1", 100, 2, R"({"id":"c-1"})"});
  round_trip(recovered_stream{snapshot{"cart", "c-1", 100, 2, "{}"}, {stored, stored}});
  round_trip(recovered_stream{std::nullopt, {}});
  round_trip(checkpoint{991, 42});
  round_trip(journal_head{{991, 42}, 12, 1'763'740'800'000});
  round_trip(due_timer{"checkout", "chk-1", "resume", 1'800'000'000'000});
  // Dead letters, subscriptions, idempotency.
  round_trip(dead_letter{5, "checkout/chk-1", "AbandonCheckout", R"({"id":"chk-1"})", "stalled", 3, 1, 2, "retried"});
  round_trip(letter_filter{"subscription/price_sync", "ProductCreated", "pending", 42});
  round_trip(letter_change{true, dead_letter{5, "cart/c-1", "SetLine", "{}", "boom", 1, 1, 2, "retried"}});
  round_trip(subscription_status{"order_view", true, {9, 10}, {11, 12}, 5, 250});
  round_trip(stored_response{201, "application/json", R"({"ETag":"\"1\""})", R"({"id":"c-1"})"});
  round_trip(idempotency_claim{claim_outcome::replay, {200, "application/json", "{}", "{}"}, "owner-1"});
  // Payments.
  round_trip(charge_request{"chk-1/charge", 2598, "EUR", "tok_ok", "order ord-1"});
  round_trip(refund_request{"ord-1/refund/1", "ch_1", 500});
  round_trip(refund_request{"ord-1/refund/2", "ch_1", std::nullopt});
  round_trip(payment_outcome{payment_status::unavailable, "", "timeout", "no answer", true, 1000, 3});
  round_trip(breaker_report{"payment", "half_open", 1200});
  // The store platform.
  round_trip(price_update{"MUG", 1599, "EUR"});
  round_trip(store_answer{store_status::throttled, 2000, "the store platform answered 429"});
  round_trip(levels_answer{{store_status::ok, 0, ""}, {{"MUG", 7, 1'800'000'000'000}, {"LAMP", 0, 1'800'000'000'001}}});
  // Order effects.
  order_effects effects;
  effects.pick = pick_list{"ord-1", "cust-1", {{"city", "Oslo"}}, {{"MUG", 2, {1299, "EUR"}, {2598, "EUR"}}}};
  effects.notify = notification{"ord-1/order_confirmation", "order_confirmation", "ord-1", "ann@example.com", {{"total", 2598}}};
  effects.fact = sales_fact{"paid/ord-1", sales_fact_kind::refund, {2598, "EUR"}};
  round_trip(order_effects_batch{{effects, order_effects{}}});
  // Search.
  round_trip(search_request{"Mug Kit", 2, 10});
  round_trip(search_result{"mug kit", {"MUG-1", "KIT-2"}, 12, true});
  // Supervision.
  supervision::supervision_tree tree{"commerced", "supervisor", "rest_for_one", "running", 1, {}};
  tree.children.push_back({"gateway", "worker", "", "restarting", 2, {}});
  round_trip(tree);

  // Every entity kind's messages, with a command, a state and events of its own.
  const auto product_created_event = inventory_event{product_created{"Mug", {1299, "EUR"}, "kitchen"}};
  kind<inventory_decider>(reserve_stock{"cart-1", 3, at}, after<inventory_decider>("MUG", product_created_event),
                          product_created_event);
  const auto cart_event_sample = cart_event{cart_line_set{"MUG", 2, {1299, "EUR"}, true, at}};
  kind<cart_decider>(set_line{"MUG", 2, {1299, "EUR"}, true},
                     after<cart_decider>("c-1", cart_created{"EUR", "ann@example.com", "cust-1", at}), cart_event_sample);
  const auto order_event_sample = order_event{order_created{"cart-1", "cust-1", "ann@example.com", {{"city", "Oslo"}},
                                                            {{"MUG", 2, {1299, "EUR"}, {2598, "EUR"}}}, {2598, "EUR"}, at}};
  kind<order_decider>(request_refund{500, "ord-1/refund/1"}, after<order_decider>("ord-1", order_event_sample),
                      order_event{order_shipped{"UPS", "1Z999", at}});
  const auto checkout_event_sample = checkout_event{checkout_begun{"cart-1", 3, "ord-1", "cust-1", "ann@example.com",
                                                                   {{"city", "Oslo"}}, {{"MUG", 2, {1299, "EUR"}}},
                                                                   {2598, "EUR"}, "idem-1", at}};
  kind<checkout_decider>(resume_checkout{900'000}, after<checkout_decider>("chk-1", checkout_event_sample),
                         checkout_event{checkout_charge_pending{"timeout", at, at}});
  const auto alert_event_sample = alert_event{alert_raised{"checkout_stalled", "checkout/chk-1", "stalled", at}};
  kind<alert_decider>(acknowledge_alert{"seen"}, after<alert_decider>("a-1", alert_event_sample),
                      alert_event{alert_acknowledged{"seen", at}});
  const auto audit_event_sample =
      audit_event{operator_action_recorded{"admin", "POST", "/admin/dead-letters/bulk", "replayed after the fix", "key-1",
                                           R"({"action":"retry"})", 200, at}};
  kind<audit_decider>(record_operator_action{"admin", "POST", "/admin/dead-letters/bulk", "replayed after the fix", "key-1",
                                             R"({"action":"retry"})", 200},
                      after<audit_decider>("aud_1", audit_event_sample), audit_event_sample);

  const auto webhook_event_sample = webhook_event{webhook_received{"inventory_levels/update", "MUG", 7, at, at}};
  kind<webhook_decider>(receive_webhook{"inventory_levels/update", "MUG", 7, at},
                        after<webhook_decider>("w-1", webhook_event_sample), webhook_event_sample);

  price_rule rule;
  rule.type = price_rule_type::set;
  rule.price = {1500, "EUR"};
  rule.round_to = 99;
  const auto job_event_sample = pricing_job_event{pricing_job_created{"Winter", rule, {"MUG", "LAMP"}, true, at}};
  kind<pricing_job_decider>(
      record_pricing_batch{0, {{"MUG", money{1299, "EUR"}, money{1599, "EUR"}, pricing_result_status::updated, "", at}}},
      after<pricing_job_decider>("job-1", job_event_sample), job_event_sample);

  const auto campaign_event_sample = campaign_event{
      campaign_created{"Low stock", {"MUG"}, "", {trigger_direction::below, 10}, rule, 5, at, at}};
  auto campaign_sample = after<campaign_decider>("cmp-1", campaign_event_sample);
  campaign_sample.held["MUG"] = true;
  campaign_sample.observed["MUG"] = 12;
  campaign_sample.recorded["MUG"] = "cmp-1/12";
  campaign_sample.prior_prices["MUG"] = {1299, "EUR"};
  campaign_sample.last_set["MUG"] = {1599, "EUR"};
  campaign_sample.audit.push_back({at, "MUG", {1299, "EUR"}, {1599, "EUR"}, "trigger"});
  kind<campaign_decider>(observe_inventory{"MUG", 7, 12, "reconciliation"}, campaign_sample,
                         campaign_event{campaign_crossing{"MUG", 7, true, 12, at, "reconciliation"}});

  const auto sweep_event_sample = reconciliation_event{sweep_requested{sweep_reason::operator_request, at}};
  auto sweep_sample = after<reconciliation_decider>("rec-1", sweep_event_sample);
  sweep_sample.differences.push_back({"MUG", 5, 10, at});
  kind<reconciliation_decider>(record_sweep_page{0, "MUG", 1, {{"MUG", 5, 10, at}}}, sweep_sample,
                               reconciliation_event{sweep_page_recorded{0, "MUG", 1, {{"MUG", 5, 10, at}}, at}});

  kind<identity_index_decider>(claim_identifier{"prof-2", "prof-1"},
                               after<identity_index_decider>("email:a@x.io", identity_index_event{identifier_claimed{"prof-1", "", at}}),
                               identity_index_event{identifier_claimed{"prof-2", "prof-1", at}});
  const identifier email{identifier_type::email, "a@x.io"};
  const customer_event purchase{"evt-1", event_source::shopify, "purchase", at, R"({"total":1200})", {1200, "EUR"}};
  const merge_part part{"prof-2", {email}, {1200, "EUR"}, 1, {"evt-1"}, at, at, {{"evt-1", event_source::pos, "visit", at}}};
  auto profile_sample = after<profile_decider>("prof-1", profile_event{profile_created{at}});
  profile_sample = profile_decider::evolve(profile_sample, event_attached{purchase, {email}, at});
  profile_sample = profile_decider::evolve(profile_sample, parts_taken_in{"mrg-1", {part}, at});
  profile_sample = profile_decider::evolve(profile_sample, profile_locked{"mrg-2", at});
  profile_sample.merged_into = "prof-9";
  kind<profile_decider>(take_in_parts{"mrg-1", {part}}, profile_sample, profile_event{parts_taken_in{"mrg-1", {part}, at}});
  auto merge_sample = after<profile_merge_decider>("mrg-1", profile_merge_event{merge_requested{"prof-1", {"prof-2"}, "evt-1", at}});
  merge_sample = profile_merge_decider::evolve(merge_sample, merge_profile_locked{"prof-1", at});
  merge_sample = profile_merge_decider::evolve(merge_sample, merge_profile_locked{"prof-2", at});
  merge_sample = profile_merge_decider::evolve(merge_sample, merge_part_absorbed{part, at});
  merge_sample.refusal = "profile prof-3: merged";
  merge_sample.merged_at = merge_sample.unmerged_at = at;
  kind<profile_merge_decider>(record_part_absorbed{part}, merge_sample, profile_merge_event{merge_part_absorbed{part, at}});
  auto review_sample = after<merge_review_decider>("rev-1", merge_review_event{review_opened{{"prof-1", "prof-2"}, "evt-1", "matched 4 profiles", at}});
  review_sample = merge_review_decider::evolve(review_sample, review_approved{"mrg-1", at});
  kind<merge_review_decider>(open_review{{"prof-1", "prof-2"}, "evt-1", "matched 4 profiles"}, review_sample,
                             merge_review_event{review_approved{"mrg-1", at}});

  // Every registered message type of ours was sampled above.
  std::set<std::string> registered;
  for (const auto& [rtti, name] : cfg.type_names_by_rtti)
    if (name.rfind("commerce.", 0) == 0) registered.insert(name);
  std::set<std::string> unsampled;
  for (const auto& name : registered)
    if (!sampled.count(name)) unsampled.insert(name);
  CHECK(unsampled == std::set<std::string>{});
  CHECK(registered.size() >= 18 + 6 * actors::kind_modules().size());
}

TEST_CASE_METHOD(wire_fixture, "a message that does not parse back is an error, not an empty value", "[wire]") {
  std::vector<char> buffer;
  caf::binary_serializer sink{*system, buffer};
  std::string not_json = "{\"stream_type\":";
  REQUIRE_FALSE(sink(not_json));
  caf::binary_deserializer source{*system, buffer};
  append_request read;
  CHECK(source(read));  // the inspector's load callback refuses it
}

TEST_CASE_METHOD(wire_fixture, "a forwarded command crosses whole; a node without its type reads it empty, and its endpoint refuses it",
                 "[wire][cluster]") {
  // As a region forwards it to the owner's endpoint (protocols/cluster.hpp): the command inside
  // a message inside the forward message.
  const entity_command<cart_decider> command{"c-1", set_line{"MUG", 2, {1299, "EUR"}, true}, {"cmd-1", "corr-1", ""}, 3};
  auto forward = caf::make_message(forward_atom::value, std::string("cart"), std::string("c-1"), caf::make_message(command));
  std::vector<char> buffer;
  caf::binary_serializer sink{*system, buffer};
  REQUIRE_FALSE(sink(forward));

  // A node with the project's types reads it back whole.
  {
    caf::binary_deserializer source{*system, buffer};
    caf::message copy;
    REQUIRE_FALSE(source(copy));
    REQUIRE(copy.match_elements<forward_atom, std::string, std::string, caf::message>());
    const auto& inner = copy.get_as<caf::message>(3);
    REQUIRE(inner.match_element<entity_command<cart_decider>>(0));
    CHECK(json_of(inner.get_as<entity_command<cart_decider>>(0)) == json_of(command));
  }
  // A node that never registered them (an older build, a kind missing) reads the command as an
  // empty message, without an error: CAF 0.17's behaviour, which the endpoint must catch.
  caf::actor_system_config bare_cfg;
  caf::actor_system bare{bare_cfg};
  caf::binary_deserializer source{bare, buffer};
  caf::message copy;
  REQUIRE_FALSE(source(copy));
  REQUIRE(copy.match_elements<forward_atom, std::string, std::string, caf::message>());
  REQUIRE(copy.get_as<caf::message>(3).empty());

  // The endpoint answers such a message with an error that names it, instead of handing the
  // region nothing (the asker would wait for its timeout).
  auto directory = std::make_shared<actors::service_directory>();
  auto shards = std::make_shared<shard_table>("node-b", 256);
  auto endpoint = actors::spawn_cluster_endpoint(*system, directory, shards);
  caf::scoped_actor asker{*system};
  caf::error refused;
  asker->request(endpoint, std::chrono::seconds(5), copy)
      .receive([](caf::message&) { FAIL("an empty forwarded message was answered"); },
               [&](caf::error& e) { refused = std::move(e); });
  CHECK(refused == caf::sec::unknown_type);
  CHECK_THAT(system->render(refused), Catch::Matchers::Contains("cart/c-1"));
  caf::anon_send_exit(endpoint, caf::exit_reason::user_shutdown);
}
