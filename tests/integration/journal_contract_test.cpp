// One contract, two journals: the PostgreSQL journal and the in-memory one used by fast actor
// tests must behave the same, or the fast tests would prove nothing.
#include "adapters/journal/memory_journal.hpp"
#include "adapters/journal/postgres_journal.hpp"
#include "adapters/postgres/migrations.hpp"

#include "support/test_env.hpp"

#include <catch2/catch.hpp>

#include <boost/json.hpp>

#include <libpq-fe.h>
#include <sys/socket.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <functional>
#include <limits>
#include <memory>
#include <set>
#include <thread>

using namespace commerce::adapters;

namespace {

// A writer whose transaction is still open: its event has a position but nobody sees it yet.
using commit_later = std::function<void()>;

struct memory_store {
  std::shared_ptr<memory_journal> shared = std::make_shared<memory_journal>();
  // A second handle on the same store, as a second writer would have.
  std::shared_ptr<journal> open() { return shared; }
  commit_later append_uncommitted(const std::string& stream_id) {
    const auto tx = shared->append_uncommitted({"cart", stream_id, 0, {{"Slow", 1, "{}", "{}"}}, {}});
    return [shared = shared, tx] { shared->commit(tx); };
  }
};

struct postgres_store {
  commerce::test::scratch_database db;
  postgres_store() {
    postgres::connection conn(db.conninfo());
    postgres::migrate(conn);
  }
  std::shared_ptr<journal> open() { return std::make_shared<postgres_journal>(db.conninfo()); }
  commit_later append_uncommitted(const std::string& stream_id) {
    auto conn = std::make_shared<postgres::connection>(db.conninfo());
    conn->exec("BEGIN; INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data) "
               "VALUES ('cart', '" + stream_id + "', 1, 'Slow', 1, '{}')");
    return [conn] { conn->exec("COMMIT"); };
  }
};

event_record event(const std::string& type, const std::string& data = R"({"n":1})") {
  return {type, 1, data, R"({"correlation_id":"c-1"})"};
}

append_request request(const std::string& id, std::int64_t expected, std::vector<event_record> events) {
  return {"cart", id, expected, std::move(events), {}};
}

}  // namespace

TEMPLATE_TEST_CASE("appended events read back in order with versions and positions", "[journal]", memory_store,
                   postgres_store) {
  TestType store;
  auto j = store.open();
  auto r = j->append({request("a", 0, {event("CartCreated"), event("CartLineSet", R"({"sku":"MUG","quantity":2})")})});
  REQUIRE(r.size() == 1);
  CHECK(r[0].status == append_status::appended);
  CHECK(r[0].version == 2);
  j->append({request("a", 2, {event("CartLineRemoved")})});

  const auto events = j->read_stream("cart", "a", 1, 100);
  REQUIRE(events.size() == 3);
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].version == static_cast<std::int64_t>(i) + 1);
  CHECK(events[0].position < events[1].position);
  CHECK(events[1].position < events[2].position);
  CHECK(events[1].event_type == "CartLineSet");
  CHECK(boost::json::parse(events[1].data) == boost::json::parse(R"({"sku":"MUG","quantity":2})"));
  CHECK(boost::json::parse(events[0].metadata).at("correlation_id") == "c-1");
  CHECK(events[0].recorded_at_ms > 1'700'000'000'000);
  CHECK(j->read_stream("cart", "nobody", 1, 100).empty());
  CHECK(j->read_stream("order", "a", 1, 100).empty());  // the stream type is part of the key
}

TEMPLATE_TEST_CASE("replay starts from any version and honours the limit", "[journal]", memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  for (int v = 0; v < 10; ++v) j->append({request("a", v, {event("E" + std::to_string(v + 1))})});
  const auto middle = j->read_stream("cart", "a", 6, 100);
  REQUIRE(middle.size() == 5);
  CHECK(middle.front().version == 6);
  CHECK(middle.front().event_type == "E6");
  const auto page = j->read_stream("cart", "a", 2, 3);
  REQUIRE(page.size() == 3);
  CHECK(page.back().version == 4);
  CHECK(j->read_stream("cart", "a", 11, 100).empty());
  CHECK(j->read_stream("cart", "a", 3, std::numeric_limits<std::size_t>::max()).size() == 8);  // "all of it"
}

