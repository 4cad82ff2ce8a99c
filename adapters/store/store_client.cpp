#include "adapters/store/store_client.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/time.hpp"
#include "supervision/retry.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <deque>
#include <map>
#include <memory>

// Answers of the HTTP I/O thread, sent back to the client actor: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::adapters::http::client_result)

namespace commerce::adapters::store {
namespace {

namespace json = boost::json;
using protocols::store_answer;
using protocols::store_status;
using answered_atom = caf::atom_constant<caf::atom("answered")>;
using clock_type = std::chrono::steady_clock;

// What a call's caller gets: the answer, and the body for an `ok` one.
using finisher = std::function<void(store_answer, const std::string& body)>;

struct client_state {
  store_client_options options;
  std::unique_ptr<http::client> http;
  std::uint64_t last_call = 0;
  std::map<std::uint64_t, finisher> waiting;  // by call
  // The platform's bucket is the node's, shared by every caller: calls go out one at a time, in
  // the order they were made, and after a 429 none goes out before its Retry-After has passed —
  // the calls made meanwhile are answered `throttled` at once with the wait left, so that no
  // caller's request times out while it waits here.
  std::deque<std::pair<std::uint64_t, http_request>> queued;
  bool in_flight = false;
  clock_type::time_point not_before;
  static inline const char* name = "store_client";
};
using client_interface =
    protocols::store_platform_actor::extend<caf::reacts_to<answered_atom, std::uint64_t, http::client_result>>;
using client_pointer = client_interface::stateful_pointer<client_state>;

void finish(client_pointer self, std::uint64_t id, store_answer answer, const std::string& body) {
  auto it = self->state.waiting.find(id);
  if (it == self->state.waiting.end()) return;
  auto done = std::move(it->second);
  self->state.waiting.erase(it);
  done(std::move(answer), body);
}

// Sends the next queued call, unless one is out; while the platform asked to wait, answers them.
void pump(client_pointer self) {
  auto& st = self->state;
  const auto now = clock_type::now();
  if (now < st.not_before) {
    const auto left = std::chrono::ceil<std::chrono::milliseconds>(st.not_before - now).count();
    while (!st.queued.empty()) {
      const auto id = st.queued.front().first;
      st.queued.pop_front();
      finish(self, id, {store_status::throttled, left, "held here: the store platform asked to wait"}, "");
    }
    return;
  }
  if (st.in_flight || st.queued.empty()) return;
  auto [id, request] = std::move(st.queued.front());
  st.queued.pop_front();
  st.in_flight = true;
  st.http->send(st.options.platform, std::move(request), st.options.attempt_timeout,
                [me = caf::actor_cast<caf::actor>(self), id = id](http::client_result result) {
                  caf::anon_send(me, answered_atom::value, id, std::move(result));
                });
}

metrics::counter& calls(const char* call, store_status status) {
  static const char* outcomes[] = {"ok", "throttled", "unavailable", "refused"};  // in store_status order
  return metrics::registry::global().get_counter("commerce_store_calls_total",
                                                 "Calls to the store platform by outcome (one HTTP attempt each)",
                                                 {{"call", call}, {"outcome", outcomes[static_cast<int>(status)]}});
}

// The platform's time, "…Z" or with an offset ("2026-12-03T07:00:00-05:00"), in UTC.
std::optional<domain::timestamp> platform_time(std::string_view text) {
  if (const auto utc = domain::parse_iso8601(text)) return utc;
  const auto sign_at = text.size() >= 6 ? text.size() - 6 : 0;
  if (text.size() < 26 || (text[sign_at] != '+' && text[sign_at] != '-') || text[sign_at + 3] != ':') return std::nullopt;
  const auto local = domain::parse_iso8601(std::string(text.substr(0, sign_at)) + "Z");
  const auto digit = [&](std::size_t i) { return text[i] >= '0' && text[i] <= '9' ? text[i] - '0' : -1; };
  const int h1 = digit(sign_at + 1), h2 = digit(sign_at + 2), m1 = digit(sign_at + 4), m2 = digit(sign_at + 5);
  if (!local || h1 < 0 || h2 < 0 || m1 < 0 || m2 < 0) return std::nullopt;
  const std::int64_t offset_ms = ((h1 * 10 + h2) * 60 + m1 * 10 + m2) * 60'000;
  return domain::timestamp{local->ms_since_epoch - (text[sign_at] == '+' ? offset_ms : -offset_ms)};
}

// The levels of an answer; an item that is not a level (no SKU, a count that is not a number, a
// time we cannot read) is logged and left out, so one odd item never hides the others.
std::vector<protocols::stock_level> levels_in(const std::string& body) {
  const auto parsed = json::parse(body);
  std::vector<protocols::stock_level> out;
  for (const auto& item : parsed.at("inventory_levels").as_array()) {
    const auto* level = item.if_object();
    const auto* sku = level ? level->if_contains("sku") : nullptr;
    const auto* available = level ? level->if_contains("available") : nullptr;
    const auto* updated_at = level ? level->if_contains("updated_at") : nullptr;
    const auto at = updated_at && updated_at->is_string() ? platform_time(updated_at->as_string()) : std::nullopt;
    if (!sku || !sku->is_string() || !available || !available->is_int64() || !at) {
      log::warn("store platform level left out: unreadable", {{"level", json::serialize(item).substr(0, 300)}});
      continue;
    }
    out.push_back({std::string(sku->as_string()), available->as_int64(), at->ms_since_epoch});
  }
  return out;
}

std::string list_of(const std::vector<std::string>& skus) {
  std::string out;
  for (const auto& sku : skus) out += (out.empty() ? "" : ",") + sku;
  return out;
}

}  // namespace

store_answer classify(const http::client_result& result) {
  store_answer out;
  if (result.error != http::client_result::failure::none) {
    out.detail = result.detail.empty() ? "no answer from the store platform" : result.detail;
    return out;  // unavailable
  }
  const int status = result.response.status;
  out.detail = "the store platform answered " + std::to_string(status);
  if (status >= 200 && status < 300) out.status = store_status::ok;
  else if (status == 429) {
    out.status = store_status::throttled;
    out.retry_after_ms = 1000;  // Shopify's own advice when it says nothing
    for (const auto& [name, value] : result.response.headers)
      if (name == "retry-after")
        if (const auto wait = supervision::parse_retry_after(value)) out.retry_after_ms = std::max<std::int64_t>(1000, wait->count());
  } else if (status >= 500 || status == 408) {
    out.status = store_status::unavailable;
  } else {
    out.status = store_status::refused;
    if (!result.response.body.empty()) out.detail += ": " + result.response.body.substr(0, 300);
  }
  return out;
}

protocols::store_platform_actor spawn_store_client(caf::actor_system& system, store_client_options options) {
  using behavior = client_interface::behavior_type;
  auto client = system.spawn([options](client_pointer self) -> behavior {
    self->state.options = options;
    self->state.http = std::make_unique<http::client>();
    // One call, queued; its answer comes back from the I/O thread as a message, and `done` runs here.
    auto call = [self](http_request request, finisher done) {
      auto& st = self->state;
      request.headers.emplace_back("x-shopify-access-token", st.options.access_token);
      request.headers.emplace_back("content-type", "application/json");
      const auto id = ++st.last_call;
      st.waiting.emplace(id, std::move(done));
      st.queued.emplace_back(id, std::move(request));
      pump(self);
    };
    return {
        [self, call](protocols::set_price_atom, const protocols::price_update& update) -> caf::result<store_answer> {
          auto promise = self->make_response_promise<store_answer>();
          const json::object body{{"price", json::object{{"amount", update.amount}, {"currency", update.currency}}}};
          call(http_request{"PUT", "/admin/api/variants/" + update.sku, {}, json::serialize(body)},
               [promise](store_answer answer, const std::string&) mutable {
                 calls("set_price", answer.status).add();
                 promise.deliver(std::move(answer));
               });
          return promise;
        },
        [self, call](protocols::levels_atom, const std::vector<std::string>& skus) -> caf::result<protocols::levels_answer> {
          auto promise = self->make_response_promise<protocols::levels_answer>();
          call(http_request{"GET", "/admin/api/inventory_levels?skus=" + list_of(skus), {}, ""},
               [promise](store_answer answer, const std::string& body) mutable {
                 protocols::levels_answer out;
                 out.answer = std::move(answer);
                 if (out.answer.status == store_status::ok) {
                   try {
                     out.levels = levels_in(body);
                   } catch (const std::exception& e) {
                     out.answer = {store_status::refused, 0, std::string("unreadable inventory levels: ") + e.what()};
                   }
                 }
                 calls("levels", out.answer.status).add();
                 promise.deliver(std::move(out));
               });
          return promise;
        },
        [self](answered_atom, std::uint64_t id, const http::client_result& result) {
          auto& st = self->state;
          st.in_flight = false;
          auto answer = classify(result);
          if (answer.status == store_status::throttled)
            st.not_before = std::max(st.not_before, clock_type::now() + std::chrono::milliseconds(answer.retry_after_ms));
          finish(self, id, std::move(answer), result.response.body);
          pump(self);
        },
    };
  });
  return caf::actor_cast<protocols::store_platform_actor>(client);
}

}  // namespace commerce::adapters::store
