// The customer data platform over HTTP (API.md, Customer data platform): events from several
// sources resolved to profiles, merges automatic and reviewed, unmerge, CSV ingestion, and the
// index's invariant under concurrent ingestion.
#include "tests/e2e/api_fixture.hpp"
#include "tests/e2e/shop_fixture.hpp"
#include "support/redis_process.hpp"

#include "adapters/postgres/connection.hpp"

#include <atomic>
#include <map>
#include <mutex>
#include <numeric>
#include <random>
#include <set>
#include <thread>

namespace {

using namespace commerce::test;

// The calls these tests make, on whichever node runs now.
struct cdp_calls {
  virtual ~cdp_calls() = default;
  virtual std::uint16_t port() = 0;
  http_reply get(const std::string& target) { return http_call(port(), "GET", target, "", admin); }
  // The one result of a single event.
  boost::json::value send(const std::string& body) {
    const auto r = http_call(port(), "POST", "/v1/events", body, admin);
    INFO(r.body);
    REQUIRE(r.status == 201);
    return json(r).at("results").at(0);
  }
  boost::json::value profile(const std::string& id) {
    const auto r = get("/v1/profiles/" + id);
    INFO(r.body);
    REQUIRE(r.status == 200);
    return json(r);
  }
  // The id of the active profile holding `type`=`value`, "" when none.
  std::string holder(const std::string& type, const std::string& value) {
    const auto r = get("/v1/profiles?" + type + "=" + value);
    if (r.status == 404) return "";
    INFO(r.body);
    REQUIRE(r.status == 200);
    return std::string(json(r).at("id").as_string());
  }
  std::set<std::string> event_ids(const std::string& id) {
    std::set<std::string> out;
    const auto r = get("/v1/profiles/" + id + "/events?limit=200");
    REQUIRE(r.status == 200);
    const auto page = json(r);
    for (const auto& e : page.at("items").as_array()) out.insert(std::string(e.at("event_id").as_string()));
    return out;
  }
};

struct cdp_node : api_node, cdp_calls {
  using api_node::api_node;
  std::uint16_t port() override { return node.port(); }
};

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

}  // namespace

