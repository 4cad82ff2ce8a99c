// Idempotency-Key on POST (API.md, Conventions): the key is claimed in the idempotency store
// before the handler runs and the answer stored before the client sees it, so a repeat of the
// request — after a lost answer, a client time-out or a node restart — gets that same answer
// (marked `Idempotent-Replayed: true`) instead of running twice.
#include "actors/gateway_call.hpp"
#include "common/log.hpp"
#include "protocols/idempotency.hpp"

#include <boost/json.hpp>

namespace commerce::actors {
namespace {

using protocols::claim_outcome;
using protocols::stored_response;

constexpr std::size_t max_key_length = 255;

// An answer that asks the client to try again (5xx, or one with Retry-After) is not kept: the
// retry with the same key must run again.
bool worth_keeping(const http_response& r) {
  if (r.status >= 500) return false;
  for (const auto& [name, value] : r.headers)
    if (name == "Retry-After") return false;
  return true;
}

stored_response to_stored(const http_response& r) {
  boost::json::object headers;
  for (const auto& [name, value] : r.headers) headers[name] = value;
  return {r.status, r.content_type, boost::json::serialize(headers), r.body};
}

http_response replayed(const stored_response& s) {
  http_response r{s.status, s.content_type, {}, s.body};
  boost::json::error_code ec;
  const auto headers = boost::json::parse(s.headers, ec);
  if (!ec && headers.is_object())
    for (const auto& [name, value] : headers.as_object())
      if (value.is_string()) r.headers.emplace_back(std::string(name), std::string(value.as_string()));
  r.headers.emplace_back("Idempotent-Replayed", "true");
  return r;
}

// From now on the call's answer goes through the store first (the store as it is then: it may
// have restarted while the request ran).
void keep_answer(const call_ptr& call, const std::string& key, const std::string& owner) {
  call->respond = [self = call->self, stores = call->services().idempotency, key, owner,
                   respond = std::move(call->respond), timeout = call->options().request_timeout](http_response r) {
    const auto store = stores.get();
    if (!worth_keeping(r)) {
      caf::anon_send(store, caf::delete_atom::value, key, owner);
      return respond(std::move(r));
    }
    auto stored = to_stored(r);
    self->request(store, timeout, caf::put_atom::value, key, owner, std::move(stored))
        .then(
            [respond, r, key](bool kept) {
              // Not kept: this request's claim went stale and a retry took it over; the
              // retry's answer is the one the key keeps.
              if (!kept) log::warn("idempotency key taken over; this answer not stored", {{"key", key}});
              respond(r);
            },
            [self, store, respond, r, key, owner](caf::error& e) {
              // The work is done and the client should learn how it went. The claim is
              // released (if the store can still be reached), so a retry with the key runs the
              // request again rather than hearing "in progress" until the claim goes stale;
              // the entities make the repeat harmless (docs/architecture.md, The gateway).
              log::warn("idempotency key not stored; claim released", {{"key", key}, {"error", self->system().render(e)}});
              caf::anon_send(store, caf::delete_atom::value, key, owner);
              respond(r);
            });
  };
}

}  // namespace

void run_idempotently(const call_ptr& call, void (*handle)(const call_ptr&)) {
  const auto& key = call->request.header("idempotency-key");
  if (key.empty() || !call->services().idempotency) return handle(call);
  if (key.size() > max_key_length)
    return call->respond(rejection_response(domain::invalid_field("Idempotency-Key", "must be 1 to 255 characters")));
  auto fingerprint = call->request.method + ' ' + call->request.target + '\n' + call->request.body;
  call->self->request(call->services().idempotency.get(), call->options().request_timeout, protocols::claim_atom::value, key, std::move(fingerprint))
      .then(
          [call, handle, key](protocols::idempotency_claim& claim) {
            switch (claim.outcome) {
              case claim_outcome::started:
                keep_answer(call, key, claim.owner);
                return handle(call);
              case claim_outcome::replay:
                return call->respond(replayed(claim.response));
              case claim_outcome::reused:
                return call->respond(problem(422, "idempotency_key_reused", "Idempotency key reused",
                                             "this Idempotency-Key was used for a different request"));
              case claim_outcome::in_progress:
                return call->respond(with_retry_after(
                    problem(409, "idempotency_in_progress", "Request in progress",
                            "a request with this Idempotency-Key is still running; retry later"),
                    std::chrono::seconds(1)));
            }
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

}  // namespace commerce::actors
