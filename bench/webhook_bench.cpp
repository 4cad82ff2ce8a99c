// Signed inventory webhooks over HTTP, as the store platform sends them: `connections` clients,
// each on its own keep-alive connection, for `seconds`, every webhook a new delivery id for a
// random one of `skus` products S1..Sn, signed with `secret`. A webhook counts once answered
// 200 (recorded durably); its time is from the request to that answer.
//
//   webhook_bench PORT SECRET SKUS SECONDS CONNECTIONS
// prints one line: webhooks_per_s=… p50_ms=… p99_ms=… accepted=… failures=…
#include "common/secure.hpp"
#include "domain/time.hpp"
#include "support/http_client.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

using namespace commerce;
using namespace commerce::test;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
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
                                   {{"X-Shopify-Webhook-Id", "bench-" + std::to_string(t) + "-" + std::to_string(n)},
                                    {"X-Shopify-Topic", "inventory_levels/update"},
                                    {"X-Shopify-Hmac-Sha256", secure::hmac_sha256_base64(secret, body)}});
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
  auto percentile = [&](double p) {
    return took_ms.empty() ? 0.0 : took_ms[static_cast<std::size_t>(p * static_cast<double>(took_ms.size() - 1))];
  };
  if (!first_failure.empty()) std::cerr << "first failure: " << first_failure << "\n";
  std::printf("webhooks_per_s=%.0f p50_ms=%.2f p99_ms=%.2f accepted=%zu failures=%d\n",
              static_cast<double>(took_ms.size()) / seconds, percentile(0.5), percentile(0.99), took_ms.size(),
              failures.load());
}
