// Signed inventory webhooks over HTTP, as the store platform sends them: `connections` clients,
// each on its own keep-alive connection, for `seconds`, every webhook a new delivery id for a
// random one of `skus` products S1..Sn, signed with `secret`. A webhook counts once answered
// 200 (recorded durably); its time is from the request to that answer.
//
//   webhook_bench PORT SECRET SKUS SECONDS CONNECTIONS
// prints one line: webhooks_per_s=… p50_ms=… p99_ms=… accepted=… failures=…
//
//   webhook_bench latency PORT SECRET ADMIN_TOKEN SAMPLES
// The time from a webhook to the price change it causes: SAMPLES products L1..Ln (10 in stock)
// under one active campaign (+20 % below 5), then one at a time, a webhook counting 2 of it and
// GET /v1/products/Li every 2 ms until its price has moved. Prints
// trigger_p50_ms=… trigger_p99_ms=… samples=…
#include "common/secure.hpp"
#include "domain/time.hpp"
#include "support/http_client.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace commerce;
using namespace commerce::test;
using clock_type = std::chrono::steady_clock;

namespace {

std::map<std::string, std::string> signed_headers(const std::string& secret, const std::string& id, const std::string& body) {
  return {{"X-Shopify-Webhook-Id", id},
          {"X-Shopify-Topic", "inventory_levels/update"},
          {"X-Shopify-Hmac-Sha256", secure::hmac_sha256_base64(secret, body)}};
}

double percentile(std::vector<double>& sorted, double p) {
  return sorted.empty() ? 0.0 : sorted[static_cast<std::size_t>(p * static_cast<double>(sorted.size() - 1))];
}

int trigger_latency(std::uint16_t port, const std::string& secret, const std::string& token, int samples) {
  http_connection c(port);
  const std::map<std::string, std::string> admin{{"Authorization", "Bearer " + token}};
  auto must = [](const http_reply& r, int status, const char* what) {
    if (r.status != status) throw std::runtime_error(std::string(what) + ": " + std::to_string(r.status) + " " + r.body);
    return r;
  };
  for (int i = 1; i <= samples; ++i) {
    const auto sku = "L" + std::to_string(i);
    must(c.request("PUT", "/v1/products/" + sku,
                   R"({"name":"Latency","category":"latency","price":{"amount":1000,"currency":"EUR"}})", admin),
         201, "product");
    must(c.request("POST", "/v1/products/" + sku + "/stock", R"({"delta":10,"reason":"delivery"})", admin), 200, "stock");
  }
  const auto created = must(c.request("POST", "/v1/campaigns",
                                      R"({"name":"Latency","category":"latency","trigger":{"inventory_below":5},)"
                                      R"("rule":{"type":"percent","percent":20}})",
                                      admin),
                            201, "campaign");
  const auto id = std::string(boost::json::parse(created.body).at("id").as_string());
  must(c.request("PATCH", "/v1/campaigns/" + id, R"({"status":"active"})", admin), 200, "activation");
  std::vector<double> took_ms;
  for (int i = 1; i <= samples; ++i) {
    const auto sku = "L" + std::to_string(i);
    const auto body = R"({"sku":")" + sku + R"(","available":2,"updated_at":")" +
                      domain::to_iso8601({std::chrono::duration_cast<std::chrono::milliseconds>(
                                              std::chrono::system_clock::now().time_since_epoch()).count()}) +
                      "\"}";
    const auto begin = clock_type::now();
    must(c.request("POST", "/webhooks/inventory", body, signed_headers(secret, "latency-" + sku, body)), 200, "webhook");
    for (;;) {
      const auto product = boost::json::parse(must(c.request("GET", "/v1/products/" + sku), 200, "read").body);
      if (product.at("price").at("amount").as_int64() != 1000) break;
      if (clock_type::now() - begin > std::chrono::seconds(30)) throw std::runtime_error("no price change for " + sku);
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    took_ms.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - begin).count());
  }
  std::sort(took_ms.begin(), took_ms.end());
  std::printf("trigger_p50_ms=%.1f trigger_p99_ms=%.1f samples=%zu\n", percentile(took_ms, 0.5), percentile(took_ms, 0.99),
              took_ms.size());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc == 6 && std::string(argv[1]) == "latency") {
    try {
      return trigger_latency(static_cast<std::uint16_t>(std::stoi(argv[2])), argv[3], argv[4], std::stoi(argv[5]));
    } catch (const std::exception& e) {
      std::cerr << "latency: " << e.what() << "\n";
      return 1;
    }
  }
  if (argc != 6) {
    std::cerr << "usage: webhook_bench PORT SECRET SKUS SECONDS CONNECTIONS\n";
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  const std::string secret = argv[2];
  const int skus = std::stoi(argv[3]);
  const auto deadline = clock_type::now() + std::chrono::seconds(std::stoi(argv[4]));
  const int connections = std::stoi(argv[5]);
  const auto base_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                           std::chrono::system_clock::now().time_since_epoch()).count();

  std::mutex mutex;
  std::vector<double> took_ms;
  std::atomic<int> failures{0};
  std::string first_failure;
  std::vector<std::thread> clients;
  const auto started = clock_type::now();
  for (int t = 0; t < connections; ++t)
    clients.emplace_back([&, t] {
      std::mt19937 random(t);
      std::vector<double> mine;
      try {
        http_connection c(port);
        for (long n = 0; clock_type::now() < deadline; ++n) {
          const auto body = R"({"sku":"S)" + std::to_string(random() % skus + 1) + R"(","available":)" +
                            std::to_string(random() % 1000 + 100) + R"(,"updated_at":")" +
                            domain::to_iso8601({base_ms + n}) + "\"}";
          const auto begin = clock_type::now();
          const auto r = c.request("POST", "/webhooks/inventory", body,
                                   signed_headers(secret, "bench-" + std::to_string(t) + "-" + std::to_string(n), body));
          if (r.status != 200) {
            if (failures++ == 0) {
              std::lock_guard<std::mutex> lock(mutex);
              first_failure = std::to_string(r.status) + " " + r.body;
            }
            continue;
          }
          mine.push_back(std::chrono::duration<double, std::milli>(clock_type::now() - begin).count());
        }
      } catch (const std::exception& e) {
        ++failures;
        std::lock_guard<std::mutex> lock(mutex);
        first_failure = e.what();
      }
      std::lock_guard<std::mutex> lock(mutex);
      took_ms.insert(took_ms.end(), mine.begin(), mine.end());
    });
  for (auto& c : clients) c.join();
  const double seconds = std::chrono::duration<double>(clock_type::now() - started).count();
  std::sort(took_ms.begin(), took_ms.end());
  if (!first_failure.empty()) std::cerr << "first failure: " << first_failure << "\n";
  std::printf("webhooks_per_s=%.0f p50_ms=%.2f p99_ms=%.2f accepted=%zu failures=%d\n",
              static_cast<double>(took_ms.size()) / seconds, percentile(took_ms, 0.5), percentile(took_ms, 0.99), took_ms.size(),
              failures.load());
}
