// The HTTP server's limits and shutdown, as a client meets them: slow clients cut off while
// others are served, a connection cap answered with 503, many connections at once, and SIGTERM
// letting a request in flight finish while new connections are refused.
#include "e2e/api_fixture.hpp"

#include <catch2/catch.hpp>

#include <chrono>
#include <cstdlib>
#include <future>
#include <memory>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

using clock_type = std::chrono::steady_clock;

// Freezes the test PostgreSQL until destroyed, so that a write stays in flight.
struct frozen_postgres {
  std::string control = required_env("COMMERCE_TEST_PG_CONTROL");
  frozen_postgres() { REQUIRE(std::system((control + " pause").c_str()) == 0); }
  ~frozen_postgres() { resume(); }
  void resume() {
    if (!control.empty()) std::system((control + " resume").c_str());
    control.clear();
  }
};

}  // namespace

TEST_CASE("slow clients are cut off after the read timeout and never block the others", "[e2e][limits]") {
  scratch_database db;
  node_process node(on(db, {{"COMMERCED_HTTP_READ_TIMEOUT", "1s"}}));
  std::vector<std::unique_ptr<http_connection>> slow;
  for (int i = 0; i < 50; ++i) {
    slow.push_back(std::make_unique<http_connection>(node.port()));
    slow.back()->send_raw("GET /healthz HTTP/1.1\r\nHo");
  }
  const auto started = clock_type::now();
  for (int i = 0; i < 20; ++i) CHECK(http_call(node.port(), "GET", "/healthz").status == 200);
  CHECK(clock_type::now() - started < 1s);

  // A byte every 200 ms keeps a connection busy, not open: the whole request has 1 s.
  for (int round = 0; round < 4; ++round) {
    std::this_thread::sleep_for(200ms);
    for (auto& c : slow) c->send_raw("s");
  }
  for (auto& c : slow) CHECK(c->closed_by_peer());
  CHECK(clock_type::now() - started < 4s);
  CHECK(http_call(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("connections over the cap get 503 and are closed, freed slots are reused", "[e2e][limits]") {
  scratch_database db;
  node_process node(on(db, {{"COMMERCED_HTTP_MAX_CONNECTIONS", "20"}}));
  std::vector<std::unique_ptr<http_connection>> open;
  for (int i = 0; i < 20; ++i) open.push_back(std::make_unique<http_connection>(node.port()));
  CHECK(open.front()->request("GET", "/healthz").status == 200);

  http_connection one_more(node.port());
  const auto refused = one_more.read_reply();  // answered at once, before any request
  CHECK(refused.status == 503);
  CHECK(refused.headers.at("retry-after") == "1");
  CHECK(json(refused).at("code") == "too_many_connections");
  CHECK(one_more.closed_by_peer());

  open.resize(10);
  bool served = false;
  for (int i = 0; i < 50 && !served; ++i) {
    http_connection again(node.port());
    served = again.request("GET", "/healthz").status == 200;
    if (!served) std::this_thread::sleep_for(20ms);
  }
  CHECK(served);
}

TEST_CASE("500 connections open at once are all served", "[e2e][limits]") {
  scratch_database db;
  node_process node(on(db));
  std::vector<std::unique_ptr<http_connection>> connections;
  for (int i = 0; i < 500; ++i) connections.push_back(std::make_unique<http_connection>(node.port()));
  for (auto& c : connections) c->send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n");
  int ok = 0;
  for (auto& c : connections) ok += c->read_reply().status == 200;
  CHECK(ok == 500);
}

TEST_CASE("on SIGTERM a request in flight is answered and new connections are refused", "[e2e][limits]") {
  api_node api;
  api.product("LAMP", 3);
  const auto cart = api.cart();
  {
    frozen_postgres frozen;
    auto in_flight = std::async(std::launch::async, [&] {
      http_connection c(api.node.port());
      return c.request("PUT", "/v1/carts/" + cart + "/items/LAMP", R"({"quantity":2})");
    });
    std::this_thread::sleep_for(1s);  // read, and waiting for the journal
    api.node.terminate();
    bool refused = false;  // once the node has taken the signal
    for (int i = 0; i < 50 && !refused; ++i) {
      try {
        http_connection probe(api.node.port());
        std::this_thread::sleep_for(100ms);
      } catch (const std::exception&) {
        refused = true;
      }
    }
    CHECK(refused);
    frozen.resume();
    const auto answer = in_flight.get();
    CHECK(answer.status == 200);
    CHECK(json(answer).at("items").at(0).at("reserved") == true);
  }
  CHECK(api.node.stop() == 0);
  CHECK(api.node.log().find("\"stopping\"") != std::string::npos);
}
