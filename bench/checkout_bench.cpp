// Full checkouts over HTTP, as a shopper makes them: create a cart, add a line, check out with
// tok_ok. `connections` clients run at once, each on its own keep-alive connection, for
// `seconds`; every checkout's time is taken from the first request to the 201.
//
//   checkout_bench PORT SKUS SECONDS CONNECTIONS
// prints one line: checkouts_per_s=… p50_ms=… p99_ms=… failures=…
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

using namespace commerce::test;
using clock_type = std::chrono::steady_clock;

int main(int argc, char** argv) {
  if (argc != 5) {
    std::cerr << "usage: checkout_bench PORT SKUS SECONDS CONNECTIONS\n";
    return 2;
  }
  const auto port = static_cast<std::uint16_t>(std::stoi(argv[1]));
  const int skus = std::stoi(argv[2]);
  const auto deadline = clock_type::now() + std::chrono::seconds(std::stoi(argv[3]));
  const int connections = std::stoi(argv[4]);

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
        while (clock_type::now() < deadline) {
          const auto begin = clock_type::now();
          const auto cart = c.request("POST", "/v1/carts", R"({"currency":"EUR"})");
          const auto id_at = cart.body.find("\"id\":\"") + 6;
          const auto id = cart.body.substr(id_at, cart.body.find('"', id_at) - id_at);
          const auto sku = "S" + std::to_string(random() % skus + 1);
          const auto line = c.request("PUT", "/v1/carts/" + id + "/items/" + sku, R"({"quantity":1})");
          const auto order = c.request("POST", "/v1/carts/" + id + "/checkout",
                                       R"({"email":"bench@example.com","shipping_address":{"city":"Berlin"},)"
                                       R"("payment":{"token":"tok_ok"}})");
          if (cart.status != 201 || line.status != 200 || order.status != 201) {
            if (failures++ == 0) {
              std::lock_guard<std::mutex> lock(mutex);
              first_failure = std::to_string(order.status) + " " + order.body;
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
  auto percentile = [&](double p) { return took_ms.empty() ? 0.0 : took_ms[static_cast<std::size_t>(p * (took_ms.size() - 1))]; };
  if (!first_failure.empty()) std::cerr << "first failure: " << first_failure << "\n";
  std::printf("checkouts_per_s=%.0f p50_ms=%.1f p99_ms=%.1f failures=%d\n", took_ms.size() / seconds, percentile(0.5),
              percentile(0.99), failures.load());
}
