#include "adapters/payment/payment_client.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocols/payment.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <memory>
#include <random>

namespace commerce::adapters::payment::detail {

// One call to the provider, across its attempts.
struct pending_call {
  http_request request;
  caf::typed_response_promise<protocols::payment_outcome> promise;
  int attempts = 0;
  bool maybe_delivered = false;
};
using call_ptr = std::shared_ptr<pending_call>;

}  // namespace commerce::adapters::payment::detail

// Messages of the client to itself, from its HTTP I/O thread: they never leave the process.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::adapters::payment::detail::call_ptr)
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::adapters::http::client_result)

namespace commerce::adapters::payment {
namespace {

using namespace protocols;
using detail::call_ptr;
namespace json = boost::json;
using clock_type = std::chrono::steady_clock;

using attempt_atom = caf::atom_constant<caf::atom("attempt")>;
using answered_atom = caf::atom_constant<caf::atom("answered")>;

struct client_state {
  payment_client_options options;
  std::unique_ptr<http::client> http;
  supervision::circuit_breaker breaker;
  std::mt19937_64 random{std::random_device{}()};
  // Looked up once: calls are counted on the checkout's hot path.
  metrics::gauge* breaker_gauge = nullptr;
  metrics::counter* calls_by_status[3] = {};  // indexed by payment_status
  metrics::counter* failed_attempts = nullptr;
  static inline const char* name = "payment_client";
};
// The public interface plus the messages of its own attempts and their answers.
using client_interface =
    payment_client_actor::extend<caf::reacts_to<attempt_atom, call_ptr>,
                                 caf::reacts_to<answered_atom, call_ptr, http::client_result>>;
using client_actor = client_interface::stateful_base<client_state>;

// 0 closed, 1 half-open, 2 open, as of the last call.
void show_breaker(client_state& st) {
  const auto s = st.breaker.state(clock_type::now());
  st.breaker_gauge->set(s == supervision::breaker_state::closed ? 0 : s == supervision::breaker_state::half_open ? 1 : 2);
}

void finish(client_actor* self, const call_ptr& call, payment_outcome outcome) {
  outcome.attempts = call->attempts;
  outcome.maybe_delivered = outcome.maybe_delivered || call->maybe_delivered;
  self->state.calls_by_status[static_cast<int>(outcome.status)]->add();
  show_breaker(self->state);
  call->promise.deliver(std::move(outcome));
}

void attempt(client_actor* self, const call_ptr& call) {
  auto& st = self->state;
  const auto now = clock_type::now();
  if (!st.breaker.allow(now)) {
    payment_outcome out;
    out.detail = "the payment provider's circuit breaker is open";
    out.retry_after_ms = std::max<std::int64_t>(1000, st.breaker.retry_in(now).count());
    return finish(self, call, std::move(out));
  }
  ++call->attempts;
  st.http->send(st.options.provider, call->request, st.options.attempt_timeout,
                [me = caf::actor_cast<caf::actor>(self), call](http::client_result result) {
                  caf::anon_send(me, answered_atom::value, call, std::move(result));
                });
}

// The provider's own words for a refusal: Stripe puts them in error.code / error.decline_code.
std::string error_code_in(const std::string& body) {
  json::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "refused";
  const auto* error = parsed.as_object().if_contains("error");
  if (!error || !error->is_object()) return "refused";
  for (const char* key : {"decline_code", "code"})
    if (const auto* v = error->as_object().if_contains(key); v && v->is_string()) return std::string(v->get_string());
  return "refused";
}

std::string id_in(const std::string& body) {
  json::error_code ec;
  const auto parsed = json::parse(body, ec);
  if (ec || !parsed.is_object()) return "";
  const auto* id = parsed.as_object().if_contains("id");
  return id && id->is_string() ? std::string(id->get_string()) : "";
}

// Another attempt after the policy's delay, or, with the budget spent, `unavailable`.
void retry_or_finish(client_actor* self, const call_ptr& call, const supervision::call_failure& failure,
                     const std::string& detail) {
  auto& st = self->state;
  const auto delay = supervision::retry_delay(st.options.retry, failure, call->attempts,
                                              std::uniform_real_distribution<double>(0, 1)(st.random));
  if (!delay) {
    log::warn("payment call failed", {{"target", call->request.target}, {"attempts", call->attempts}, {"error", detail}});
    payment_outcome out;
    out.detail = detail;
    out.retry_after_ms = failure.retry_after ? failure.retry_after->count() : 1000;
    return finish(self, call, std::move(out));
  }
  self->delayed_send(self, *delay, attempt_atom::value, call);
}

void answered(client_actor* self, const call_ptr& call, http::client_result& result) {
  auto& st = self->state;
  const auto now = clock_type::now();
  supervision::call_failure failure;
  if (result.error == http::client_result::failure::none) {
    const int status = result.response.status;
    // 409: the same key is still being processed there, so its outcome is not known yet.
    const bool in_flight_there = status == 409;
    if (status != 429 && status < 500 && !in_flight_there) {
      st.breaker.record_success(now);  // the provider is up, whatever it said
      payment_outcome out;
      if (status >= 200 && status < 300) {
        out.status = payment_status::succeeded;
        out.id = id_in(result.response.body);
      } else {
        out.status = payment_status::refused;
        out.code = error_code_in(result.response.body);
        out.detail = "the provider answered " + std::to_string(status);
      }
      return finish(self, call, std::move(out));
    }
    failure = {supervision::failure_kind::http_status, status, std::nullopt};
    for (const auto& [name, value] : result.response.headers)
      if (name == "retry-after") failure.retry_after = supervision::parse_retry_after(value);
    result.detail = "the provider answered " + std::to_string(status);
    call->maybe_delivered = true;
    if (in_flight_there) {  // the provider is up: nothing for the breaker
      st.breaker.record_success(now);
      return retry_or_finish(self, call, failure, result.detail);
    }
  } else {
    failure.kind = result.error == http::client_result::failure::timeout ? supervision::failure_kind::timeout
                                                                        : supervision::failure_kind::connection_error;
    call->maybe_delivered = call->maybe_delivered || result.maybe_delivered;
  }
  st.breaker.record_failure(now);
  st.failed_attempts->add();
  retry_or_finish(self, call, failure, result.detail);
}

caf::result<payment_outcome> start(client_actor* self, std::string target, const std::string& key, json::object body) {
  auto call = std::make_shared<detail::pending_call>();
  call->request = {"POST", std::move(target), {{"idempotency-key", key}}, json::serialize(body)};
  call->promise = self->make_response_promise<payment_outcome>();
  attempt(self, call);
  return call->promise;
}

client_interface::behavior_type payment_client(client_actor* self, payment_client_options options) {
  auto& st = self->state;
  st.breaker = supervision::circuit_breaker(options.breaker);
  auto& registry = metrics::registry::global();
  st.breaker_gauge = &registry.get_gauge("commerce_circuit_breaker_state",
                                         "Circuit breakers: 0 closed, 1 half-open, 2 open (as of the last call)",
                                         {{"breaker", options.name}});
  const char* outcomes[] = {"succeeded", "refused", "unavailable"};  // in payment_status order
  for (int i = 0; i < 3; ++i)
    st.calls_by_status[i] = &registry.get_counter("commerce_payment_calls_total",
                                                  "Calls to the payment provider by final outcome",
                                                  {{"provider", options.name}, {"outcome", outcomes[i]}});
  st.failed_attempts = &registry.get_counter("commerce_payment_failed_attempts_total",
                                             "Attempts at the payment provider that failed and count towards its breaker",
                                             {{"provider", options.name}});
  st.options = std::move(options);
  st.http = std::make_unique<http::client>();
  show_breaker(st);
  return {
      [self](charge_atom, const charge_request& r) {
        json::object body{{"amount", r.amount}, {"currency", r.currency}, {"source", r.source}};
        if (!r.description.empty()) body["description"] = r.description;
        return start(self, "/v1/charges", r.idempotency_key, std::move(body));
      },
      [self](refund_atom, const refund_request& r) {
        json::object body{{"charge", r.charge_id}};
        if (r.amount) body["amount"] = *r.amount;
        return start(self, "/v1/refunds", r.idempotency_key, std::move(body));
      },
      [self](attempt_atom, const call_ptr& call) { attempt(self, call); },
      [self](answered_atom, const call_ptr& call, http::client_result& result) { answered(self, call, result); },
      [self](caf::get_atom) {
        auto& st = self->state;
        show_breaker(st);
        const auto now = clock_type::now();
        return breaker_report{st.options.name, std::string(supervision::to_string(st.breaker.state(now))),
                              st.breaker.retry_in(now).count()};
      },
  };
}

}  // namespace

payment_client_actor spawn_payment_client(caf::actor_system& system, payment_client_options options) {
  return system.spawn(payment_client, std::move(options));
}

}  // namespace commerce::adapters::payment
