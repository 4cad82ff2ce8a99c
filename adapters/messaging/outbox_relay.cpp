#include "adapters/messaging/outbox_relay.hpp"

#include "adapters/postgres/lazy_connection.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "supervision/backoff.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <future>
#include <memory>

namespace commerce::adapters::messaging {
namespace {

namespace json = boost::json;
using poll_atom = caf::atom_constant<caf::atom("poll")>;

// Oldest first, skipping the ones backing off after failed attempts.
const std::string unsent_sql =
    "SELECT id, key, template, recipient, data::text FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL "
    "AND (next_attempt_at IS NULL OR next_attempt_at <= now()) ORDER BY id LIMIT $1";
const std::string sent_sql = "UPDATE outbox SET sent_at = now(), attempts = attempts + 1 WHERE id = $1";
const std::string failed_sql =
    "UPDATE outbox SET failed_at = now(), attempts = attempts + 1, last_error = $2 WHERE id = $1";
// One second more for each failed attempt, at most 30 s (the relay's own backoff when the
// provider is down altogether).
const std::string attempted_sql =
    "UPDATE outbox SET attempts = attempts + 1, last_error = $2, "
    "next_attempt_at = now() + interval '1 second' * least(attempts + 1, 30) WHERE id = $1";
const std::string pending_sql = "SELECT count(*) FROM outbox WHERE sent_at IS NULL AND failed_at IS NULL";

enum class send_outcome { sent, rejected, failed_attempt };

class relay {
 public:
  relay(std::string conninfo, outbox_relay_options options)
      : db_(std::move(conninfo), "outbox relay"), options_(std::move(options)) {}

  enum class progress { caught_up, more_waiting, stalled };

  // Sends one batch of what is waiting, oldest first. A row the provider answers with a
  // failure backs off on its own and the round goes on with the rows behind it; a provider
  // that does not answer at all stops the round (the relay backs off as a whole).
  // Throws when the database cannot be reached.
  progress round() {
    const auto limit = std::to_string(options_.batch);
    auto rows = db_.run(unsent_sql, {limit.c_str()});
    const int n = PQntuples(rows.get());
    for (int row = 0; row < n; ++row) {
      auto text = [&](int column) { return std::string(PQgetvalue(rows.get(), row, column)); };
      if (!send_one(text(0), text(1), text(2), text(3), text(4))) return progress::stalled;
    }
    if (static_cast<std::size_t>(n) == options_.batch) return progress::more_waiting;
    pending_->set(std::stoll(PQgetvalue(db_.run(pending_sql, {}).get(), 0, 0)));
    return progress::caught_up;
  }

 private:
  bool send_one(const std::string& id, const std::string& key, const std::string& template_name,
                const std::string& recipient, const std::string& data) {
    const json::object body{{"to", recipient}, {"template", template_name}, {"data", json::parse(data)}};
    const auto result = post({"POST", "/v1/messages", {{"idempotency-key", key}}, json::serialize(body)});
    const int status = result.error == http::client_result::failure::none ? result.response.status : 0;
    if (status >= 200 && status < 300) {
      db_.run(sent_sql, {id.c_str()});
      count(send_outcome::sent);
      return true;
    }
    const auto why = status ? "provider answered " + std::to_string(status) + ": " + result.response.body
                            : result.detail;
    if (status >= 400 && status < 500 && status != 408 && status != 429) {
      db_.run(failed_sql, {id.c_str(), why.c_str()});
      log::error("notification rejected by the messaging provider", {{"key", key}, {"error", why}});
      count(send_outcome::rejected);
      return true;
    }
    db_.run(attempted_sql, {id.c_str(), why.c_str()});
    log::warn("notification not sent, will retry", {{"key", key}, {"error", why}});
    count(send_outcome::failed_attempt);
    return status != 0;  // it answered: only this row failed
  }

  // The HTTP client is asynchronous; this actor is detached, so it waits for the answer.
  http::client_result post(http_request request) {
    std::promise<http::client_result> answer;
    auto done = answer.get_future();
    http_.send(options_.provider, std::move(request), options_.attempt_timeout,
               [&answer](http::client_result r) { answer.set_value(std::move(r)); });
    return done.get();
  }

  void count(send_outcome o) {
    static const char* names[] = {"sent", "rejected", "failed_attempt"};
    metrics::registry::global()
        .get_counter("commerce_messages_total", "Notifications handed to the messaging provider, by outcome.",
                     {{"outcome", names[static_cast<int>(o)]}})
        .add();
  }

  postgres::lazy_connection db_;
  outbox_relay_options options_;
  http::client http_;
  metrics::gauge* pending_ = &metrics::registry::global().get_gauge(
      "commerce_outbox_pending", "Notifications in the outbox not yet sent, as of the relay's last round.");
};

caf::behavior outbox_relay(caf::event_based_actor* self, std::shared_ptr<relay> r, outbox_relay_options options) {
  self->send(self, poll_atom::value);
  auto failures = std::make_shared<int>(0);
  return {
      [=](poll_atom) {
        if (options.active && !options.active()) return self->delayed_send(self, options.poll_interval, poll_atom::value);
        // One batch per message, so a long backlog never keeps the actor from its exit message.
        auto p = relay::progress::stalled;
        try {
          p = r->round();
        } catch (const std::exception& e) {
          log::warn("outbox relay stalled", {{"error", e.what()}});
        }
        *failures = p == relay::progress::stalled ? *failures + 1 : 0;
        if (p == relay::progress::more_waiting) return self->send(self, poll_atom::value);
        const supervision::backoff_policy policy{options.poll_interval, std::chrono::seconds(30), 2.0, 0.0};
        self->delayed_send(self, *failures ? supervision::backoff_delay(policy, *failures - 1, 0.0) : options.poll_interval,
                           poll_atom::value);
      },
  };
}

}  // namespace

caf::actor spawn_outbox_relay(caf::actor_system& system, std::string conninfo, outbox_relay_options options) {
  return system.spawn<caf::detached>(outbox_relay, std::make_shared<relay>(std::move(conninfo), options), options);
}

}  // namespace commerce::adapters::messaging
