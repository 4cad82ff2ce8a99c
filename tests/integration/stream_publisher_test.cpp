// The journal's publisher to Redis Streams against a real redis-server of the test's own:
// fields and order, a batch delivered again (whole or after a part of it was published) added
// exactly once, and a Redis that is away failing the batch rather than skipping it.
#include "adapters/redis/stream_publisher.hpp"
#include "support/redis_process.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace commerce;
using namespace std::chrono_literals;
using protocols::stored_event;

namespace {

stored_event event(std::string type, std::string id, std::int64_t tx, std::int64_t position) {
  stored_event e;
  e.stream_type = std::move(type);
  e.stream_id = std::move(id);
  e.version = position;
  e.event_type = "Thing" + std::to_string(position);
  e.data = R"({"n":)" + std::to_string(position) + "}";
  e.recorded_at_ms = 1'800'000'000'000 + position;
  e.transaction_id = tx;
  e.position = position;
  return e;
}

struct publisher_fixture {
  test::redis_process redis;
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  protocols::stream_publisher_actor publisher;

  publisher_fixture() {
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
    adapters::redis::stream_publisher_options options;
    options.redis = {"127.0.0.1", redis.port(), 500ms, 2s};
    publisher = adapters::redis::spawn_stream_publisher(*system, options);
  }
  ~publisher_fixture() { caf::anon_send_exit(publisher, caf::exit_reason::user_shutdown); }

  // The publisher's answer: empty when published, else the error's text.
  std::string deliver(const std::vector<stored_event>& events) {
    caf::scoped_actor self{*system};
    std::string error;
    self->request(publisher, 10s, protocols::deliver_atom::value, events)
        .receive([] {}, [&](caf::error& e) { error = system->render(e); });
    return error;
  }
  std::vector<std::string> positions(const std::string& key) { return redis.positions(key); }
};

}  // namespace

TEST_CASE_METHOD(publisher_fixture, "each event goes to the stream of its type, in journal order, with its fields",
                 "[redis]") {
  REQUIRE(deliver({event("cart", "c1", 10, 1), event("product", "p1", 10, 2), event("cart", "c1", 11, 3)}) == "");
  CHECK(positions("commerce.cart") == std::vector<std::string>{"1", "3"});
  CHECK(positions("commerce.product") == std::vector<std::string>{"2"});

  const auto entry = redis.command({"XRANGE", "commerce.cart", "-", "+", "COUNT", "1"}).elements.at(0);
  CHECK(entry.elements.at(0).text == "10-1");  // <transaction id>-<position>
  std::map<std::string, std::string> fields;
  const auto& list = entry.elements.at(1).elements;
  for (std::size_t i = 0; i + 1 < list.size(); i += 2) fields[list[i].text] = list[i + 1].text;
  CHECK(fields == std::map<std::string, std::string>{{"position", "1"},
                                                     {"stream_id", "c1"},
                                                     {"version", "1"},
                                                     {"type", "Thing1"},
                                                     {"data", R"({"n":1})"},
                                                     {"at", "2027-01-15T08:00:00.001Z"}});
}

TEST_CASE_METHOD(publisher_fixture, "a batch delivered again is published once, also after only a part of it was",
                 "[redis]") {
  const std::vector<stored_event> batch{event("cart", "c1", 20, 5), event("order", "o1", 20, 6),
                                        event("cart", "c2", 21, 7), event("order", "o1", 22, 8)};
  // As if the node died after publishing the first two, before the checkpoint.
  REQUIRE(deliver({batch[0], batch[1]}) == "");
  REQUIRE(deliver(batch) == "");
  REQUIRE(deliver(batch) == "");
  CHECK(positions("commerce.cart") == std::vector<std::string>{"5", "7"});
  CHECK(positions("commerce.order") == std::vector<std::string>{"6", "8"});
}

TEST_CASE_METHOD(publisher_fixture, "an event Redis refuses stops the batch there: nothing after it is added",
                 "[redis]") {
  const auto refused = event("cart", "c1", 0, 0);  // the id 0-0, which Redis never takes
  const auto failed = deliver({event("cart", "c1", 40, 1), refused, event("cart", "c1", 41, 2)});
  CHECK(failed.find("0-0") != std::string::npos);
  // Had 41-2 been added, delivering the batch again would take 0-0's refusal for "already there".
  CHECK(positions("commerce.cart") == std::vector<std::string>{"1"});
}

TEST_CASE_METHOD(publisher_fixture, "while Redis is away a batch fails, and it is published once Redis is back",
                 "[redis]") {
  REQUIRE(deliver({event("cart", "c1", 30, 1)}) == "");
  redis.stop();
  const auto failed = deliver({event("cart", "c1", 31, 2)});
  CHECK(failed.find("Redis") != std::string::npos);
  redis.start();  // its append-only file brings back what it held
  REQUIRE(deliver({event("cart", "c1", 31, 2)}) == "");
  CHECK(positions("commerce.cart") == std::vector<std::string>{"1", "2"});
}
