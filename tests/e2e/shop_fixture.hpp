// A shop for the checkout suites: a node with its PostgreSQL and the sandbox provider (payments
// and messages), and the calls they repeat.
#pragma once

#include "e2e/api_fixture.hpp"
#include "e2e/sandbox_process.hpp"

namespace commerce::test {

struct shop {
  sandbox_process sandbox{400};
  api_node n;

  explicit shop(std::map<std::string, std::string> env = {}) : n(with_providers(sandbox, std::move(env))) {}

  static std::map<std::string, std::string> with_providers(const sandbox_process& sandbox,
                                                         std::map<std::string, std::string> env) {
    env.emplace("COMMERCED_PAYMENT_URL", sandbox.url());
    env.emplace("COMMERCED_MESSAGING_URL", sandbox.url());
    env.emplace("COMMERCED_MESSAGING_POLL_INTERVAL", "50ms");
    env.emplace("COMMERCED_PAYMENT_ATTEMPT_TIMEOUT", "200ms");
    env.emplace("COMMERCED_PAYMENT_RETRY_BACKOFF", "50ms");
    env.emplace("COMMERCED_CART_RESERVATION_TTL", "10m");
    return env;
  }

  std::string cart_with(const std::string& sku, std::int64_t quantity) {
    const auto cart = n.cart();
    REQUIRE(n.call("PUT", "/v1/carts/" + cart + "/items/" + sku, R"({"quantity":)" + std::to_string(quantity) + "}").status ==
            200);
    return cart;
  }
  http_reply checkout(const std::string& cart, const std::string& token, const std::map<std::string, std::string>& headers = {}) {
    return n.call("POST", "/v1/carts/" + cart + "/checkout",
                  R"({"email":"ann@example.com","shipping_address":{"line1":"1 Main St","city":"Berlin","country":"DE"},)"
                  R"("payment":{"token":")" + token + R"("}})",
                  headers);
  }
  std::string cart_status(const std::string& cart) {
    return std::string(json(n.call("GET", "/v1/carts/" + cart)).at("status").as_string());
  }
  // The provider's charges for this checkout's key.
  std::size_t charges_for(const std::string& order_id) {
    const auto checkout = "chk_" + order_id.substr(4) + "/charge";
    std::size_t n = 0;
    for (const auto& c : sandbox.charges()) n += c.at("idempotency_key") == checkout.c_str();
    return n;
  }
  std::int64_t stock(const std::string& sku, const char* field) { return n.inventory(sku).at(field).as_int64(); }
};

inline std::string id_of(const http_reply& r) { return std::string(json(r).at("id").as_string()); }


}  // namespace commerce::test
