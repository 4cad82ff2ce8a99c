// The journal in Redis Streams (API.md, Streams and live updates): after a mixed workload during
// which the node is killed (SIGKILL) several times and Redis is stopped and started, each
// commerce.<stream type> stream holds exactly the journal's events of that type, in journal
// order: no gap, no repeat. Redis is a server of the test's own, so its streams hold this
// test's events only.
#include "e2e/api_fixture.hpp"
#include "support/redis_process.hpp"

#include "adapters/postgres/connection.hpp"

#include <atomic>
#include <csignal>
#include <random>
#include <thread>

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

// Carts filling up on `threads` connections until `stop`; a connection the node drops ends
// its thread (the node was killed).
class workload {
 public:
  workload(std::uint16_t port, int threads) {
    for (int t = 0; t < threads; ++t)
      threads_.emplace_back([this, port, t] {
        try {
          http_connection c(port);
          for (int i = 0; !stop_; ++i) {
            const auto cart = c.request("POST", "/v1/carts", R"({"currency":"EUR"})");
            if (cart.status != 201) continue;
            const auto id = std::string(json(cart).at("id").as_string());
            c.request("PUT", "/v1/carts/" + id + "/items/SKU-" + std::to_string((t + i) % 5), R"({"quantity":1})");
          }
        } catch (const std::exception&) {
          // the node went away
        }
      });
  }
  ~workload() {
    stop_ = true;
    for (auto& t : threads_) t.join();
  }

 private:
  std::atomic<bool> stop_{false};
  std::vector<std::thread> threads_;
};

std::vector<std::string> split(const std::string& text) {
  std::vector<std::string> out;
  std::size_t from = 0;
  while (from < text.size()) {
    auto comma = text.find(',', from);
    if (comma == std::string::npos) comma = text.size();
    out.push_back(text.substr(from, comma - from));
    from = comma + 1;
  }
  return out;
}

// The journal's positions of a stream type, in delivery order.
std::vector<std::string> journal_positions(adapters::postgres::connection& sql, const std::string& type) {
  return split(sql.query_value("SELECT string_agg(position::text, ',' ORDER BY transaction_id, position) FROM events "
                               "WHERE stream_type = '" + type + "'"));
}

}  // namespace

TEST_CASE("every journal event is in its Redis stream once, in journal order, across kill -9 and a Redis restart",
          "[e2e][redis][outage]") {
  scratch_database db;
  redis_process redis;
  const auto settings = on(db, {{"COMMERCED_REDIS_PORT", std::to_string(redis.port())},
                                {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
                                {"COMMERCED_MESSAGING_URL", "http://127.0.0.1:9"}});
  auto node = std::make_unique<node_process>(settings);
  for (int i = 0; i < 5; ++i) {
    const auto sku = "SKU-" + std::to_string(i);
    REQUIRE(http_call(node->port(), "PUT", "/v1/products/" + sku, R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"}})",
                      admin).status == 201);
    REQUIRE(http_call(node->port(), "POST", "/v1/products/" + sku + "/stock", R"({"delta":1000000,"reason":"delivery"})",
                      admin).status == 200);
  }

  // Killed while publishing, three times, at different moments.
  std::mt19937 random(std::random_device{}());
  for (int round = 0; round < 3; ++round) {
    {
      workload load(node->port(), 4);
      std::this_thread::sleep_for(std::chrono::milliseconds(300 + random() % 700));
      ::kill(node->pid(), SIGKILL);
    }
    node = std::make_unique<node_process>(settings);
  }

  // Redis away under load: writes go on, /readyz says so, publishing catches up after.
  {
    workload load(node->port(), 4);
    std::this_thread::sleep_for(500ms);
    redis.stop();
    auto not_ready = http_call(node->port(), "GET", "/readyz");
    for (int i = 0; i < 50 && not_ready.status != 503; ++i) {
      std::this_thread::sleep_for(100ms);
      not_ready = http_call(node->port(), "GET", "/readyz");
    }
    CHECK(not_ready.status == 503);
    CHECK(not_ready.body.find("Redis") != std::string::npos);
    CHECK(http_call(node->port(), "POST", "/v1/carts", R"({"currency":"EUR"})").status == 201);
    std::this_thread::sleep_for(700ms);
    redis.start();
    std::this_thread::sleep_for(500ms);
  }

  adapters::postgres::connection sql(db.conninfo());
  const std::vector<std::string> types{"product", "cart"};
  auto published_everything = [&] {
    for (const auto& type : types)
      if (redis.positions("commerce." + type).size() != journal_positions(sql, type).size()) return false;
    return true;
  };
  for (int i = 0; i < 300 && !published_everything(); ++i) std::this_thread::sleep_for(100ms);
  for (const auto& type : types) {
    INFO(type);
    const auto journal = journal_positions(sql, type);
    CHECK(journal.size() > 10);
    CHECK(redis.positions("commerce." + type) == journal);
  }
  CHECK(http_call(node->port(), "GET", "/readyz").status == 200);
}
