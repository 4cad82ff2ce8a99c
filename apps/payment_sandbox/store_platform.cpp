#include "apps/payment_sandbox/store_platform.hpp"

#include "adapters/http/client.hpp"
#include "common/log.hpp"
#include "common/problem.hpp"
#include "common/secure.hpp"
#include "domain/time.hpp"

#include <boost/json.hpp>

#include <condition_variable>
#include <map>
#include <mutex>
#include <queue>
#include <sstream>
#include <thread>

namespace commerce::adapters::sandbox {
namespace {

namespace json = boost::json;
constexpr int max_retries = 8;

http_response platform_error(int status, std::string_view message) {
  return json_response(status, json::object{{"errors", message}});
}

std::string now_iso() {
  using namespace std::chrono;
  return domain::to_iso8601({duration_cast<milliseconds>(system_clock::now().time_since_epoch()).count()});
}

struct delivery {
  std::string id, sku, body;
  int attempts = 0;
  std::string status = "pending";  // pending | delivered | failed | dropped | no_target
};

}  // namespace

struct store_platform::impl {
  std::optional<http::endpoint> target;
  std::string secret;
  std::mutex mutex;
  std::map<std::string, std::pair<std::int64_t, std::string>> levels;  // sku → count, updated_at
  std::vector<delivery> deliveries;
  bool dropping = false;
  // Retries: (when, delivery index).
  using retry = std::pair<std::chrono::steady_clock::time_point, std::size_t>;
  std::priority_queue<retry, std::vector<retry>, std::greater<>> retries;
  std::condition_variable wake;
  bool stopping = false;
  std::thread retrier;
  http::client client;  // last: destroyed first, so no callback of it outlives what it touches

  // Called with the mutex held.
  void send(std::size_t index) {
    auto& d = deliveries[index];
    ++d.attempts;
    http_request request;
    request.method = "POST";
    request.target = "/webhooks/inventory";
    request.headers = {{"content-type", "application/json"},
                       {"x-shopify-topic", "inventory_levels/update"},
                       {"x-shopify-webhook-id", d.id},
                       {"x-shopify-hmac-sha256", secure::hmac_sha256_base64(secret, d.body)}};
    request.body = d.body;
    client.send(*target, std::move(request), std::chrono::seconds(5), [this, index](http::client_result r) {
      std::lock_guard<std::mutex> lock(mutex);
      auto& d = deliveries[index];
      if (r.error == http::client_result::failure::none && r.response.status == 200) {
        d.status = "delivered";
        return;
      }
      if (d.attempts > max_retries) {
        d.status = "failed";
        log::warn("webhook given up", {{"webhook", d.id}, {"attempts", d.attempts}});
        return;
      }
      retries.emplace(std::chrono::steady_clock::now() + std::chrono::milliseconds(500 << (d.attempts - 1)), index);
      wake.notify_all();
    });
  }

  void run_retries() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      if (retries.empty()) {
        wake.wait(lock);
        continue;
      }
      const auto [when, index] = retries.top();
      if (wake.wait_until(lock, when) == std::cv_status::no_timeout && !stopping) continue;
      if (stopping || retries.empty() || retries.top().first > std::chrono::steady_clock::now()) continue;
      retries.pop();
      send(index);
    }
  }

  http_response set_level(const json::object& body) {
    const auto* sku = body.if_contains("sku");
    const auto* available = body.if_contains("available");
    const auto* silent = body.if_contains("silent");
    if (!sku || !sku->is_string() || !available || !available->is_int64() || available->as_int64() < 0)
      return platform_error(422, "sku (a string) and available (a count of at least 0) are required");
    const std::string id_sku(sku->as_string());
    const auto updated_at = now_iso();
    levels[id_sku] = {available->as_int64(), updated_at};
    json::object out{{"sku", id_sku}, {"available", available->as_int64()}, {"updated_at", updated_at}};
    if (silent && silent->is_bool() && silent->as_bool()) return json_response(200, out);
    delivery d;
    d.id = "wh_" + secure::random_hex(12);
    d.sku = id_sku;
    d.body = json::serialize(json::object{{"sku", id_sku}, {"available", available->as_int64()}, {"updated_at", updated_at}});
    out["webhook_id"] = d.id;
    deliveries.push_back(std::move(d));
    auto& added = deliveries.back();
    if (dropping) added.status = "dropped";
    else if (!target) added.status = "no_target";
    else send(deliveries.size() - 1);
    return json_response(200, out);
  }

  http_response list_levels(const std::string& target_path) {
    const auto query = target_path.find("skus=");
    json::array out;
    auto add = [&](const std::string& sku) {
      if (auto it = levels.find(sku); it != levels.end())
        out.push_back(json::object{{"sku", sku}, {"available", it->second.first}, {"updated_at", it->second.second}});
    };
    if (query == std::string::npos) {
      for (const auto& [sku, level] : levels) add(sku);
    } else {
      std::stringstream list(target_path.substr(query + 5, target_path.find('&', query) - query - 5));
      for (std::string sku; std::getline(list, sku, ',');) add(sku);
    }
    return json_response(200, json::object{{"inventory_levels", std::move(out)}});
  }
};

store_platform::store_platform(std::string webhook_url, std::string secret) : impl_(std::make_unique<impl>()) {
  if (!webhook_url.empty()) {
    impl_->target = http::parse_http_url(webhook_url);
    if (!impl_->target) throw std::invalid_argument("--webhook-url is not an http://host:port URL: " + webhook_url);
  }
  impl_->secret = std::move(secret);
  impl_->retrier = std::thread([this] { impl_->run_retries(); });
}

store_platform::~store_platform() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->retrier.join();
}

bool store_platform::handle(const http_request& request, http_responder& respond) {
  auto& i = *impl_;
  const auto path = request.target.substr(0, request.target.find('?'));
  if (path.rfind("/admin/api/", 0) != 0) return false;
  std::lock_guard<std::mutex> lock(i.mutex);
  if (request.method == "GET" && path == "/admin/api/inventory_levels") {
    respond(i.list_levels(request.target));
    return true;
  }
  if (request.method == "GET" && path == "/admin/api/webhooks") {
    json::array out;
    for (const auto& d : i.deliveries)
      out.push_back(json::object{{"id", d.id}, {"sku", d.sku}, {"attempts", d.attempts}, {"status", d.status}});
    respond(json_response(200, json::object{{"webhooks", std::move(out)}}));
    return true;
  }
  json::error_code ec;
  const auto body = json::parse(request.body, ec);
  if (request.method != "POST" || (path != "/admin/api/inventory_levels/set" && path != "/admin/api/webhooks/drop")) {
    respond(platform_error(404, "no route " + request.method + " " + path));
  } else if (ec || !body.is_object()) {
    respond(platform_error(400, "a JSON object, please"));
  } else if (path == "/admin/api/webhooks/drop") {
    const auto* drop = body.as_object().if_contains("drop");
    if (!drop || !drop->is_bool()) respond(platform_error(422, "drop (true or false) is required"));
    else respond(json_response(200, json::object{{"drop", i.dropping = drop->as_bool()}}));
  } else {
    respond(i.set_level(body.as_object()));
  }
  return true;
}

}  // namespace commerce::adapters::sandbox
