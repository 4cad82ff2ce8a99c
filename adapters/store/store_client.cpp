#include "adapters/store/store_client.hpp"

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
using release_atom = caf::atom_constant<caf::atom("release")>;
using clock_type = std::chrono::steady_clock;

struct client_state {
  store_client_options options;
  std::unique_ptr<http::client> http;
  std::uint64_t last_call = 0;
  std::map<std::uint64_t, std::function<void(const http::client_result&)>> waiting;  // by call
  // The platform's bucket is the node's, shared by every caller: calls go out one at a time, in
  // the order they were made, and after a 429 none before its Retry-After has passed — so no
  // call is ever sent while a refusal it should have waited for is on its way.
  std::deque<std::pair<std::uint64_t, http_request>> queued;
  bool in_flight = false;
  bool release_pending = false;
  clock_type::time_point not_before;
  static inline const char* name = "store_client";
};
using client_interface = protocols::store_platform_actor::extend<
    caf::reacts_to<answered_atom, std::uint64_t, http::client_result>, caf::reacts_to<release_atom>>;
using client_pointer = client_interface::stateful_pointer<client_state>;

// Sends the next queued call, unless one is out or the platform asked to wait.
void pump(client_pointer self) {
  auto& st = self->state;
  if (st.in_flight || st.queued.empty() || st.release_pending) return;
  const auto now = clock_type::now();
  if (now < st.not_before) {
    st.release_pending = true;
    self->delayed_send(self, std::chrono::duration_cast<std::chrono::milliseconds>(st.not_before - now) +
                                 std::chrono::milliseconds(1),
                       release_atom::value);
    return;
  }
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

std::vector<protocols::stock_level> levels_in(const std::string& body) {
  const auto parsed = json::parse(body);
  std::vector<protocols::stock_level> out;
  for (const auto& item : parsed.at("inventory_levels").as_array()) {
    const auto& level = item.as_object();
    const auto at = domain::parse_iso8601(std::string(level.at("updated_at").as_string()));
    if (!at) throw std::invalid_argument("updated_at is not an ISO-8601 time");
    out.push_back({std::string(level.at("sku").as_string()), level.at("available").as_int64(), at->ms_since_epoch});
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
    // One call; its answer comes back from the I/O thread as a message, and `finish` runs here.
    auto call = [self](http_request request, std::function<void(const http::client_result&)> finish) {
      auto& st = self->state;
      request.headers.emplace_back("x-shopify-access-token", st.options.access_token);
      request.headers.emplace_back("content-type", "application/json");
      const auto id = ++st.last_call;
      st.waiting.emplace(id, std::move(finish));
      st.queued.emplace_back(id, std::move(request));
      pump(self);
    };
    return {
        [self, call](protocols::set_price_atom, const protocols::price_update& update) -> caf::result<store_answer> {
          auto promise = self->make_response_promise<store_answer>();
          const json::object body{{"price", json::object{{"amount", update.amount}, {"currency", update.currency}}}};
          call(http_request{"PUT", "/admin/api/variants/" + update.sku, {}, json::serialize(body)},
               [promise](const http::client_result& result) mutable {
                 auto answer = classify(result);
                 calls("set_price", answer.status).add();
                 promise.deliver(std::move(answer));
               });
          return promise;
        },
        [self, call](protocols::levels_atom, const std::vector<std::string>& skus) -> caf::result<protocols::levels_answer> {
          auto promise = self->make_response_promise<protocols::levels_answer>();
          call(http_request{"GET", "/admin/api/inventory_levels?skus=" + list_of(skus), {}, ""},
               [promise](const http::client_result& result) mutable {
                 protocols::levels_answer out;
                 out.answer = classify(result);
                 if (out.answer.status == store_status::ok) {
                   try {
                     out.levels = levels_in(result.response.body);
                   } catch (const std::exception& e) {
                     out.answer = {store_status::refused, 0, std::string("unreadable inventory levels: ") + e.what()};
                   }
                 }
                 calls("levels", out.answer.status).add();
                 promise.deliver(std::move(out));
               });
          return promise;
        },
        [self](release_atom) {
          self->state.release_pending = false;
          pump(self);
        },
        [self](answered_atom, std::uint64_t id, const http::client_result& result) {
          self->state.in_flight = false;
          if (const auto answer = classify(result); answer.status == store_status::throttled)
            self->state.not_before = std::max(self->state.not_before,
                                              clock_type::now() + std::chrono::milliseconds(answer.retry_after_ms));
          auto it = self->state.waiting.find(id);
          if (it == self->state.waiting.end()) return;
          auto finish = std::move(it->second);
          self->state.waiting.erase(it);
          finish(result);
          pump(self);
        },
    };
  });
  return caf::actor_cast<protocols::store_platform_actor>(client);
}

}  // namespace commerce::adapters::store
