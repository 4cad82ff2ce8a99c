#include "apps/sandbox/sandbox_server.hpp"

#include "common/problem.hpp"

#include <boost/json.hpp>

#include <condition_variable>
#include <cstdlib>
#include <fstream>
#include <map>
#include <mutex>
#include <stdexcept>
#include <thread>
#include <vector>

namespace commerce::adapters::sandbox {
namespace {

namespace json = boost::json;

http_response stripe_error(int status, std::string_view type, std::string_view code, std::string_view message) {
  return json_response(status, json::object{{"error", {{"type", type}, {"code", code}, {"message", message}}}});
}

}  // namespace

struct payment_sandbox::impl {
  std::mutex mutex;
  std::string data_file;
  std::ofstream journal;
  std::chrono::milliseconds slow_delay;
  json::array charges;                      // in order made
  json::array messages;                     // in order taken
  std::map<std::string, std::size_t> by_id;  // charge id → index in `charges`
  std::map<std::string, http_response> answered;  // by "<path> <idempotency key>"
  std::map<std::string, int> flaky_attempts;

  // tok_slow answers wait here instead of on the server's I/O thread; meanwhile the same key
  // is answered 409, as Stripe answers a request whose key is still being processed.
  struct delayed_answer {
    std::string key;
    http_response response;
    http_responder respond;
  };
  std::multimap<std::chrono::steady_clock::time_point, delayed_answer> delayed;
  std::map<std::string, int> in_flight;  // by "<path> <idempotency key>"
  std::vector<http_responder> never_answered;  // tok_hang: held until the sandbox stops
  std::condition_variable wake;
  bool stopping = false;
  std::thread timer;

  void record(const json::object& entry) {
    journal << json::serialize(entry) << '\n';
    journal.flush();
  }

  // Replays the data file: charges, refunds and answered keys, in the order they happened.
  void load() {
    std::ifstream in(data_file);
    for (std::string line; std::getline(in, line);) {
      if (line.empty()) continue;
      const auto entry = json::parse(line).as_object();
      const auto kind = entry.at("kind").as_string();
      if (kind == "charge") add_charge(entry.at("charge").as_object());
      else if (kind == "refund") apply_refund(json::value_to<std::string>(entry.at("charge")), entry.at("amount").as_int64());
      else if (kind == "message") messages.push_back(entry.at("message"));
      else if (kind == "answer")
        answered[json::value_to<std::string>(entry.at("key"))] =
            json_response(static_cast<int>(entry.at("status").as_int64()), entry.at("body"));
    }
  }

  void add_charge(json::object charge) {
    by_id[json::value_to<std::string>(charge.at("id"))] = charges.size();
    charges.push_back(std::move(charge));
  }

  void apply_refund(const std::string& id, std::int64_t amount) {
    auto& charge = charges[by_id.at(id)].as_object();
    charge["amount_refunded"] = charge.at("amount_refunded").as_int64() + amount;
  }

  http_response remember(const std::string& key, http_response r) {
    answered[key] = r;
    record({{"kind", "answer"}, {"key", key}, {"status", r.status}, {"body", json::parse(r.body)}});
    return r;
  }

  http_response charge(const std::string& key, const json::object& body) {
    const auto* amount = body.if_contains("amount");
    const auto* currency = body.if_contains("currency");
    const auto* source = body.if_contains("source");
    if (!amount || !amount->is_int64() || amount->as_int64() <= 0 || !currency || !currency->is_string() || !source ||
        !source->is_string())
      return stripe_error(400, "invalid_request_error", "parameter_missing", "amount, currency and source are required");
    const std::string token(source->as_string());
    if (token == "tok_declined")
      return remember(key, stripe_error(402, "card_error", "card_declined", "Your card was declined."));
    if (token == "tok_flaky" && ++flaky_attempts[key] <= 2)
      return stripe_error(503, "api_error", "temporarily_unavailable", "try again");  // not remembered
    if (token != "tok_ok" && token != "tok_flaky" && token != "tok_slow" && token != "tok_hang" && token != "tok_crash")
      return stripe_error(400, "invalid_request_error", "invalid_source", "unknown token " + token);
    json::object charge{{"id", "ch_" + std::to_string(charges.size() + 1)},
                        {"amount", amount->as_int64()},
                        {"currency", currency->as_string()},
                        {"source", token},
                        {"status", "succeeded"},
                        {"amount_refunded", 0},
                        {"idempotency_key", key.substr(key.find(' ') + 1)}};
    if (const auto* description = body.if_contains("description")) charge["description"] = *description;
    add_charge(charge);
    record({{"kind", "charge"}, {"charge", charge}});
    return remember(key, json_response(200, charge));
  }

  http_response refund(const std::string& key, const json::object& body) {
    const auto* id = body.if_contains("charge");
    if (!id || !id->is_string() || !by_id.count(std::string(id->as_string())))
      return stripe_error(404, "invalid_request_error", "resource_missing", "no such charge");
    const std::string charge_id(id->as_string());
    const auto& charge = charges[by_id.at(charge_id)].as_object();
    const auto left = charge.at("amount").as_int64() - charge.at("amount_refunded").as_int64();
    const auto* amount = body.if_contains("amount");
    const std::int64_t wanted = amount && amount->is_int64() ? amount->as_int64() : left;
    if (wanted <= 0 || wanted > left)
      return remember(key, stripe_error(400, "invalid_request_error", "amount_too_large",
                                        "at most " + std::to_string(left) + " can be refunded"));
    apply_refund(charge_id, wanted);
    record({{"kind", "refund"}, {"charge", charge_id}, {"amount", wanted}});
    return remember(key, json_response(200, json::object{{"id", "re_" + charge_id + "_" + std::to_string(left)},
                                                          {"charge", charge_id},
                                                          {"amount", wanted},
                                                          {"status", "succeeded"}}));
  }

