#include "actors/subscription.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/subscription.hpp"
#include "supervision/backoff.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <tuple>

namespace commerce::actors {
namespace {

using poll_atom = caf::atom_constant<caf::atom("poll")>;
using status_atom = caf::atom_constant<caf::atom("status")>;

struct progress_gauges {
  metrics::gauge* position = nullptr;
  metrics::gauge* lag_events = nullptr;
  metrics::gauge* lag_seconds = nullptr;
  metrics::gauge* caught_up = nullptr;
  metrics::counter* parked = nullptr;
};

struct subscription_state {
  subscription_services services;
  subscription_options options;
  protocols::checkpoint at;
  bool loaded = false;  // `at` came from the store: never start from scratch by mistake
  protocols::checkpoint saved;                        // the one last stored
  std::chrono::steady_clock::time_point saved_at{};  // and when
  int failures = 0;     // transient failures in a row at `at`: the backoff's exponent
  std::optional<protocols::checkpoint> one_by_one_until;  // the end of a batch refused for good
  std::optional<protocols::checkpoint> start_head;        // the journal's head as first seen
  bool caught_up = false;                                 // reached start_head; stays so
  protocols::journal_head last_head;                      // the latest answer to head_atom
  std::int64_t behind = 0;                                // as published
  std::int64_t lag_ms = 0;
  progress_gauges gauges;
  static inline const char* name = "subscription";
};

using subscription_actor = caf::stateful_actor<subscription_state>;

std::int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool before(const protocols::checkpoint& a, const protocols::checkpoint& b) {
  return std::tie(a.transaction_id, a.position) < std::tie(b.transaction_id, b.position);
}

void set_lag(subscription_actor* self, std::int64_t behind, std::int64_t oldest_unread_ms) {
  auto& st = self->state;
  st.behind = behind;
  st.lag_ms = oldest_unread_ms > 0 ? std::max<std::int64_t>(0, now_ms() - oldest_unread_ms) : 0;
  st.gauges.lag_events->set(behind);
  st.gauges.lag_seconds->set_double(static_cast<double>(st.lag_ms) / 1000.0);
}

void check_caught_up(subscription_actor* self) {
  auto& st = self->state;
  if (st.caught_up || !st.loaded || !st.start_head || before(st.at, *st.start_head)) return;
  st.caught_up = true;
  st.gauges.caught_up->set(1);
  log::info("subscription caught up", {{"subscription", st.options.name}, {"position", st.at.position}});
}

// A transient failure: the same step again later, for as long as it takes.
void retry_later(subscription_actor* self, const char* what, const caf::error& e) {
  auto& st = self->state;
  const supervision::backoff_policy policy{st.options.retry_after, st.options.retry_after * 32, 2.0, 0.0};
  const auto delay = supervision::backoff_delay(policy, st.failures++, 0.0);
  log::warn("subscription stalled", {{"subscription", st.options.name}, {"step", what}, {"attempt", st.failures},
                                     {"retry_in_ms", delay.count()}, {"error", self->system().render(e)}});
  self->delayed_send(self, delay, poll_atom::value);
}

void moved_to(subscription_actor* self, protocols::checkpoint last) {
  auto& st = self->state;
  st.at = last;
  st.failures = 0;
  if (st.one_by_one_until && !before(last, *st.one_by_one_until)) st.one_by_one_until.reset();
  st.gauges.position->set(last.position);
  check_caught_up(self);
  self->send(self, poll_atom::value);
}

void advance_to(subscription_actor* self, protocols::checkpoint last) {
  auto& st = self->state;
  if (!st.options.keep_checkpoint) return moved_to(self, last);
  if (std::chrono::steady_clock::now() - st.saved_at < st.options.checkpoint_every) return moved_to(self, last);
  self->request(st.services.writer.get(), st.options.timeout, protocols::save_atom::value, st.options.name, last)
      .then([self, last]() {
              self->state.saved = last;
              self->state.saved_at = std::chrono::steady_clock::now();
              moved_to(self, last);
            },
            [self](caf::error& e) { retry_later(self, "save checkpoint", e); });
}

// With checkpoint_every, the checkpoint kept back is stored once there is nothing more to read.
// A failure is left to the next idle poll.
void store_when_idle(subscription_actor* self) {
  auto& st = self->state;
  if (!st.options.keep_checkpoint || !before(st.saved, st.at)) return;
  const auto at = st.at;
  self->request(st.services.writer.get(), st.options.timeout, protocols::save_atom::value, st.options.name, at)
      .then([self, at]() {
              self->state.saved = at;
              self->state.saved_at = std::chrono::steady_clock::now();
            },
            [](caf::error&) {});
}

std::string reason_of(subscription_actor* self, const caf::error& e) {
  if (protocols::is_permanent(e) && e.context().match_elements<std::string>()) return e.context().get_as<std::string>(0);
  return self->system().render(e);
}

// Parks a permanently refused event; the checkpoint moves past it once the office has it.
void park(subscription_actor* self, const protocols::stored_event& e, const std::string& reason) {
  auto& st = self->state;
  const protocols::checkpoint last{e.transaction_id, e.position};
  protocols::dead_letter letter;
  letter.target = "subscription/" + st.options.name;
  letter.message_type = e.event_type;
  letter.payload = boost::json::serialize(boost::json::object{
      {"stream_type", e.stream_type}, {"stream_id", e.stream_id}, {"version", e.version},
      {"position", e.position}, {"transaction_id", e.transaction_id}, {"schema_version", e.schema_version},
      {"data", e.data}, {"metadata", e.metadata}, {"recorded_at_ms", e.recorded_at_ms}});
  letter.reason = reason;
  letter.attempts = st.failures + 1;
  const boost::json::object where{{"subscription", st.options.name}, {"position", e.position}, {"type", e.event_type},
                                  {"error", reason}};
  if (!st.services.dead_letters) {
    log::error("event skipped (no dead-letter office)", where);
    return advance_to(self, last);
  }
  self->request(st.services.dead_letters.get(), st.options.timeout, caf::put_atom::value, std::move(letter))
      .then(
          [self, last, where](std::int64_t id) {
            auto fields = where;
            fields["dead_letter"] = id;
            log::error("event dead-lettered", fields);
            self->state.gauges.parked->add();
            advance_to(self, last);
          },
          // Not confirmed: the event is read, refused and parked again (a second letter only if
          // the first was stored but its answer lost).
          [self](caf::error& failure) { retry_later(self, "park", failure); });
}

void refused(subscription_actor* self, std::vector<protocols::stored_event> events, const caf::error& e) {
  auto& st = self->state;
  if (!protocols::is_permanent(e)) return retry_later(self, "deliver", e);
  if (events.size() > 1) {
    st.one_by_one_until = protocols::checkpoint{events.back().transaction_id, events.back().position};  // find it
    log::warn("batch refused for good, retrying it one event at a time",
              {{"subscription", st.options.name}, {"error", reason_of(self, e)}});
    self->send(self, poll_atom::value);
    return;
  }
  park(self, events.front(), reason_of(self, e));
}

// A letter's retry the handler did not finish (refused again, timed out): the letter goes back
// to pending in the office, here and not by whoever asked for the retry, who may have stopped
// waiting. Handlers take an event delivered twice as once, so it is safe to retry again.
void not_handled(subscription_actor* self, std::int64_t letter_id, const caf::error& failure,
                 caf::typed_response_promise<std::string> promise) {
  auto& st = self->state;
  const auto why = reason_of(self, failure);
  if (!st.services.dead_letters) {
    promise.deliver(caf::make_error(caf::sec::runtime_error, why));
    return;
  }
  self->request(st.services.dead_letters.get(), st.options.timeout, protocols::release_atom::value, letter_id)
      .then([promise, why](protocols::letter_change&) mutable { promise.deliver(std::string(retry_not_handled) + why); },
            [promise, why](caf::error&) mutable {
              promise.deliver(caf::make_error(caf::sec::runtime_error, why + " (and the letter was not put back to pending)"));
            });
}

void deliver(subscription_actor* self, std::vector<protocols::stored_event> events) {
  auto& st = self->state;
  const protocols::checkpoint last{events.back().transaction_id, events.back().position};
  self->request(st.services.handler, st.options.timeout, protocols::deliver_atom::value, events)
      .then([self, last]() { advance_to(self, last); },
            [self, events](caf::error& e) mutable { refused(self, std::move(events), e); });
}

// Asks the journal where its head is, to know when the subscription has caught up and how far
// behind it is; one question in flight, then again after status_interval.
void refresh_status(subscription_actor* self) {
  auto& st = self->state;
  self->request(st.services.reader.get(), st.options.timeout, protocols::head_atom::value, st.at)
      .then(
          [self](protocols::journal_head& h) {
            auto& st = self->state;
            if (!st.start_head && !st.caught_up) st.start_head = h.head;
            st.last_head = h;
            if (st.loaded) set_lag(self, h.behind, h.oldest_unread_ms);
            check_caught_up(self);
            self->delayed_send(self, st.options.status_interval, status_atom::value);
          },
          [self](caf::error&) {
            self->delayed_send(self, self->state.options.status_interval, status_atom::value);
          });
}

// A first start with start_at_head: from the journal's head as it is now, stored as the
// checkpoint as soon as the subscription is idle.
void start_at_head(subscription_actor* self) {
  auto& st = self->state;
  self->request(st.services.reader.get(), st.options.timeout, protocols::head_atom::value, protocols::checkpoint{})
      .then(
          [self](protocols::journal_head& h) {
            auto& st = self->state;
            st.at = h.head;
            st.saved = {};
            st.loaded = true;
            st.failures = 0;
            st.gauges.position->set(h.head.position);
            self->send(self, poll_atom::value);
          },
          [self](caf::error& e) { retry_later(self, "read the journal's head", e); });
}

// An operator's retry of a parked event: the stored event back out of its letter.
protocols::stored_event unparked(const protocols::dead_letter& letter) {
  const auto p = boost::json::parse(letter.payload).as_object();
  protocols::stored_event e;
  e.stream_type = std::string(p.at("stream_type").as_string());
  e.stream_id = std::string(p.at("stream_id").as_string());
  e.version = p.at("version").to_number<std::int64_t>();
  e.position = p.at("position").to_number<std::int64_t>();
  e.transaction_id = p.at("transaction_id").to_number<std::int64_t>();
  e.event_type = letter.message_type;
  e.schema_version = p.at("schema_version").to_number<int>();
  e.data = std::string(p.at("data").as_string());
  e.metadata = std::string(p.at("metadata").as_string());
  e.recorded_at_ms = p.at("recorded_at_ms").to_number<std::int64_t>();
  return e;
}

caf::behavior subscription(subscription_actor* self, subscription_services services, subscription_options options) {
  auto& st = self->state;
  st.services = std::move(services);
  st.options = std::move(options);
  auto& registry = metrics::registry::global();
  const metrics::labels labels{{"subscription", st.options.name}};
  st.gauges.position = &registry.get_gauge("commerce_subscription_position",
                                           "Global position of the last event the subscription handled", labels);
  st.gauges.lag_events = &registry.get_gauge("commerce_subscription_lag_events",
                                             "Events in the journal the subscription has not handled yet (up to 100000)",
                                             labels);
  st.gauges.lag_seconds = &registry.get_gauge("commerce_subscription_lag_seconds",
                                              "Age of the oldest event the subscription has not handled yet", labels);
  st.gauges.caught_up = &registry.get_gauge(
      "commerce_subscription_caught_up", "1 once the subscription has handled the journal as it was at its start",
      labels);
  st.gauges.parked = &registry.get_counter("commerce_subscription_parked_total",
                                           "Events the subscription's handler refused for good, parked as dead letters",
                                           labels);
  st.gauges.caught_up->set(0);
  st.gauges.position->set(0);
  self->send(self, poll_atom::value);
  self->send(self, status_atom::value);
  return {
      [self](poll_atom) {
        auto& st = self->state;
        if (st.options.active && !st.options.active()) {
          // Another node runs it; this one reloads the checkpoint when its turn comes.
          st.loaded = false;
          return self->delayed_send(self, st.options.poll_interval, poll_atom::value);
        }
        if (!st.loaded && !st.options.keep_checkpoint) st.loaded = true;  // from the start: `at` is {0, 0}
        if (!st.loaded) {
          self->request(st.services.reader.get(), st.options.timeout, protocols::load_atom::value, st.options.name)
              .then(
                  [self](protocols::checkpoint& at) {
                    auto& st = self->state;
                    if (at.position == 0 && st.options.start_at_head) return start_at_head(self);
                    st.at = st.saved = at;
                    st.loaded = true;
                    st.failures = 0;
                    st.gauges.position->set(at.position);
                    self->send(self, poll_atom::value);
                  },
                  [self](caf::error& e) { retry_later(self, "load checkpoint", e); });
          return;
        }
        const std::uint64_t limit = st.one_by_one_until ? 1 : st.options.batch;
        self->request(st.services.reader.get(), st.options.timeout, protocols::read_atom::value, st.at, limit)
            .then(
                [self](std::vector<protocols::stored_event>& events) {
                  auto& st = self->state;
                  if (events.empty()) {
                    // Nothing visible after `at`: whatever the head was at start is handled.
                    if (!st.caught_up && !st.start_head) st.start_head = st.at;
                    check_caught_up(self);
                    set_lag(self, 0, 0);
                    store_when_idle(self);
                    self->delayed_send(self, st.options.poll_interval, poll_atom::value);
                    return;
                  }
                  set_lag(self, std::max<std::int64_t>(st.behind, static_cast<std::int64_t>(events.size())),
                          events.front().recorded_at_ms);
                  deliver(self, std::move(events));
                },
                [self](caf::error& e) { retry_later(self, "read", e); });
      },
      [self](status_atom) { refresh_status(self); },
      [self](caf::get_atom) {
        auto& st = self->state;
        protocols::subscription_status s;
        s.name = st.options.name;
        s.caught_up = st.caught_up;
        s.at = st.at;
        s.head = st.last_head.head;
        s.behind = st.behind;
        s.lag_ms = st.lag_ms;
        return s;
      },
      [self](protocols::retry_atom, const protocols::dead_letter& letter) -> caf::result<std::string> {
        protocols::stored_event event;
        try {
          event = unparked(letter);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, "dead letter " + std::to_string(letter.id) +
                                                              " is not an event: " + e.what());
        }
        auto promise = self->make_response_promise<std::string>();
        self->request(self->state.services.handler, self->state.options.timeout, protocols::deliver_atom::value,
                      std::vector<protocols::stored_event>{std::move(event)})
            .then([promise]() mutable { promise.deliver(std::string("accepted")); },
                  [self, promise, id = letter.id](caf::error& e) mutable { not_handled(self, id, e, promise); });
        return promise;
      },
  };
}

}  // namespace

caf::actor spawn_subscription(caf::actor_system& system, subscription_services services,
                              subscription_options options) {
  return system.spawn(subscription, std::move(services), std::move(options));
}

}  // namespace commerce::actors
