// commerced as a client and an operator meet it: a real process, real sockets, real PostgreSQL.
#include "support/http_client.hpp"
#include "support/node_process.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace commerce::test;

namespace {
std::map<std::string, std::string> on(const scratch_database& db) {
  return {{"COMMERCED_POSTGRES_DATABASE", db.name()}};
}
}  // namespace

TEST_CASE("commerced serves /healthz over HTTP with keep-alive and stops cleanly on SIGTERM", "[e2e]") {
  scratch_database db;
  node_process node(on(db));

  http_connection c(node.port());
  for (int i = 0; i < 3; ++i) {  // one connection, several requests
    const auto reply = c.request("GET", "/healthz");
    REQUIRE(reply.status == 200);
    CHECK(reply.headers.at("content-type") == "application/json");
    const auto body = boost::json::parse(reply.body);
    CHECK(body.at("status") == "ok");
    CHECK(body.at("version").as_string().size() > 0);
  }
  CHECK(node.stop() == 0);
  CHECK(node.log().find("\"stopping\"") != std::string::npos);
}

TEST_CASE("start-up applies the schema and a restart reuses it", "[e2e]") {
  scratch_database db;
  {
    node_process node(on(db));
    CHECK(node.log().find("\"schema up to date\",\"applied\":[1") != std::string::npos);
    CHECK(node.stop() == 0);
  }
  node_process again(on(db));
  CHECK(again.log().find("\"applied\":[]") != std::string::npos);
}

TEST_CASE("unknown routes and wrong methods are problem+json, never a hang", "[e2e]") {
  scratch_database db;
  node_process node(on(db));

  const auto missing = http_call(node.port(), "GET", "/no/such/thing");
  CHECK(missing.status == 404);
  CHECK(missing.headers.at("content-type") == "application/problem+json");
  const auto problem = boost::json::parse(missing.body);
  CHECK(problem.at("code") == "not_found");
  CHECK(problem.at("status") == 404);

  const auto wrong_method = http_call(node.port(), "POST", "/healthz", "{}");
  CHECK(wrong_method.status == 405);
  CHECK(wrong_method.headers.at("allow") == "GET");
  CHECK(boost::json::parse(wrong_method.body).at("code") == "method_not_allowed");
}

TEST_CASE("oversized and malformed requests get a 4xx and the node keeps serving", "[e2e]") {
  scratch_database db;
  node_process node({{"COMMERCED_POSTGRES_DATABASE", db.name()}, {"COMMERCED_HTTP_BODY_LIMIT", "1024"}});

  const auto big = http_call(node.port(), "POST", "/healthz", std::string(4096, 'x'));
  CHECK(big.status == 413);
  CHECK(boost::json::parse(big.body).at("code") == "payload_too_large");

  http_connection huge_headers(node.port());
  huge_headers.send_raw("GET /healthz HTTP/1.1\r\nHost: x\r\nX-Big: " + std::string(64 * 1024, 'a') + "\r\n\r\n");
  CHECK(huge_headers.read_reply().status == 431);

  http_connection garbage(node.port());
  garbage.send_raw("THIS IS NOT HTTP\r\n\r\n");
  CHECK(garbage.read_reply().status == 400);

  CHECK(http_call(node.port(), "GET", "/healthz").status == 200);
}

TEST_CASE("a bad configuration value stops the node with a message naming the key", "[e2e]") {
  scratch_database db;
  CHECK_THROWS_WITH(node_process({{"COMMERCED_POSTGRES_DATABASE", db.name()}, {"COMMERCED_CART_RESERVATION_TTL", "soon"}}),
                    Catch::Contains("COMMERCED_CART_RESERVATION_TTL") && Catch::Contains("reservation_ttl"));
}