  http_response message(const std::string& key, const json::object& body) {
    const auto* to = body.if_contains("to");
    const auto* template_name = body.if_contains("template");
    if (!to || !to->is_string() || !template_name || !template_name->is_string())
      return stripe_error(400, "invalid_request_error", "parameter_missing", "to and template are required");
    // A mailbox that is never reachable: 503 every time (not remembered), so that tests can
    // show one failing notification does not hold up the others.
    const std::string_view recipient(to->as_string());
    constexpr std::string_view unreachable = "@unreachable.example";
    if (recipient.size() >= unreachable.size() && recipient.substr(recipient.size() - unreachable.size()) == unreachable)
      return stripe_error(503, "api_error", "mailbox_unreachable", "the recipient's mailbox cannot be reached");
    json::object message{{"id", "msg_" + std::to_string(messages.size() + 1)},
                         {"to", *to},
                         {"template", *template_name},
                         {"data", body.if_contains("data") ? *body.if_contains("data") : json::object{}},
                         {"idempotency_key", key.substr(key.find(' ') + 1)}};
    messages.push_back(message);
    record({{"kind", "message"}, {"message", message}});
    return remember(key, json_response(200, message));
  }

  void run_timer() {
    std::unique_lock<std::mutex> lock(mutex);
    while (!stopping) {
      if (delayed.empty()) {
        wake.wait(lock);
        continue;
      }
      const auto due = delayed.begin()->first;
      if (std::chrono::steady_clock::now() < due) {
        wake.wait_until(lock, due);
        continue;
      }
      auto answer = std::move(delayed.begin()->second);
      delayed.erase(delayed.begin());
      if (--in_flight[answer.key] == 0) in_flight.erase(answer.key);
      lock.unlock();
      answer.respond(std::move(answer.response));
      lock.lock();
    }
  }
};

payment_sandbox::payment_sandbox(std::string data_file, std::chrono::milliseconds slow_delay)
    : impl_(std::make_unique<impl>()) {
  impl_->data_file = std::move(data_file);
  impl_->slow_delay = slow_delay;
  impl_->load();
  impl_->journal.open(impl_->data_file, std::ios::app);
  if (!impl_->journal) throw std::runtime_error("cannot write " + impl_->data_file);
  impl_->timer = std::thread([this] { impl_->run_timer(); });
}

payment_sandbox::~payment_sandbox() {
  {
    std::lock_guard<std::mutex> lock(impl_->mutex);
    impl_->stopping = true;
  }
  impl_->wake.notify_all();
  impl_->timer.join();
}

void payment_sandbox::handle(http_request request, http_responder respond) {
  auto& i = *impl_;
  const auto path = request.target.substr(0, request.target.find('?'));
  std::unique_lock<std::mutex> lock(i.mutex);
  if (request.method == "GET" && path == "/charges") return respond(json_response(200, json::object{{"data", i.charges}}));
  if (request.method == "GET" && path == "/messages")
    return respond(json_response(200, json::object{{"data", i.messages}}));
  if (request.method != "POST" || (path != "/v1/charges" && path != "/v1/refunds" && path != "/v1/messages"))
    return respond(stripe_error(404, "invalid_request_error", "not_found", "no route " + request.method + " " + path));
  const auto& key_header = request.header("idempotency-key");
  if (key_header.empty())
    return respond(stripe_error(400, "invalid_request_error", "idempotency_key_missing", "send an Idempotency-Key"));
  const auto key = path + " " + key_header;
  if (i.in_flight.count(key))
    return respond(stripe_error(409, "idempotency_error", "idempotency_key_in_use",
                                "a request with this key is still being processed; try again later"));
  if (const auto found = i.answered.find(key); found != i.answered.end()) return respond(found->second);
  json::error_code ec;
  const auto body = json::parse(request.body, ec);
  if (ec || !body.is_object()) return respond(stripe_error(400, "invalid_request_error", "invalid_json", "a JSON object, please"));
  if (path == "/v1/refunds") return respond(i.refund(key, body.as_object()));
  if (path == "/v1/messages") return respond(i.message(key, body.as_object()));
  auto answer = i.charge(key, body.as_object());
  const auto* source = body.as_object().if_contains("source");
  const auto token = source && source->is_string() ? std::string(source->as_string()) : std::string();
  if (answer.status != 200) return respond(std::move(answer));
  // The provider's hard cases, for the saga's tests: charged, and then...
  if (token == "tok_slow") {  // ...the answer comes late
    ++i.in_flight[key];
    i.delayed.emplace(std::chrono::steady_clock::now() + i.slow_delay, impl::delayed_answer{key, std::move(answer), std::move(respond)});
    lock.unlock();
    i.wake.notify_all();
    return;
  }
  if (token == "tok_hang") return i.never_answered.push_back(std::move(respond));  // ...no answer ever comes
  if (token == "tok_crash") std::_Exit(42);  // ...the provider dies before answering: the connection resets
  respond(std::move(answer));
}

}  // namespace commerce::adapters::sandbox
