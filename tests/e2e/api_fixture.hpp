// A running node on a scratch database and a keep-alive connection to it, with the calls the
// end-to-end suites repeat: admin calls, a stocked product, a cart, a SKU's inventory.
#pragma once

#include "support/http_client.hpp"
#include "support/node_process.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <map>
#include <string>
#include <thread>

namespace commerce::test {

inline const std::map<std::string, std::string> admin{{"Authorization", "Bearer test-admin-token"}};

struct api_node {
  scratch_database db;
  node_process node;
  http_connection c{node.port()};

  // `env`: COMMERCED_* settings added to the suite's defaults (1 s reservations, fast timers).
  explicit api_node(std::map<std::string, std::string> env = {})
      : node(with_defaults(db, std::move(env))) {}

  // The client sends Content-Type: application/json with every body.
  http_reply call(const std::string& method, const std::string& target, const std::string& body = "",
                  const std::map<std::string, std::string>& headers = {}) {
    return c.request(method, target, body, headers);
  }
  http_reply as_admin(const std::string& method, const std::string& target, const std::string& body = "") {
    return call(method, target, body, admin);
  }
  void product(const std::string& sku, std::int64_t stock, const std::string& category = "") {
    const auto with_category = category.empty() ? "" : R"(,"category":")" + category + "\"";
    REQUIRE(as_admin("PUT", "/v1/products/" + sku,
                     R"({"name":"Mug","price":{"amount":1200,"currency":"EUR"})" + with_category + "}")
                .status == 201);
    if (stock > 0)
      REQUIRE(as_admin("POST", "/v1/products/" + sku + "/stock",
                       R"({"delta":)" + std::to_string(stock) + R"(,"reason":"delivery"})")
                  .status == 200);
  }
  std::string cart() {
    const auto r = call("POST", "/v1/carts", R"({"currency":"EUR"})");
    REQUIRE(r.status == 201);
    return std::string(boost::json::parse(r.body).at("id").as_string());
  }
  boost::json::value inventory(const std::string& sku) {
    const auto r = call("GET", "/v1/products/" + sku);
    REQUIRE(r.status == 200);
    return boost::json::parse(r.body).at("inventory");
  }

 private:
  static std::map<std::string, std::string> with_defaults(const scratch_database& db,
                                                          std::map<std::string, std::string> env) {
    env.emplace("COMMERCED_POSTGRES_DATABASE", db.name());
    env.emplace("COMMERCED_CART_RESERVATION_TTL", "1s");
    env.emplace("COMMERCED_TIMERS_POLL_INTERVAL", "50ms");
    // Never a provider a developer may be running on the default port: the discard port.
    env.emplace("COMMERCED_PAYMENT_URL", "http://127.0.0.1:9");
    env.emplace("COMMERCED_MESSAGING_URL", "http://127.0.0.1:9");
    return env;
  }
};

struct api : api_node {};

// A node's settings on a scratch database: `env` plus the database's name.
inline std::map<std::string, std::string> on(const scratch_database& db, std::map<std::string, std::string> env = {}) {
  env.emplace("COMMERCED_POSTGRES_DATABASE", db.name());
  return env;
}

inline boost::json::value json(const http_reply& r) { return boost::json::parse(r.body); }

// Polls `done` every 100 ms for up to `seconds`.
template <class Done>
bool eventually(Done done, int seconds = 20) {
  for (int i = 0; i < seconds * 10; ++i) {
    if (done()) return true;
    std::this_thread::sleep_for(std::chrono::milliseconds(100));
  }
  return done();
}

// The value of `series` (`name{labels}`) in a /metrics text; -1 when absent.
inline long long metric(const std::string& text, const std::string& series) {
  const auto at = text.find("\n" + series + " ");
  return at == std::string::npos ? -1 : std::stoll(text.substr(at + series.size() + 2));
}

inline void check_problem(const http_reply& r, int status, const std::string& code) {
  INFO(r.body);
  CHECK(r.status == status);
  CHECK(r.headers.count("content-type") == 1);
  if (r.headers.count("content-type")) CHECK(r.headers.at("content-type") == "application/problem+json");
  CHECK(json(r).at("code") == code.c_str());
  CHECK(json(r).at("status") == status);
}

}  // namespace commerce::test