TEMPLATE_TEST_CASE("a wrong expected version is a conflict that stores nothing", "[journal]", memory_store,
                   postgres_store) {
  TestType store;
  auto j = store.open();
  j->append({request("a", 0, {event("E1"), event("E2")})});
  for (std::int64_t wrong : {0, 1, 3, 7}) {
    auto r = j->append({request("a", wrong, {event("X")})});
    CHECK(r[0].status == append_status::conflict);
    CHECK(r[0].version == 2);  // the actual version, so the entity can reload
  }
  CHECK(j->read_stream("cart", "a", 1, 100).size() == 2);
}

TEMPLATE_TEST_CASE("one batch, one conflict: the others are stored", "[journal]", memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  j->append({request("busy", 0, {event("E1")})});
  auto r = j->append({request("x", 0, {event("E1")}), request("busy", 0, {event("Late"), event("Later")}),
                      request("y", 0, {event("E1"), event("E2")})});
  REQUIRE(r.size() == 3);
  CHECK(r[0].status == append_status::appended);
  CHECK(r[1].status == append_status::conflict);
  CHECK(r[1].version == 1);
  CHECK(r[2].status == append_status::appended);
  CHECK(r[2].version == 2);
  CHECK(j->read_stream("cart", "busy", 1, 100).size() == 1);
  CHECK(j->read_stream("cart", "y", 1, 100).size() == 2);
}

TEMPLATE_TEST_CASE("one stream twice in a batch: taken in order, as separate appends would be", "[journal]",
                   memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  auto r = j->append({request("x", 0, {event("First")}), request("x", 0, {event("Rival")}),
                      request("x", 1, {event("Second"), event("Third")}), request("y", 0, {event("Other")})});
  REQUIRE(r.size() == 4);
  CHECK(r[0].status == append_status::appended);
  CHECK(r[1].status == append_status::conflict);
  CHECK(r[2].status == append_status::appended);
  CHECK(r[2].version == 3);
  CHECK(r[3].status == append_status::appended);
  const auto events = j->read_stream("cart", "x", 1, 10);
  REQUIRE(events.size() == 3);
  CHECK(events[0].event_type == "First");
  CHECK(events[2].event_type == "Third");
}

