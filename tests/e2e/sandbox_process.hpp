// The sandbox provider (payments and messages) as a child process, on a port of its own that it keeps across
// restarts (so a node configured with it finds it again), its charges in a scratch file.
#pragma once

#include "support/http_client.hpp"
#include "support/node_process.hpp"
#include "support/test_env.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <cstdio>
#include <optional>
#include <string>
#include <thread>
#include <vector>
#include <unistd.h>

namespace commerce::test {

struct sandbox_process {
  std::string data;
  std::optional<node_process> process;
  std::uint16_t port = 0;
  int slow_ms = 300;
  std::vector<std::string> extra_args;  // e.g. --webhook-url

  explicit sandbox_process(int slow = 300, std::vector<std::string> extra = {}) : slow_ms(slow), extra_args(std::move(extra)) {
    static int instances = 0;
    data = "/tmp/sandbox-test-" + std::to_string(::getpid()) + "-" + std::to_string(++instances) + ".jsonl";
    start();
  }
  ~sandbox_process() {
    process.reset();
    std::remove(data.c_str());
  }

  void start() {
    process.reset();
    std::vector<std::string> args{"--port", std::to_string(port), "--data", data, "--slow-ms", std::to_string(slow_ms)};
    args.insert(args.end(), extra_args.begin(), extra_args.end());
    process.emplace(required_env("COMMERCE_TEST_SANDBOX"), std::move(args), "sandbox listening");
    port = process->port();
  }
  void stop() { process.reset(); }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port); }

  http_reply charge(const std::string& key, const std::string& token, std::int64_t amount = 1999) {
    return http_call(port, "POST", "/v1/charges",
                     R"({"amount":)" + std::to_string(amount) + R"(,"currency":"EUR","source":")" + token + "\"}",
                     {{"Idempotency-Key", key}});
  }
  boost::json::array charges() {
    return boost::json::parse(http_call(port, "GET", "/charges").body).at("data").as_array();
  }
  boost::json::array messages() {
    return boost::json::parse(http_call(port, "GET", "/messages").body).at("data").as_array();
  }
  // The messages once at least `n` have arrived (or after 10 s), with time for any duplicate
  // to show up: they come from the node's outbox relay, behind its answers.
  boost::json::array messages_once(std::size_t n) {
    for (int i = 0; i < 200 && messages().size() < n; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    return messages();
  }
};

}  // namespace commerce::test
