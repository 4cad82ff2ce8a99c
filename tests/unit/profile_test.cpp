// The customer data platform's deciders as plain calls: the identity index's claims, the
// profile (attach, lock, absorb, take in, give back, restore), the merge saga's steps and the
// merge review; and reading events from JSON and CSV bodies.
#include "api/customer_events.hpp"
#include "domain/identity_index.hpp"
#include "domain/merge_review.hpp"
#include "domain/profile.hpp"
#include "domain/profile_merge.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace commerce::domain;

namespace {

const context ctx{{1'000}};

template <class Decider>
typename Decider::state apply(typename Decider::state s, const typename Decider::command& c) {
  const auto d = Decider::decide(s, c, ctx);
  REQUIRE(d.accepted());
  return evolve_all<Decider>(std::move(s), d.events());
}

template <class Decider>
std::string refused(const typename Decider::state& s, const typename Decider::command& c) {
  const auto d = Decider::decide(s, c, ctx);
  REQUIRE(!d.accepted());
  return d.error().code;
}

const identifier email{identifier_type::email, "ana@x.io"};
const identifier phone{identifier_type::phone, "+14155550100"};
const identifier loyalty{identifier_type::loyalty_id, "L-1"};

customer_event event(const std::string& id, const std::string& type = "visit", std::int64_t total = 0, timestamp at = {500}) {
  return {id, event_source::api, type, at, "{}", {total, total ? "EUR" : ""}};
}

}  // namespace

TEST_CASE("a value is claimed from the holder the claim names, and from nobody else", "[cdp]") {
  auto s = identity_index_decider::initial("email:ana@x.io");
  s = apply<identity_index_decider>(s, claim_identifier{"p1", ""});
  CHECK(s.holder == "p1");
  CHECK(identity_index_decider::decide(s, claim_identifier{"p1", ""}, ctx).events().empty());  // held already
  CHECK(refused<identity_index_decider>(s, claim_identifier{"p2", ""}) == codes::invalid_transition);
  const auto d = identity_index_decider::decide(s, claim_identifier{"p2", "p3"}, ctx);
  CHECK(d.error().extra.at("holder") == "p1");
  s = apply<identity_index_decider>(s, claim_identifier{"p2", "p1"});
  CHECK(s.holder == "p2");
}

TEST_CASE("a profile attaches events once, sums purchases and keeps the newest events", "[cdp]") {
  auto p = profile_decider::initial("p1");
  p = apply<profile_decider>(p, attach_event{event("e1", "purchase", 1500, {300}), {phone, email}});
  CHECK(p.exists);
  CHECK(p.identifiers == std::vector<identifier>{email, phone});  // sorted
  CHECK(p.lifetime_value == money{1500, "EUR"});
  CHECK(p.total_orders == 1);
  CHECK(p.first_seen == timestamp{300});
  // The same event again adds only what is new.
  const auto again = profile_decider::decide(p, attach_event{event("e1", "purchase", 1500), {email}}, ctx);
  CHECK(again.events().empty());
  p = apply<profile_decider>(p, attach_event{event("e1", "purchase", 1500), {loyalty}});
  CHECK(p.total_orders == 1);
  CHECK(p.identifiers.size() == 3);
  for (int i = 2; i < 15; ++i) p = apply<profile_decider>(p, attach_event{event("e" + std::to_string(i), "visit", 0, {400 + i}), {}});
  CHECK(p.recent_events.size() == recent_events_kept);
  CHECK(p.recent_events.back().event_id == "e14");
  CHECK(refused<profile_decider>(p, attach_event{event(""), {}}) == codes::validation_failed);
}

TEST_CASE("a profile held by a merge refuses other changes; absorbed, it names its base", "[cdp]") {
  auto p = apply<profile_decider>(profile_decider::initial("p2"), attach_event{event("e1"), {loyalty}});
  p = apply<profile_decider>(p, lock_profile{"m1"});
  CHECK(refused<profile_decider>(p, attach_event{event("e2"), {}}) == codes::invalid_transition);
  CHECK(refused<profile_decider>(p, lock_profile{"m2"}) == codes::invalid_transition);
  CHECK(refused<profile_decider>(p, absorb_profile{"m2", "p1"}) == codes::invalid_transition);
  p = apply<profile_decider>(p, absorb_profile{"m1", "p1"});
  CHECK(p.status == profile_status::merged);
  CHECK(p.merged_into == "p1");
  CHECK(p.lock.empty());
  const auto d = profile_decider::decide(p, attach_event{event("e3"), {}}, ctx);
  CHECK(d.error().extra.at("merged_into") == "p1");
  CHECK(refused<profile_decider>(profile_decider::initial("nobody"), lock_profile{"m1"}) == codes::not_found);
}

TEST_CASE("a merge taken in and given back leaves the base as it was plus what it gained since", "[cdp]") {
  auto base = apply<profile_decider>(profile_decider::initial("p1"), attach_event{event("e1", "purchase", 1000), {email}});
  auto other = apply<profile_decider>(profile_decider::initial("p2"), attach_event{event("e2", "purchase", 700), {loyalty}});
  const auto before = base;
  base = apply<profile_decider>(base, lock_profile{"m1"});
  other = apply<profile_decider>(other, lock_profile{"m1"});
  other = apply<profile_decider>(other, absorb_profile{"m1", "p1"});
  base = apply<profile_decider>(base, take_in_parts{"m1", {part_of(other)}});
  CHECK(base.identifiers == std::vector<identifier>{email, loyalty});
  CHECK(base.lifetime_value == money{1700, "EUR"});
  CHECK(base.total_orders == 2);
  CHECK(base.merged_from == std::vector<std::string>{"p2"});
  CHECK(base.event_ids.count("e2") == 1);
  CHECK(profile_decider::decide(base, take_in_parts{"m1", {part_of(other)}}, ctx).events().empty());  // once
  base = apply<profile_decider>(base, unlock_profile{"m1"});
  base = apply<profile_decider>(base, attach_event{event("e3", "purchase", 50), {phone}});  // gained since
  CHECK(refused<profile_decider>(base, give_back_parts{"m1"}) == codes::invalid_transition);  // not locked
  base = apply<profile_decider>(base, lock_profile{"m1"});
  base = apply<profile_decider>(base, give_back_parts{"m1"});
  base = apply<profile_decider>(base, unlock_profile{"m1"});
  other = apply<profile_decider>(other, restore_profile{"m1"});
  CHECK(other.status == profile_status::active);
  CHECK(other.identifiers == std::vector<identifier>{loyalty});
  CHECK(base.identifiers == std::vector<identifier>{email, phone});
  CHECK(base.lifetime_value == money{1050, "EUR"});
  CHECK(base.total_orders == 2);
  CHECK(base.merged_from.empty());
  CHECK(base.event_ids == std::set<std::string>{"e1", "e3"});
  CHECK(base.merges.at(0).undone);
  CHECK(base.merges.at(0).held.identifiers == before.identifiers);  // what the base held, kept in the history
  CHECK(profile_decider::decide(base, give_back_parts{"m1"}, ctx).events().empty());  // once
}

TEST_CASE("giving back restores the base's times and drops a currency only the parts brought", "[cdp]") {
  auto base = apply<profile_decider>(profile_decider::initial("p1"), attach_event{event("e1", "visit", 0, {800}), {email}});
  auto other = apply<profile_decider>(profile_decider::initial("p2"), attach_event{event("e2", "purchase", 700, {100}), {loyalty}});
  const auto first_seen = base.first_seen;
  base = apply<profile_decider>(base, lock_profile{"m1"});
  other = apply<profile_decider>(other, lock_profile{"m1"});
  other = apply<profile_decider>(other, absorb_profile{"m1", "p1"});
  base = apply<profile_decider>(base, take_in_parts{"m1", {part_of(other)}});
  CHECK(base.first_seen == timestamp{100});
  CHECK(base.lifetime_value == money{700, "EUR"});
  CHECK(base.recent_events.size() == 2);
  base = apply<profile_decider>(base, give_back_parts{"m1"});
  CHECK(base.first_seen == first_seen);
  CHECK(base.lifetime_value == money{});  // none of its own: a later purchase in USD counts
  CHECK(base.recent_events.size() == 1);
  base = apply<profile_decider>(base, unlock_profile{"m1"});
  base = apply<profile_decider>(base, attach_event{customer_event{"e3", event_source::api, "purchase", {900}, "{}", {300, "USD"}}, {}});
  CHECK(base.lifetime_value == money{300, "USD"});
  // A restore run again after the profile was restored and merged elsewhere changes nothing.
  other = apply<profile_decider>(other, restore_profile{"m1"});
  other = apply<profile_decider>(other, lock_profile{"m2"});
  other = apply<profile_decider>(other, absorb_profile{"m2", "p9"});
  CHECK(profile_decider::decide(other, restore_profile{"m1"}, ctx).events().empty());
  CHECK(other.merged_into == "p9");
}

TEST_CASE("a profile that won no identifier steps aside for the one its event resolved to", "[cdp]") {
  auto made = apply<profile_decider>(profile_decider::initial("p1"), attach_event{event("e1"), {}});
  made = apply<profile_decider>(made, retire_profile{"p2"});
  CHECK(made.status == profile_status::merged);
  CHECK(made.merged_into == "p2");
  CHECK(profile_decider::decide(made, retire_profile{"p2"}, ctx).events().empty());
  const auto holding = apply<profile_decider>(profile_decider::initial("p3"), attach_event{event("e2"), {email}});
  CHECK(refused<profile_decider>(holding, retire_profile{"p2"}) == codes::invalid_transition);
}

TEST_CASE("a merge saga locks in id order, absorbs, moves, takes in, unlocks; a refused lock releases", "[cdp]") {
  auto m = apply<profile_merge_decider>(profile_merge_decider::initial("m1"), request_merge{"p2", {"p3", "p1"}, "e9"});
  CHECK(lock_order(m) == std::vector<std::string>{"p1", "p2", "p3"});
  CHECK(m.step == merge_step::lock);
  for (const auto* id : {"p1", "p2", "p3"}) m = apply<profile_merge_decider>(m, record_profile_locked{id});
  CHECK(m.step == merge_step::absorb);
  CHECK(profile_merge_decider::decide(m, record_profile_locked{"p1"}, ctx).events().empty());
  m = apply<profile_merge_decider>(m, record_part_absorbed{merge_part{"p3"}});
  CHECK(m.step == merge_step::absorb);
  CHECK(refused<profile_merge_decider>(m, record_part_absorbed{merge_part{"p9"}}) == codes::validation_failed);
  m = apply<profile_merge_decider>(m, record_part_absorbed{merge_part{"p1"}});
  CHECK(m.step == merge_step::move_identifiers);
  CHECK(profile_merge_decider::decide(m, finish_merge_step{merge_step::unlock}, ctx).events().empty());  // not its step
  for (const auto step : {merge_step::move_identifiers, merge_step::take_in, merge_step::unlock})
    m = apply<profile_merge_decider>(m, finish_merge_step{step});
  CHECK(m.status == merge_status::merged);
  CHECK(merge_settled(m));
  CHECK(!profile_merge_decider::next_deadline(m, duration{5000}));

  m = apply<profile_merge_decider>(m, request_unmerge{});
  CHECK(m.status == merge_status::unmerging);
  m = apply<profile_merge_decider>(m, record_unmerge_refused{"the base is held"});
  CHECK(m.status == merge_status::merged);
  m = apply<profile_merge_decider>(m, request_unmerge{});
  for (const auto step : {merge_step::lock_base, merge_step::give_back, merge_step::return_identifiers, merge_step::restore,
                          merge_step::unlock_base})
    m = apply<profile_merge_decider>(m, finish_merge_step{step});
  CHECK(m.status == merge_status::unmerged);
  CHECK(profile_merge_decider::decide(m, request_unmerge{}, ctx).events().empty());

  auto aborted = apply<profile_merge_decider>(profile_merge_decider::initial("m2"), request_merge{"p1", {"p2"}, ""});
  aborted = apply<profile_merge_decider>(aborted, record_profile_locked{"p1"});
  CHECK(profile_merge_decider::next_deadline(aborted, duration{5000}) == timestamp{6000});
  aborted = apply<profile_merge_decider>(aborted, record_lock_refused{"p2", "merged"});
  CHECK(aborted.step == merge_step::release);
  aborted = apply<profile_merge_decider>(aborted, finish_merge_step{merge_step::release});
  CHECK(aborted.status == merge_status::aborted);
  CHECK(refused<profile_merge_decider>(aborted, request_unmerge{}) == codes::invalid_transition);
  CHECK(refused<profile_merge_decider>(profile_merge_decider::initial("m3"), request_merge{"p1", {"p1"}, ""}) ==
        codes::validation_failed);
}

TEST_CASE("a merge review is approved or rejected once", "[cdp]") {
  auto r = apply<merge_review_decider>(merge_review_decider::initial("r1"), open_review{{"p1", "p2", "p3", "p4"}, "e1", "4"});
  CHECK(r.status == review_status::pending);
  r = apply<merge_review_decider>(r, approve_review{"m1"});
  CHECK(r.merge_id == "m1");
  CHECK(merge_review_decider::decide(r, approve_review{"m2"}, ctx).events().empty());
  CHECK(refused<merge_review_decider>(r, reject_review{}) == codes::invalid_transition);
  CHECK(refused<merge_review_decider>(merge_review_decider::initial("r2"), open_review{{"p1"}, "e1", ""}) ==
        codes::validation_failed);
}

TEST_CASE("event bodies are read strictly, and a CSV's bad rows are reported by line", "[cdp]") {
  int n = 0;
  commerce::api::event_reading how{{}, "USD", {42}, [&n] { return "evt_" + std::to_string(++n); }};
  auto one = commerce::api::read_events_body(
      boost::json::parse(R"({"source":"shopify","type":"purchase","payload":{"customer":{"email":"A@X.io"},"total":990}})"), how);
  const auto& events = std::get<std::vector<commerce::api::parsed_event>>(one);
  REQUIRE(events.size() == 1);
  CHECK(events[0].event.event_id == "evt_1");
  CHECK(events[0].event.total == money{990, "USD"});
  CHECK(events[0].event.occurred_at == timestamp{42});
  CHECK(events[0].identifiers == std::vector<identifier>{{identifier_type::email, "a@x.io"}});
  const std::vector<std::pair<const char*, const char*>> bad{
      {R"({"source":"fax","type":"x"})", "source"},
      {R"({"source":"api"})", "type"},
      {R"({"source":"api","type":"x","occurred_at":"yesterday"})", "occurred_at"},
      {R"({"source":"api","type":"x","payload":[]})", "payload"},
      {R"({"source":"api","type":"purchase","payload":{"total":-1}})", "payload.total"},
      {R"({"source":"api","type":"x","extra":1})", "extra"},
      {R"({"events":[{"source":"api","type":"x","event_id":"a"},{"source":"api","type":"x","event_id":"a"}]})", "events[1].event_id"},
      {R"({"events":[]})", "events"}};
  for (const auto& [body, field] : bad) {
    INFO(body);
    const auto read = commerce::api::read_events_body(boost::json::parse(body), how);
    REQUIRE(std::holds_alternative<rejection>(read));
    CHECK(std::get<rejection>(read).extra.at("field") == field);
  }
  const auto csv = commerce::api::read_events_csv(
      "email,note\nana@x.io,\"a, \"\"quoted\"\"\nnote\"\nonly-one-field\n\nbo@x.io,ok\n\"open,x\n", how);
  const auto& rows = std::get<commerce::api::csv_events>(csv);
  REQUIRE(rows.events.size() == 2);
  CHECK(boost::json::parse(rows.events[0].event.payload).at("note") == "a, \"quoted\"\nnote");
  CHECK(rows.events[0].event.source == event_source::csv);
  REQUIRE(rows.errors.size() == 2);
  CHECK(rows.errors[0].line == 4);
  CHECK(rows.errors[1].line == 7);
  CHECK(std::holds_alternative<rejection>(commerce::api::read_events_csv("", how)));
  CHECK(std::holds_alternative<rejection>(commerce::api::read_events_csv("a,a\n1,2\n", how)));
}