TEST_CASE("three events from three sources end as one profile, and an unmerge brings the two back", "[e2e][cdp]") {
  cdp_node n;
  const auto first = n.send(R"({"source":"shopify","type":"order_created","event_id":"e1",)"
                            R"("payload":{"customer":{"email":"  Ana@Example.COM ","phone":"(415) 555-0100"}}})");
  CHECK(first.at("match") == "created");
  const auto ana = str(first.at("profile_id"));
  const auto second = n.send(R"({"source":"whatsapp","type":"message","event_id":"e2","payload":{"from":"+1 415 555 0100"}})");
  CHECK(second.at("match") == "attached");
  CHECK(str(second.at("profile_id")) == ana);
  const auto third = n.send(R"({"source":"pos","type":"visit","event_id":"e3","payload":{"loyalty_id":"L-77"}})");
  CHECK(third.at("match") == "created");
  const auto member = str(third.at("profile_id"));
  // One event that names both: the two are merged, the stronger (email + phone + whatsapp) the base.
  const auto fourth = n.send(R"({"source":"api","type":"signup","event_id":"e4","payload":{"email":"ana@example.com","loyalty_id":"L-77"}})");
  CHECK(fourth.at("match") == "merged");
  CHECK(str(fourth.at("profile_id")) == ana);

  const auto merged = n.profile(ana);
  INFO(boost::json::serialize(merged));
  CHECK(merged.at("status") == "active");
  CHECK(merged.at("identifiers").at("email") == boost::json::array{"ana@example.com"});
  CHECK(merged.at("identifiers").at("phone") == boost::json::array{"+14155550100"});
  CHECK(merged.at("identifiers").at("whatsapp") == boost::json::array{"+14155550100"});
  CHECK(merged.at("identifiers").at("loyalty_id") == boost::json::array{"L-77"});
  CHECK(merged.at("merged_from") == boost::json::array{boost::json::value(member)});
  CHECK(merged.at("strength") == 100);
  const auto gone = n.profile(member);
  CHECK(gone.at("status") == "merged");
  CHECK(str(gone.at("merged_into")) == ana);
  CHECK(n.holder("loyalty_id", "L-77") == ana);
  CHECK(n.holder("phone", "%2B14155550100") == ana);
  CHECK(n.event_ids(ana) == std::set<std::string>{"e1", "e2", "e3", "e4"});

  const auto history = json(n.as_admin("GET", "/v1/profiles/" + ana + "/merges")).at("items");
  REQUIRE(history.as_array().size() == 1);
  const auto merge_id = str(history.at(0).at("merge_id"));
  CHECK(history.at(0).at("role") == "base");
  CHECK(str(history.at(0).at("absorbed").at(0).at("profile_id")) == member);

  const auto undone = n.as_admin("POST", "/v1/profiles/" + ana + "/unmerge", R"({"merge_id":")" + merge_id + "\"}");
  INFO(undone.body);
  REQUIRE(undone.status == 200);
  CHECK(json(undone).at("status") == "unmerged");
  // Each side as it was; the event that caused the merge stays with the base, where it was attached.
  const auto back = n.profile(member);
  CHECK(back.at("status") == "active");
  CHECK(back.at("identifiers") == boost::json::object{{"loyalty_id", boost::json::array{"L-77"}}});
  const auto base = n.profile(ana);
  CHECK(!base.at("identifiers").as_object().contains("loyalty_id"));
  CHECK(base.at("merged_from").as_array().empty());
  CHECK(n.holder("loyalty_id", "L-77") == member);
  CHECK(n.holder("email", "ana@example.com") == ana);
  CHECK(n.event_ids(member) == std::set<std::string>{"e3"});
  CHECK(n.event_ids(ana) == std::set<std::string>{"e1", "e2", "e4"});
  // Undone once: asking again changes nothing.
  CHECK(n.as_admin("POST", "/v1/profiles/" + ana + "/unmerge", R"({"merge_id":")" + merge_id + "\"}").status == 200);
  const auto metrics = n.call("GET", "/metrics").body;
  CHECK(metric(metrics, R"(commerce_cdp_merges_total{kind="auto"})") == 1);
  CHECK(metric(metrics, R"(commerce_cdp_merges_total{kind="unmerged"})") == 1);
  CHECK(metric(metrics, R"(commerce_cdp_events_total{source="pos",result="created"})") == 1);
}

TEST_CASE("purchases add up across a merge, and junk identifiers glue nobody together", "[e2e][cdp]") {
  cdp_node n(std::map<std::string, std::string>{{"COMMERCED_CDP_BLOCKED_IDENTIFIERS", "noreply@shop.example"}});
  const auto a = n.send(R"({"source":"api","type":"purchase","payload":{"email":"a@x.io","total":1500,"currency":"EUR"}})");
  const auto b = n.send(R"({"source":"api","type":"purchase","payload":{"phone":"+4915123456789","total":2500,"currency":"EUR"}})");
  const auto both = n.send(R"({"source":"api","type":"visit","payload":{"email":"a@x.io","phone":"+4915123456789"}})");
  CHECK(both.at("match") == "merged");
  const auto merged = n.profile(str(both.at("profile_id")));
  CHECK(merged.at("lifetime_value") == boost::json::object{{"amount", 4000}, {"currency", "EUR"}});
  CHECK(merged.at("total_orders") == 2);
  // Built-in and configured junk values are no identifiers: each event is a stranger.
  for (const auto* junk : {"test@test.com", "noreply@shop.example"}) {
    const auto one = n.send(std::string(R"({"source":"api","type":"visit","payload":{"email":")") + junk + "\"}}");
    const auto two = n.send(std::string(R"({"source":"api","type":"visit","payload":{"email":")") + junk + "\"}}");
    CHECK(one.at("match") == "created");
    CHECK(two.at("match") == "created");
    CHECK(one.at("profile_id") != two.at("profile_id"));
  }
  check_problem(n.as_admin("POST", "/v1/events", R"({"source":"fax","type":"x"})"), 422, "validation_failed");
  check_problem(n.as_admin("POST", "/v1/events", R"({"events":[{"source":"api","type":"x"},{"source":"api"}]})"), 422,
                "validation_failed");
  CHECK(n.call("POST", "/v1/events", R"({"source":"api","type":"x"})").status == 401);
  (void)a;
  (void)b;
}

