#include "apps/commercectl/api_client.hpp"

#include <random>

namespace commercectl {
namespace {

boost::json::value parse_json_body(const http_answer& answer) {
  if (answer.body.empty()) return nullptr;
  boost::json::error_code ec;
  auto value = boost::json::parse(answer.body, ec);
  if (ec) throw refused(answer.status, "invalid_answer", "the node answered " + std::to_string(answer.status) + " with a body that is not JSON");
  return value;
}

}  // namespace

refused problem_of(const http_answer& answer) {
  boost::json::error_code ec;
  const auto body = boost::json::parse(answer.body, ec);
  std::string code = "http_" + std::to_string(answer.status);
  std::string detail;
  if (!ec && body.is_object()) {
    const auto& o = body.as_object();
    if (const auto* c = o.if_contains("code"); c && c->is_string()) code = std::string(c->as_string());
    if (const auto* d = o.if_contains("detail"); d && d->is_string()) detail = std::string(d->as_string());
    else if (const auto* t = o.if_contains("title"); t && t->is_string()) detail = std::string(t->as_string());
  } else {
    detail = answer.body.substr(0, 200);
  }
  if (detail.empty()) detail = "HTTP " + std::to_string(answer.status);
  return refused(answer.status, std::move(code), std::move(detail));
}

std::string fresh_idempotency_key() {
  std::random_device random;  // the kernel's CSPRNG on Linux
  static const char* hex = "0123456789abcdef";
  std::string key = "ctl-";
  for (int word = 0; word < 4; ++word) {
    auto bits = random();
    for (int i = 0; i < 8; ++i, bits >>= 4) key += hex[bits & 15];
  }
  return key;
}

std::string query(const std::vector<std::pair<std::string, std::string>>& params) {
  std::string out;
  for (const auto& [name, value] : params) {
    if (value.empty()) continue;
    out += out.empty() ? '?' : '&';
    out += name + "=" + url_encode(value);
  }
  return out;
}

api_client::api_client(base_url url, std::string token) : url_(std::move(url)), token_(std::move(token)) {}

http_request api_client::request(const std::string& method, const std::string& target) const {
  http_request r;
  r.method = method;
  r.target = target;
  if (!token_.empty()) r.headers.emplace_back("Authorization", "Bearer " + token_);
  return r;
}

http_answer api_client::get_answer(const std::string& target) const {
  auto r = request("GET", target);
  r.headers.emplace_back("Accept", "application/json");
  return send_request(url_, r, default_call_timeout);
}

boost::json::value api_client::get(const std::string& target) const {
  const auto answer = get_answer(target);
  if (answer.status >= 400) throw problem_of(answer);
  return parse_json_body(answer);
}

boost::json::value api_client::change(const std::string& method, const std::string& target,
                                      const boost::json::value& body, const mutation& why,
                                      std::chrono::milliseconds timeout, const std::string& if_lost) const {
  auto r = request(method, target);
  r.headers.emplace_back("Accept", "application/json");
  // Percent-encoded, as the node reads it: any UTF-8 text fits in a header that way.
  if (!why.reason.empty()) r.headers.emplace_back("X-Audit-Reason", url_encode(why.reason));
  r.headers.emplace_back("Idempotency-Key", why.idempotency_key);
  if (!body.is_null()) r.body = boost::json::serialize(body);
  http_answer answer;
  try {
    answer = send_request(url_, r, timeout);
  } catch (const unreachable& e) {
    if (!e.maybe_delivered) throw;
    if (!if_lost.empty()) throw unreachable(std::string(e.what()) + "; " + if_lost, true);
    // The node may have acted: the same key makes a second try safe (it replays the answer).
    throw unreachable(std::string(e.what()) + "; the node may have acted on it: to try again safely, repeat the command with --idempotency-key " +
                          why.idempotency_key,
                      true);
  }
  if (answer.status >= 400) throw problem_of(answer);
  return parse_json_body(answer);
}

}  // namespace commercectl
