// sandbox: the sandbox of the node's outside providers as a program of its own, so the
// node reaches them over HTTP exactly as it would real ones: payments and messages
// (sandbox_server.cpp) and the store platform (store_platform.cpp).
//
//   sandbox [--port N] [--data FILE] [--slow-ms N] [--webhook-url URL] [--webhook-secret S]
//         [--bucket-size N] [--bucket-leak PER_SECOND]
//
// Defaults: port 8099 on 127.0.0.1, data in ./sandbox.jsonl, tok_slow 3000 ms, no
// webhook target, the secret of config/commerced.conf's [webhooks], Shopify's bucket (40, 2/s). Logs one
// JSON line "sandbox listening" with the port (0 picks a free one); stops on SIGINT/SIGTERM.
#include "adapters/http/server.hpp"
#include "apps/sandbox/sandbox_server.hpp"
#include "apps/sandbox/store_platform.hpp"
#include "common/log.hpp"
#include "common/stop_signals.hpp"

#include <cstdio>
#include <string>

int main(int argc, char** argv) {
  using namespace commerce;
  adapters::http::server_options options;
  options.port = 8099;
  std::string data = "sandbox.jsonl";
  long slow_ms = 3000;
  std::string webhook_url, webhook_secret = "sandbox-webhook-secret";
  adapters::sandbox::bucket_options bucket;
  for (int i = 1; i + 1 < argc; i += 2) {
    const std::string flag = argv[i], value = argv[i + 1];
    if (flag == "--port") options.port = static_cast<std::uint16_t>(std::stoi(value));
    else if (flag == "--data") data = value;
    else if (flag == "--slow-ms") slow_ms = std::stol(value);
    else if (flag == "--webhook-url") webhook_url = value;
    else if (flag == "--webhook-secret") webhook_secret = value;
    else if (flag == "--bucket-size") bucket.size = std::stod(value);
    else if (flag == "--bucket-leak") bucket.leak_per_second = std::stod(value);
    else
      return std::fprintf(stderr, "usage: sandbox [--port N] [--data FILE] [--slow-ms N] [--webhook-url URL] "
                                  "[--webhook-secret S]\n"
                                  "               [--bucket-size N] [--bucket-leak PER_SECOND]\n"),
             2;
  }
  const stop_signals stop;  // before any thread starts
  try {
    adapters::sandbox::payment_sandbox sandbox(data, std::chrono::milliseconds(slow_ms));
    adapters::sandbox::store_platform platform(webhook_url, webhook_secret, bucket);
    options.shutdown_grace = std::chrono::milliseconds(slow_ms + 1000);
    adapters::http::server http(options, [&sandbox, &platform](http_request request, http_responder respond) {
      if (!platform.handle(request, respond)) sandbox.handle(std::move(request), std::move(respond));
    });
    http.start();
    log::info("sandbox listening", {{"port", http.port()}, {"data", data}});
    stop.wait();
    http.stop();
  } catch (const std::exception& e) {
    log::error("sandbox failed", {{"error", e.what()}});
    return 1;
  }
  return 0;
}