TEST_CASE("an event matching more than three profiles waits for a review, and approving it merges them", "[e2e][cdp]") {
  cdp_node n;
  const std::vector<std::pair<std::string, std::string>> held{
      {"email", "x@y.io"}, {"phone", "+14155550199"}, {"loyalty_id", "L1"}, {"device_id", "d1"}};
  std::set<std::string> ids;
  for (const auto& [type, value] : held)
    ids.insert(str(n.send(R"({"source":"api","type":"visit","payload":{")" + type + R"(":")" + value + "\"}}").at("profile_id")));
  REQUIRE(ids.size() == 4);
  const auto r = n.send(R"({"source":"api","type":"visit","event_id":"four",)"
                        R"("payload":{"email":"x@y.io","phone":"+14155550199","loyalty_id":"L1","device_id":"d1"}})");
  CHECK(r.at("match") == "review");
  CHECK(ids.count(str(r.at("profile_id"))) == 1);
  for (const auto& id : ids) CHECK(n.profile(id).at("status") == "active");  // nothing merged yet
  boost::json::value pending;  // the list's read model follows the journal
  REQUIRE(eventually([&] {
    pending = json(n.as_admin("GET", "/v1/merge-reviews?status=pending"));
    return pending.at("items").as_array().size() == 1;
  }));
  const auto review = pending.at("items").at(0);
  CHECK(review.at("candidates").as_array().size() == 4);
  CHECK(review.at("event_id") == "four");
  const auto approved = n.as_admin("POST", "/v1/merge-reviews/" + str(review.at("id")) + "/approve");
  INFO(approved.body);
  REQUIRE(approved.status == 200);
  CHECK(json(approved).at("status") == "approved");
  const auto one = n.holder("email", "x@y.io");
  CHECK(n.holder("phone", "%2B14155550199") == one);
  CHECK(n.holder("loyalty_id", "L1") == one);
  CHECK(n.holder("device_id", "d1") == one);
  CHECK(n.profile(one).at("merged_from").as_array().size() == 3);
  check_problem(n.as_admin("POST", "/v1/merge-reviews/" + str(review.at("id")) + "/reject"), 409, "invalid_transition");
  CHECK(eventually([&] { return json(n.as_admin("GET", "/v1/merge-reviews?status=pending")).at("items").as_array().empty(); }));
}

TEST_CASE("a checkout with an email shows up on a profile without anyone calling /v1/events", "[e2e][cdp]") {
  shop s;
  s.n.product("mug", 10);
  const auto cart = s.cart_with("mug", 2);
  REQUIRE(s.checkout(cart, "tok_ok").status == 201);
  boost::json::value profile;
  REQUIRE(eventually([&] {
    const auto r = s.n.as_admin("GET", "/v1/profiles?email=ann@example.com");
    if (r.status != 200) return false;
    profile = json(r);
    return profile.at("total_orders") == 1;
  }));
  INFO(boost::json::serialize(profile));
  CHECK(profile.at("lifetime_value") == boost::json::object{{"amount", 2400}, {"currency", "EUR"}});
  std::set<std::string> types;
  for (const auto& e : profile.at("recent_events").as_array()) types.insert(std::string(e.at("type").as_string()));
  CHECK(types == std::set<std::string>{"checkout_started", "purchase"});
  // A cart opened with an email feeds its lines as cart_add.
  const auto with_email = s.n.call("POST", "/v1/carts", R"({"currency":"EUR","email":"Bo@Example.com"})");
  REQUIRE(with_email.status == 201);
  const auto bo_cart = std::string(json(with_email).at("id").as_string());
  REQUIRE(s.n.call("PUT", "/v1/carts/" + bo_cart + "/items/mug", R"({"quantity":1})").status == 200);
  CHECK(eventually([&] {
    const auto r = s.n.as_admin("GET", "/v1/profiles?email=bo@example.com");
    return r.status == 200 && json(r).at("recent_events").at(0).at("type") == "cart_add";
  }));
}

