// A node whose price sync talks to the sandbox's store platform, which refuses some SKUs for
// good: each price set on one of them lands in the dead-letter office (target
// subscription/price_sync), with an alert. How the operator suites get dead letters to act on.
#pragma once

#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

#include <string>
#include <vector>

namespace commerce::test {

struct parked_letters {
  sandbox_process platform;
  api_node n;

  explicit parked_letters(std::uint16_t node_port = free_port(), std::map<std::string, std::string> env = {})
      : platform(300, {"--webhook-url", "http://127.0.0.1:" + std::to_string(node_port)}),
        n(with_platform(platform, node_port, std::move(env))) {}

  // Parks one letter per SKU and waits until the office holds `total` letters.
  void park(const std::vector<std::string>& skus, std::size_t total) {
    std::string list;
    for (const auto& s : skus) list += (list.empty() ? "\"" : ",\"") + s + "\"";
    REQUIRE(http_call(platform.port, "POST", "/admin/api/sandbox/faults", R"({"refuse_skus":[)" + list + "]}").status == 200);
    for (const auto& s : skus)
      REQUIRE(n.as_admin("PUT", "/v1/products/" + s, R"({"name":"Lamp","price":{"amount":700,"currency":"EUR"}})").status / 100 == 2);
    REQUIRE(eventually([&] {
      return boost::json::parse(n.as_admin("GET", "/admin/dead-letters?limit=200").body).at("items").as_array().size() == total;
    }));
  }
  // The platform takes every SKU again: a retried letter is delivered.
  void heal() {
    REQUIRE(http_call(platform.port, "POST", "/admin/api/sandbox/faults", R"({"refuse_skus":[]})").status == 200);
  }
  std::uint16_t port() const { return n.node.port(); }

 private:
  static std::map<std::string, std::string> with_platform(const sandbox_process& platform, std::uint16_t node_port,
                                                          std::map<std::string, std::string> env) {
    env.insert({{"COMMERCED_STORE_URL", platform.url()},
                {"COMMERCED_HTTP_PORT", std::to_string(node_port)},
                {"COMMERCED_WEBHOOKS_SECRET", "sandbox-webhook-secret"},
                {"COMMERCED_MESSAGING_URL", platform.url()},
                {"COMMERCED_PRICING_SYNC_GIVE_UP_AFTER", "2s"}});
    return env;
  }
};

}  // namespace commerce::test
