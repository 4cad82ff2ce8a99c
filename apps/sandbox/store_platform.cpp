#include "apps/sandbox/store_platform.hpp"

#include "adapters/http/client.hpp"
#include "common/log.hpp"
#include "common/problem.hpp"
#include "common/secure.hpp"
#include "domain/time.hpp"

#include <boost/json.hpp>

#include <cmath>
#include <condition_variable>
#include <map>
#include <mutex>
#include <queue>
#include <set>
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

// Shopify's leaky bucket: each metered call fills one unit, `leak_per_second` drain away; a call
// that finds it full is answered 429 with the seconds until one unit has drained.
struct leaky_bucket {
  double level = 0;
  std::chrono::steady_clock::time_point last = std::chrono::steady_clock::now();

  // 0 when the call is taken, else the Retry-After in whole seconds (at least 1).
  long take(double size, double leak_per_second) {
    const auto now = std::chrono::steady_clock::now();
    level = std::max(0.0, level - std::chrono::duration<double>(now - last).count() * leak_per_second);
    last = now;
    if (level + 1 <= size) {
      level += 1;
      return 0;
    }
    return std::max(1L, static_cast<long>(std::ceil((level + 1 - size) / leak_per_second)));
  }
};

struct variant {
  json::value price;
  std::string updated_at;
  json::array price_history;  // every price set, oldest first: tests check order and completeness
};

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
  std::map<std::string, variant> variants;
  bucket_options bucket_limits;
  std::map<std::string, leaky_bucket> buckets;  // by access token
  // Faults for tests (POST /admin/api/sandbox/faults): every metered call answers 429 until
  // `throttled_until`; the next `failures` price updates, and every one of a `failing` SKU, answer
  // 503; prices of `refused` SKUs 422.
  std::chrono::steady_clock::time_point throttled_until{};
  std::int64_t failures = 0;
  std::set<std::string> failing, refused;
  std::int64_t throttled_answers = 0;  // 429s answered, by the bucket or the fault
  // A client honours Retry-After when it calls again no sooner: calls that came earlier (by more
  // than 50 ms of slack) are counted, by token.
  std::map<std::string, std::chrono::steady_clock::time_point> not_before;
  std::int64_t early_calls = 0;
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

  http_response route(const http_request& request, const std::string& path);

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

  // A 429 for a metered call (one carrying an access token) the bucket or the fault refuses.
  std::optional<http_response> throttle(const http_request& request) {
    const auto& token = request.header("x-shopify-access-token");
    if (token.empty()) return std::nullopt;
    const auto now = std::chrono::steady_clock::now();
    if (const auto it = not_before.find(token); it != not_before.end() && now + std::chrono::milliseconds(50) < it->second)
      ++early_calls;
    long wait = 0;
    if (now < throttled_until) wait = 1;
    else wait = buckets[token].take(bucket_limits.size, bucket_limits.leak_per_second);
    if (wait == 0) return std::nullopt;
    ++throttled_answers;
    not_before[token] = now + std::chrono::seconds(wait);
    auto answer = platform_error(429, "Exceeded 2 calls per second for api client. Reduce request rates to resume uninterrupted service.");
    answer.headers.emplace_back("retry-after", std::to_string(wait));
    return answer;
  }

  http_response set_price(const std::string& sku, const json::object& body) {
    const auto* price = body.if_contains("price");
    const auto* amount = price && price->is_object() ? price->as_object().if_contains("amount") : nullptr;
    const auto* currency = price && price->is_object() ? price->as_object().if_contains("currency") : nullptr;
    if (!amount || !amount->is_int64() || amount->as_int64() < 1 || !currency || !currency->is_string())
      return platform_error(422, "price ({\"amount\": minor units of at least 1, \"currency\"}) is required");
    if (failures > 0 || failing.count(sku)) {
      if (failures > 0) --failures;
      return platform_error(503, "the platform is unavailable (sandbox fault)");
    }
    if (refused.count(sku)) return platform_error(422, "this variant's price cannot be changed (sandbox fault)");
    auto& v = variants[sku];
    v.price = *price;
    v.updated_at = now_iso();
    v.price_history.push_back(*price);
    return json_response(200, json::object{{"variant", variant_json(sku, v, false)}});
  }

  static json::object variant_json(const std::string& sku, const variant& v, bool with_history) {
    json::object out{{"sku", sku}, {"price", v.price}, {"updated_at", v.updated_at}};
    if (with_history) out["price_history"] = v.price_history;
    return out;
  }

  http_response set_faults(const json::object& body) {
    if (const auto* ms = body.if_contains("throttle_ms"); ms && ms->is_int64())
      throttled_until = std::chrono::steady_clock::now() + std::chrono::milliseconds(ms->as_int64());
    if (const auto* n = body.if_contains("fail_next"); n && n->is_int64()) failures = n->as_int64();
    for (auto [field, skus] : {std::pair{"fail_skus", &failing}, std::pair{"refuse_skus", &refused}}) {
      const auto* list = body.if_contains(field);
      if (!list || !list->is_array()) continue;
      skus->clear();
      for (const auto& sku : list->as_array())
        if (sku.is_string()) skus->insert(std::string(sku.as_string()));
    }
    return faults();
  }

  http_response faults() {
    const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(throttled_until - std::chrono::steady_clock::now());
    auto list = [](const std::set<std::string>& skus) { return json::array(skus.begin(), skus.end()); };
    return json_response(200, json::object{{"throttle_ms", std::max<std::int64_t>(0, left.count())},
                                           {"fail_next", failures},
                                           {"fail_skus", list(failing)},
                                           {"refuse_skus", list(refused)},
                                           {"throttled_answers", throttled_answers},
                                           {"early_calls", early_calls}});
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

store_platform::store_platform(std::string webhook_url, std::string secret, bucket_options bucket)
    : impl_(std::make_unique<impl>()) {
  impl_->bucket_limits = bucket;
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
  respond(i.route(request, path));
  return true;
}

http_response store_platform::impl::route(const http_request& request, const std::string& path) {
  const bool get = request.method == "GET";
  if (get && path == "/admin/api/webhooks") {
    json::array out;
    for (const auto& d : deliveries)
      out.push_back(json::object{{"id", d.id}, {"sku", d.sku}, {"attempts", d.attempts}, {"status", d.status}});
    return json_response(200, json::object{{"webhooks", std::move(out)}});
  }
  if (get && path == "/admin/api/sandbox/faults") return faults();
  if (auto refused_call = throttle(request)) return std::move(*refused_call);
  static const std::string variants_prefix = "/admin/api/variants/";
  const bool is_variant = path.rfind(variants_prefix, 0) == 0 && path.size() > variants_prefix.size();
  if (get && path == "/admin/api/inventory_levels") return list_levels(request.target);
  if (get && is_variant) {
    const auto it = variants.find(path.substr(variants_prefix.size()));
    if (it == variants.end()) return platform_error(404, "Not Found");
    return json_response(200, json::object{{"variant", variant_json(it->first, it->second, true)}});
  }
  const bool known = (request.method == "POST" && (path == "/admin/api/inventory_levels/set" ||
                                                   path == "/admin/api/webhooks/drop" || path == "/admin/api/sandbox/faults")) ||
                     (request.method == "PUT" && is_variant);
  if (!known) return platform_error(404, "no route " + request.method + " " + path);
  json::error_code ec;
  const auto body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return platform_error(400, "a JSON object, please");
  if (is_variant) return set_price(path.substr(variants_prefix.size()), body.as_object());
  if (path == "/admin/api/sandbox/faults") return set_faults(body.as_object());
  if (path == "/admin/api/webhooks/drop") {
    const auto* drop = body.as_object().if_contains("drop");
    if (!drop || !drop->is_bool()) return platform_error(422, "drop (true or false) is required");
    return json_response(200, json::object{{"drop", dropping = drop->as_bool()}});
  }
  return set_level(body.as_object());
}

}  // namespace commerce::adapters::sandbox