TEST_CASE("customer events reach events.raw, events.normalized and profiles.merge_requests once each", "[e2e][cdp][redis]") {
  scratch_database db;
  redis_process redis;
  struct with_redis : cdp_calls {
    node_process node;
    explicit with_redis(std::map<std::string, std::string> env) : node(env) {}
    std::uint16_t port() override { return node.port(); }
  } n(on(db, {{"COMMERCED_REDIS_PORT", std::to_string(redis.port())}, {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
              {"COMMERCED_MESSAGING_URL", "http://127.0.0.1:9"}}));
  n.send(R"({"source":"shopify","type":"visit","event_id":"r1","payload":{"customer":{"email":"Ana@X.io"}}})");
  n.send(R"({"source":"pos","type":"visit","event_id":"r2","payload":{"loyalty_id":"L9"}})");
  const auto merged = n.send(R"({"source":"api","type":"purchase","event_id":"r3",)"
                             R"("payload":{"email":"ana@x.io","loyalty_id":"L9","total":700,"currency":"EUR"}})");
  REQUIRE(merged.at("match") == "merged");
  commerce::adapters::postgres::connection sql(db.conninfo());
  auto journal = [&](const std::string& type) {
    const auto list = sql.query_value("SELECT coalesce(string_agg(position::text, ',' ORDER BY transaction_id, position), '') "
                                      "FROM events WHERE event_type = '" + type + "'");
    std::vector<std::string> out;
    for (std::size_t from = 0; from < list.size();) {
      auto comma = list.find(',', from);
      if (comma == std::string::npos) comma = list.size();
      out.push_back(list.substr(from, comma - from));
      from = comma + 1;
    }
    return out;
  };
  const auto attached = journal("EventAttached");
  REQUIRE(attached.size() == 3);
  CHECK(eventually([&] { return redis.positions("events.raw") == attached; }));
  CHECK(redis.positions("events.normalized") == attached);
  CHECK(redis.positions("profiles.merge_requests") == journal("MergeRequested"));
  // The last normalized entry: the purchase, on the merged profile, with both identifiers.
  const auto entries = redis.command({"XRANGE", "events.normalized", "-", "+"});
  REQUIRE(entries.elements.size() == 3);
  const auto& fields = entries.elements.back().elements.at(1).elements;
  std::map<std::string, std::string> by_name;
  for (std::size_t i = 0; i + 1 < fields.size(); i += 2) by_name[fields[i].text] = fields[i + 1].text;
  const auto data = boost::json::parse(by_name.at("data"));
  INFO(by_name.at("data"));
  CHECK(data.at("event_id") == "r3");
  CHECK(data.at("profile_id") == merged.at("profile_id"));
  CHECK(data.at("identifiers").as_array().size() == 2);
  CHECK(data.at("total").at("amount") == 700);
  const auto raw = redis.command({"XRANGE", "events.raw", "-", "+"});
  const auto& first = raw.elements.front().elements.at(1).elements;
  for (std::size_t i = 0; i + 1 < first.size(); i += 2)
    if (first[i].text == "data") CHECK(boost::json::parse(first[i + 1].text).at("payload").at("customer").at("email") == "Ana@X.io");
}

TEST_CASE("CSV rows are taken one by one and a bad row is reported by its line", "[e2e][cdp]") {
  cdp_node n;
  const std::string csv =
      "email,phone,type,total\n"
      "ana@example.com,,purchase,1200\n"
      "\"bo@example.com\",\"+49 151 2345678\",visit,\n"
      "broken row\n"
      "not-an-email,,visit,\n"
      "ana@example.com,,purchase,oops\n";
  const auto r = n.call("POST", "/v1/events/csv", csv, {{"Authorization", "Bearer test-admin-token"}, {"Content-Type", "text/csv"}});
  INFO(r.body);
  REQUIRE(r.status == 201);
  const auto body = json(r);
  CHECK(body.at("results").as_array().size() == 3);
  std::set<std::int64_t> bad;
  for (const auto& e : body.at("errors").as_array()) bad.insert(e.at("line").as_int64());
  CHECK(bad == std::set<std::int64_t>{4, 6});
  const auto ana = n.holder("email", "ana@example.com");
  REQUIRE(!ana.empty());
  CHECK(n.profile(ana).at("total_orders") == 1);
  CHECK(!n.holder("phone", "%2B491512345678").empty());
  check_problem(n.call("POST", "/v1/events/csv", "", {{"Authorization", "Bearer test-admin-token"}, {"Content-Type", "text/csv"}}),
                422, "validation_failed");
  CHECK(n.call("POST", "/v1/events/csv", csv, {{"Authorization", "Bearer test-admin-token"}, {"Content-Type", "text/plain"}}).status ==
        415);
}

// A population for concurrent ingestion: people with an email, a phone and a device each; an
// event names one or two of one person's identifiers ("type:value").
struct population {
  int people;
  static std::string value(int person, int kind) {
    if (kind == 0) return "email:p" + std::to_string(person) + "@x.io";
    if (kind == 1) return "phone:+1415555" + std::to_string(1000 + person);
    return "device_id:dev" + std::to_string(person);
  }
  std::vector<std::string> draw(std::mt19937& rng) const {
    const int person = rng() % people;
    const int k1 = rng() % 3, k2 = rng() % 3;
    std::vector<std::string> ids{value(person, k1)};
    if (k2 != k1 && rng() % 2) ids.push_back(value(person, k2));
    return ids;
  }
};

struct sent_event {
  std::string id;
  std::vector<std::string> identifiers;
};

std::string event_body(const sent_event& e) {
  boost::json::object payload;
  for (const auto& id : e.identifiers) {
    const auto colon = id.find(':');
    payload[id.substr(0, colon)] = id.substr(colon + 1);
  }
  return boost::json::serialize(boost::json::object{{"source", "api"}, {"type", "visit"}, {"event_id", e.id}, {"payload", payload}});
}

// Whether the node took the event: 201 with a profile for it.
bool taken(std::uint16_t port, const sent_event& e) {
  try {
    const auto r = http_call(port, "POST", "/v1/events", event_body(e), admin);
    return r.status == 201 && !json(r).at("results").at(0).as_object().contains("error");
  } catch (const std::exception&) {
    return false;  // the node went away
  }
}

// The profiles must be the connected components of the identifiers the events linked: each
// value held by one active profile that lists exactly its component's values, and each event
// attached to exactly one of them.
void check_components(cdp_calls& n, const std::vector<sent_event>& events) {
  std::map<std::string, std::string> parent;
  std::function<std::string(const std::string&)> root = [&](const std::string& x) {
    if (!parent.count(x)) parent[x] = x;
    return parent[x] == x ? x : parent[x] = root(parent[x]);
  };
  for (const auto& e : events)
    for (const auto& id : e.identifiers) parent[root(id)] = root(e.identifiers.front());
  std::map<std::string, std::set<std::string>> components;
  for (const auto& [id, _] : parent) components[root(id)].insert(id);

  std::set<std::string> profiles;
  for (const auto& [r, values] : components) {
    std::set<std::string> holders;
    for (const auto& id : values) {
      const auto colon = id.find(':');
      auto v = id.substr(colon + 1);
      if (v[0] == '+') v = "%2B" + v.substr(1);
      holders.insert(n.holder(id.substr(0, colon), v));
    }
    INFO(r);
    REQUIRE(holders.size() == 1);
    REQUIRE(!holders.begin()->empty());
    CHECK(profiles.insert(*holders.begin()).second);  // one profile per component
    const auto p = n.profile(*holders.begin());
    std::set<std::string> listed;
    for (const auto& [type, list] : p.at("identifiers").as_object())
      for (const auto& v : list.as_array()) listed.insert(std::string(type) + ":" + str(v));
    CHECK(listed == values);
  }
  std::multiset<std::string> attached, expected;
  for (const auto& p : profiles)
    for (const auto& e : n.event_ids(p)) attached.insert(e);
  for (const auto& e : events) expected.insert(e.id);
  CHECK(attached == expected);
}

// Sends `per_thread` events of `people` from each of `threads` threads at once; returns the
// events, each marked taken or not, and counts the taken ones in `taken_so_far` as they come.
std::vector<std::pair<sent_event, bool>> send_concurrently(std::uint16_t port, int threads, int per_thread, int people,
                                                           std::atomic<int>* taken_so_far = nullptr) {
  std::mutex m;
  std::vector<std::pair<sent_event, bool>> out;
  std::vector<std::thread> pool;
  for (int t = 0; t < threads; ++t)
    pool.emplace_back([&, t] {
      std::mt19937 rng(t);
      const population everyone{people};
      for (int i = 0; i < per_thread; ++i) {
        sent_event e{"t" + std::to_string(t) + "-" + std::to_string(i), everyone.draw(rng)};
        const bool ok = taken(port, e);
        if (ok && taken_so_far) ++*taken_so_far;
        std::lock_guard<std::mutex> lock(m);
        out.emplace_back(std::move(e), ok);
      }
    });
  for (auto& t : pool) t.join();
  return out;
}

TEST_CASE("concurrent events with overlapping identifiers end as their connected components", "[e2e][cdp]") {
  cdp_node n;
  const auto sent = send_concurrently(n.node.port(), 100, 5, 60);
  std::vector<sent_event> events;
  for (const auto& [e, ok] : sent) {
    INFO(e.id);
    CHECK(ok);
    events.push_back(e);
  }
  check_components(n, events);
}

TEST_CASE("a node killed with -9 mid-merge: every merge finishes or is undone, and resent events land once", "[e2e][cdp]") {
  scratch_database db;
  const auto env = on(db, {{"COMMERCED_TIMERS_POLL_INTERVAL", "50ms"}});
  std::optional<node_process> node(std::in_place, env);
  const auto port = node->port();
  commerce::adapters::postgres::connection sql(db.conninfo());
  // Merges whose journal shows no end yet: merged (the base unlocked) or aborted (released).
  const std::string unfinished =
      "SELECT count(*) FROM (SELECT stream_id FROM events WHERE stream_type = 'profile_merge' GROUP BY stream_id "
      "HAVING NOT bool_or(event_type = 'MergeStepFinished' AND data->>'step' IN ('unlock', 'release'))) m";
  std::atomic<int> answered{0};
  std::thread killer([&] {
    commerce::adapters::postgres::connection watch(db.conninfo());
    // Some events answered first, so the test has both kinds: taken before the kill, and resent.
    // On a slow machine the first merge can start before any answer has come back.
    const auto first_answers = std::chrono::steady_clock::now() + std::chrono::seconds(30);
    while (answered < 40 && std::chrono::steady_clock::now() < first_answers)
      std::this_thread::sleep_for(std::chrono::milliseconds(1));
    const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(3);
    while (watch.query_value(unfinished) == "0" && std::chrono::steady_clock::now() < until)
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    node.reset();  // SIGKILL, with a merge half done
  });
  auto sent = send_concurrently(port, 40, 40, 30, &answered);  // more than fits before the kill
  killer.join();
  node.emplace(env);
  std::size_t resent = 0;
  std::vector<sent_event> events;
  for (auto& [e, ok] : sent) {
    // A client resends what got no answer, with the same event_id.
    if (!ok) {
      ++resent;
      INFO(e.id);
      REQUIRE(taken(node->port(), e));
    }
    events.push_back(e);
  }
  CHECK(resent > 0);
  CHECK(resent < sent.size());
  struct restarted : cdp_calls {
    std::optional<node_process>& node;
    explicit restarted(std::optional<node_process>& node) : node(node) {}
    std::uint16_t port() override { return node->port(); }
  } calls(node);
  // Every merge ended, the one cut in half included: it was resumed after the restart (on its
  // timer, when no event touching its profiles came first).
  CHECK(eventually([&] { return sql.query_value(unfinished) == "0"; }));
  check_components(calls, events);
  CHECK(sql.query_value("SELECT count(DISTINCT stream_id) FROM events WHERE event_type = 'MergeResumed'") != "0");
}