TEMPLATE_TEST_CASE("concurrent writers to one stream: exactly one wins each version", "[journal]", memory_store,
                   postgres_store) {
  TestType store;
  constexpr int writers = 4, attempts = 25;
  std::atomic<int> wins{0};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, j = store.open(), w] {
      for (int i = 0; i < attempts; ++i) {
        // Each writer believes the stream is where it last saw it; most guesses lose.
        const auto seen = static_cast<std::int64_t>(j->read_stream("cart", "hot", 1, 10'000).size());
        auto r = j->append({request("hot", seen, {event("W" + std::to_string(w))})});
        if (r[0].status == append_status::appended) ++wins;
      }
    });
  for (auto& t : threads) t.join();
  const auto events = store.open()->read_stream("cart", "hot", 1, 10'000);
  CHECK(static_cast<int>(events.size()) == wins.load());
  for (std::size_t i = 0; i < events.size(); ++i) CHECK(events[i].version == static_cast<std::int64_t>(i) + 1);
  CHECK(wins.load() >= attempts);
}

TEMPLATE_TEST_CASE("large payloads are stored whole", "[journal]", memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  const std::string big = "{\"blob\":\"" + std::string(2 << 20, 'x') + "\"}";
  j->append({request("big", 0, {event("Big", big)})});
  const auto events = j->read_stream("cart", "big", 1, 1);
  REQUIRE(events.size() == 1);
  CHECK(boost::json::parse(events[0].data).at("blob").as_string().size() == (2u << 20));
}

TEMPLATE_TEST_CASE("snapshots keep the latest version per stream", "[journal]", memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  CHECK_FALSE(j->load_snapshot("cart", "a").has_value());
  j->save_snapshot({"cart", "a", 10, 1, R"({"lines":1})"});
  j->save_snapshot({"cart", "a", 20, 1, R"({"lines":2})"});
  j->save_snapshot({"cart", "a", 15, 1, R"({"lines":9})"});  // late and older: ignored
  const auto s = j->load_snapshot("cart", "a");
  REQUIRE(s.has_value());
  CHECK(s->version == 20);
  CHECK(boost::json::parse(s->data).at("lines") == 2);
  CHECK_FALSE(j->load_snapshot("order", "a").has_value());
}

TEMPLATE_TEST_CASE("timers are set and cleared with the events, and only by an append that lands", "[journal]",
                   memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  auto with_timer = [](std::string id, std::int64_t expected, std::int64_t due) {
    auto r = request(id, expected, {event("E")});
    r.timers = {{"deadline", due}};
    return r;
  };
  j->append({with_timer("a", 0, 5'000), with_timer("b", 0, 1'000), with_timer("c", 0, 9'000)});
  j->append({with_timer("a", 0, 100)});  // conflict: its timer must not be written
  auto due = j->due_timers(5'000, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].stream_id == "b");  // earliest first
  CHECK(due[0].due_at_ms == 1'000);
  CHECK(due[1].stream_id == "a");
  CHECK(due[1].due_at_ms == 5'000);
  CHECK(due[1].name == "deadline");
  CHECK(j->due_timers(5'000, 1).size() == 1);

  // Re-set meanwhile: clearing the old due time leaves the new one.
  j->append({with_timer("a", 1, 7'000)});
  j->clear_timer(due[1]);
  j->clear_timer(due[0]);
  due = j->due_timers(10'000, 10);
  REQUIRE(due.size() == 2);
  CHECK(due[0].stream_id == "a");
  CHECK(due[0].due_at_ms == 7'000);
  j->append({with_timer("c", 1, 0)});  // 0 clears
  CHECK(j->due_timers(10'000, 10).size() == 1);
}

TEMPLATE_TEST_CASE("read_all delivers every stream's events in commit-safe order from a checkpoint", "[journal]",
                   memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  j->append({request("a", 0, {event("A1"), event("A2")}), request("b", 0, {event("B1")})});
  j->append({request("a", 2, {event("A3")})});
  const auto all = j->read_all({}, 100);
  REQUIRE(all.size() == 4);
  std::vector<std::string> types;
  for (const auto& e : all) types.push_back(e.event_type);
  CHECK(types == std::vector<std::string>{"A1", "A2", "B1", "A3"});
  CHECK(all[0].transaction_id == all[2].transaction_id);  // one batch, one transaction
  CHECK(all[3].transaction_id > all[0].transaction_id);
  CHECK(all[2].stream_id == "b");

  const auto rest = j->read_all({all[1].transaction_id, all[1].position}, 100);
  REQUIRE(rest.size() == 2);
  CHECK(rest[0].event_type == "B1");
  CHECK(j->read_all({all[1].transaction_id, all[1].position}, 1).size() == 1);

  CHECK_FALSE(j->load_checkpoint("projector").has_value());
  j->save_checkpoint("projector", {all[3].transaction_id, all[3].position});
  const auto saved = store.open()->load_checkpoint("projector");
  REQUIRE(saved.has_value());
  CHECK(saved->position == all[3].position);
  CHECK(j->read_all(*saved, 100).empty());
}

TEMPLATE_TEST_CASE("an event's position is located in read_all's order, to go on after it", "[journal]", memory_store,
                   postgres_store) {
  TestType store;
  auto j = store.open();
  j->append({request("a", 0, {event("A1"), event("A2")})});
  j->append({request("b", 0, {event("B1")})});
  const auto all = j->read_all({}, 100);
  REQUIRE(all.size() == 3);
  const auto at = j->locate(all[0].position);
  REQUIRE(at.has_value());
  CHECK(at->transaction_id == all[0].transaction_id);
  CHECK(at->position == all[0].position);
  const auto after = j->read_all(*at, 100);
  REQUIRE(after.size() == 2);
  CHECK(after[0].event_type == "A2");
  CHECK_FALSE(j->locate(all[2].position + 1000).has_value());
}

TEMPLATE_TEST_CASE("a transaction that commits after a later one is not skipped", "[journal]", memory_store,
                   postgres_store) {
  TestType store;
  auto j = store.open();
  j->append({request("before", 0, {event("Before")})});
  auto slow = store.append_uncommitted("slow");            // takes the next position, stays open
  j->append({request("fast", 0, {event("Fast")})});        // later position, commits first
  const auto seen = j->read_all({}, 100);
  // Fast is held back while the older transaction is open: a reader that took it now and kept
  // its checkpoint would never see Slow.
  REQUIRE(seen.size() == 1);
  CHECK(seen[0].event_type == "Before");
  CHECK(j->read_stream("cart", "fast", 1, 10).size() == 1);  // the stream itself is readable

  slow();
  const auto after = j->read_all({seen[0].transaction_id, seen[0].position}, 100);
  REQUIRE(after.size() == 2);
  CHECK(after[0].event_type == "Slow");
  CHECK(after[1].event_type == "Fast");
  CHECK(after[0].position < after[1].position);
}

TEMPLATE_TEST_CASE("concurrent writers with out-of-order commits: a reader sees each event exactly once", "[journal]",
                   memory_store, postgres_store) {
  TestType store;
  constexpr int writers = 4, appends = 50;
  std::atomic<bool> done{false};
  std::vector<std::thread> threads;
  for (int w = 0; w < writers; ++w)
    threads.emplace_back([&, j = store.open(), w] {
      for (int i = 0; i < appends; ++i)
        j->append({request("w" + std::to_string(w) + "-" + std::to_string(i), 0, {event("E"), event("E")})});
    });
  // One more writer holds a transaction open across part of the run.
  auto slow = store.append_uncommitted("held");
  std::thread reader_done([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
    slow();
    for (auto& t : threads) t.join();
    done = true;
  });
  auto reader = store.open();
  checkpoint at;
  std::set<std::int64_t> positions;
  int duplicates = 0;
  for (bool last = false; !last;) {
    last = done.load();  // one more pass after the writers finished
    for (const auto& e : reader->read_all(at, 37)) {
      if (!positions.insert(e.position).second) ++duplicates;
      at = {e.transaction_id, e.position};
      last = false;
    }
  }
  reader_done.join();
  CHECK(duplicates == 0);
  CHECK(positions.size() == writers * appends * 2 + 1);
}

TEMPLATE_TEST_CASE("one unstorable event in a batch is refused alone, the other 100 land", "[journal][invalid]",
                   memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  // jsonb refuses the escape \u0000 (22P05): once, the whole group commit failed with it.
  const std::string nul_escape = R"({"name":"Mu\u0000g"})";
  std::vector<append_request> batch;
  for (int i = 0; i < 101; ++i)
    batch.push_back(i == 50 ? request("bad", 0, {event("E", nul_escape)})
                            : request("good-" + std::to_string(i), 0, {event("E")}));
  const auto r = j->append(batch);
  REQUIRE(r.size() == 101);
  for (int i = 0; i < 101; ++i) {
    INFO("request " << i);
    CHECK(r[static_cast<std::size_t>(i)].status == (i == 50 ? append_status::invalid : append_status::appended));
    if (i != 50) CHECK(j->read_stream("cart", "good-" + std::to_string(i), 1, 10).size() == 1);
  }
  CHECK(j->read_stream("cart", "bad", 1, 10).empty());
  // Nothing of the refused request lingers: the stream takes a good first event afterwards.
  CHECK(j->append({request("bad", 0, {event("E")})})[0].status == append_status::appended);
}

TEMPLATE_TEST_CASE("what PostgreSQL cannot store is refused as invalid by both journals", "[journal][invalid]",
                   memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  auto with_metadata = [](std::string metadata) {
    append_request r = request("m", 0, {event("E")});
    r.events[0].metadata = std::move(metadata);
    return r;
  };
  const std::vector<std::pair<std::string, append_request>> refused = {
      {"\\u0000 in data", request("x", 0, {event("E", R"({"a":"\u0000"})")})},
      {"invalid UTF-8 in metadata", with_metadata("{\"correlation_id\":\"\xff\xfe\"}")},
      {"a surrogate encoded in UTF-8", with_metadata("{\"c\":\"\xed\xa0\x80\"}")},
      {"a NUL byte in data", request("x", 0, {event("E", std::string("{\"a\":\"\0\"}", 9))})},
      {"invalid UTF-8 in a stream id", request("x\xc3", 0, {event("E")})},
      {"data that is not JSON", request("x", 0, {event("E", R"({"a":)")})},
  };
  int k = 0;
  for (const auto& [what, bad] : refused) {
    INFO(what);
    const auto n = std::to_string(k++);
    const auto r = j->append({request("before-" + n, 0, {event("E")}), bad, request("after-" + n, 0, {event("E")})});
    REQUIRE(r.size() == 3);
    CHECK(r[0].status == append_status::appended);
    CHECK(r[1].status == append_status::invalid);
    CHECK(r[2].status == append_status::appended);
  }
  // An escaped backslash before u0000 is no NUL: stored as any text.
  CHECK(j->append({request("y", 0, {event("E", R"({"a":"\\u0000"})")})})[0].status == append_status::appended);
}

TEST_CASE("an unreachable PostgreSQL fails appends fast with storage_unavailable", "[journal][postgres]") {
  postgres_journal j("host=127.0.0.1 port=1 user=commerce dbname=postgres connect_timeout=2");
  const auto started = std::chrono::steady_clock::now();
  CHECK_THROWS_AS(j.append({request("a", 0, {event("E1")})}), storage_unavailable);
  CHECK(std::chrono::steady_clock::now() - started < std::chrono::seconds(3));
}

TEMPLATE_TEST_CASE("the head is the last event read_all can return, and behind counts what follows a checkpoint",
                   "[journal]", memory_store, postgres_store) {
  TestType store;
  auto j = store.open();
  const auto empty = j->head({}, 100);
  CHECK(empty.head.position == 0);
  CHECK(empty.behind == 0);
  CHECK(empty.oldest_unread_ms == 0);

  j->append({request("a", 0, {event("A1"), event("A2")})});
  j->append({request("b", 0, {event("B1")})});
  const auto all = j->read_all({}, 100);
  REQUIRE(all.size() == 3);
  const auto h = j->head({}, 100);
  CHECK(h.head.transaction_id == all[2].transaction_id);
  CHECK(h.head.position == all[2].position);
  CHECK(h.behind == 3);
  CHECK(h.oldest_unread_ms == all[0].recorded_at_ms);
  CHECK(j->head({}, 2).behind == 2);  // counted up to the cap
  CHECK(j->head({all[0].transaction_id, all[0].position}, 100).behind == 2);
  const auto at_end = j->head({all[2].transaction_id, all[2].position}, 100);
  CHECK(at_end.behind == 0);
  CHECK(at_end.oldest_unread_ms == 0);

  // An open older transaction hides what committed after it, from the head as from read_all.
  auto slow = store.append_uncommitted("slow");
  j->append({request("c", 0, {event("C1")})});
  CHECK(j->head({}, 100).head.position == all[2].position);
  slow();
  CHECK(j->head({}, 100).behind == 5);
}

// Issue 14: read_all sorted by the transaction id's text, so "1000" came before "999" and a
// page ending in the 4-digit ids moved the checkpoint past every 3-digit one, never read.
// Transaction ids are written here directly (below every running one, so all visible) to
// straddle a change in the number of digits.
TEST_CASE("read_all orders transaction ids as numbers, across a change in their number of digits",
          "[journal][postgres]") {
  postgres_store store;
  postgres::connection conn(store.db.conninfo());
  std::int64_t version = 0;
  for (const auto tx : {97, 98, 99, 100, 101, 102})
    conn.exec("INSERT INTO events (stream_type, stream_id, version, event_type, schema_version, data, transaction_id) "
              "VALUES ('product', 'MUG', " + std::to_string(++version) + ", 'E" + std::to_string(tx) + "', 1, '{}', '" +
              std::to_string(tx) + "')");
  auto j = store.open();
  checkpoint at;
  std::vector<std::int64_t> seen;
  for (int page = 0; page < 10; ++page) {
    const auto events = j->read_all(at, 2);
    if (events.empty()) break;
    for (const auto& e : events) {
      seen.push_back(e.transaction_id);
      at = {e.transaction_id, e.position};
    }
  }
  CHECK(seen == std::vector<std::int64_t>{97, 98, 99, 100, 101, 102});
  CHECK(j->head({}, 100).head.transaction_id == 102);
  CHECK(j->head({98, 2}, 100).behind == 4);
}

namespace {

// Cuts a libpq connection as a network failure would: the socket under it is replaced by an
// unconnected one, so the server sees the connection close and libpq's next read fails.
void cut(PGconn* conn) {
  const int dead = ::socket(AF_INET, SOCK_STREAM, 0);
  REQUIRE(dead >= 0);
  REQUIRE(::dup2(dead, PQsocket(conn)) >= 0);
  ::close(dead);
}

std::int64_t stored_count(postgres::connection& sql, const std::string& stream_prefix) {
  return std::stoll(sql.query_value("SELECT count(*) FROM events WHERE stream_id LIKE '" + stream_prefix + "%'"));
}

}  // namespace

TEST_CASE("a commit whose answer is lost is settled by asking the server: it landed", "[journal][postgres][ambiguous]") {
  postgres_store store;
  postgres::connection sql(store.db.conninfo());
  postgres_journal j(store.db.conninfo());
  j.append({request("warm-up", 0, {event("E")})});
  j.set_commit_hook([&](PGconn* conn, bool commit_sent) {
    if (!commit_sent) return;
    // The COMMIT is on its way; wait until it has landed, then lose its answer.
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    while (stored_count(sql, "landed-") < 3 && std::chrono::steady_clock::now() < deadline)
      std::this_thread::sleep_for(std::chrono::milliseconds(5));
    cut(conn);
  });
  std::vector<append_result> r;
  REQUIRE_NOTHROW(r = j.append({request("landed-1", 0, {event("E")}), request("landed-2", 0, {event("E"), event("F")}),
                                request("warm-up", 0, {event("E")})}));
  j.set_commit_hook({});
  REQUIRE(r.size() == 3);
  CHECK(r[0].status == append_status::appended);
  CHECK(r[1].status == append_status::appended);
  CHECK(r[1].version == 2);
  CHECK(r[2].status == append_status::conflict);
  CHECK(r[2].version == 1);
  CHECK(stored_count(sql, "landed-") == 3);
  // The journal goes on over a new connection.
  CHECK(j.append({request("landed-1", 1, {event("G")})})[0].status == append_status::appended);
}

TEST_CASE("a commit lost before it reached the server is settled as not stored", "[journal][postgres][ambiguous]") {
  postgres_store store;
  postgres::connection sql(store.db.conninfo());
  postgres_journal j(store.db.conninfo());
  j.set_commit_hook([&](PGconn* conn, bool commit_sent) {
    if (!commit_sent) cut(conn);
  });
  CHECK_THROWS_AS(j.append({request("lost-1", 0, {event("E")}), request("lost-2", 0, {event("E")})}),
                  storage_unavailable);
  j.set_commit_hook({});
  CHECK(stored_count(sql, "lost-") == 0);
  CHECK(j.append({request("lost-1", 0, {event("E")})})[0].status == append_status::appended);
}
