#include "actors/subscription.hpp"

#include "common/log.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/subscription.hpp"
#include "supervision/backoff.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <tuple>

namespace commerce::actors {
namespace {

using poll_atom = caf::atom_constant<caf::atom("poll")>;

struct subscription_state {
  caf::actor reader, writer, handler, dead_letters;
  subscription_options options;
  protocols::checkpoint at;
  bool loaded = false;  // `at` came from the store: never start from scratch by mistake
  int failures = 0;     // refusals of the batch at `at`
  std::optional<protocols::checkpoint> one_by_one_until;  // the end of a batch that kept failing
  static inline const char* name = "subscription";
};

using subscription_actor = caf::stateful_actor<subscription_state>;

void retry_later(subscription_actor* self, const char* what, const caf::error& e) {
  log::warn("subscription stalled", {{"subscription", self->state.options.name}, {"step", what},
                                     {"error", self->system().render(e)}});
  self->delayed_send(self, self->state.options.retry_after, poll_atom::value);
}

bool before(const protocols::checkpoint& a, const protocols::checkpoint& b) {
  return std::tie(a.transaction_id, a.position) < std::tie(b.transaction_id, b.position);
}

void moved_to(subscription_actor* self, protocols::checkpoint last) {
  auto& st = self->state;
  st.at = last;
  st.failures = 0;
  if (st.one_by_one_until && !before(last, *st.one_by_one_until)) st.one_by_one_until.reset();
  self->send(self, poll_atom::value);
}

void advance_to(subscription_actor* self, protocols::checkpoint last) {
  auto& st = self->state;
  if (!st.options.keep_checkpoint) return moved_to(self, last);
  self->request(st.writer, st.options.timeout, protocols::save_atom::value, st.options.name, last)
      .then([self, last]() { moved_to(self, last); },
            [self](caf::error& e) { retry_later(self, "save checkpoint", e); });
}

void park(subscription_actor* self, const protocols::stored_event& e, const std::string& reason) {
  auto& st = self->state;
  protocols::dead_letter letter;
  letter.target = "subscription/" + st.options.name;
  letter.message_type = e.event_type;
  letter.payload = boost::json::serialize(boost::json::object{
      {"stream_type", e.stream_type}, {"stream_id", e.stream_id}, {"version", e.version},
      {"position", e.position}, {"transaction_id", e.transaction_id}, {"schema_version", e.schema_version},
      {"data", e.data}, {"metadata", e.metadata}, {"recorded_at_ms", e.recorded_at_ms}});
  letter.reason = reason;
  letter.attempts = st.failures;
  log::error("event dead-lettered", {{"subscription", st.options.name}, {"position", e.position},
                                     {"type", e.event_type}, {"error", reason}});
  if (st.dead_letters) caf::anon_send(st.dead_letters, caf::put_atom::value, std::move(letter));
}

void refused(subscription_actor* self, std::vector<protocols::stored_event> events, const caf::error& e) {
  auto& st = self->state;
  if (++st.failures < st.options.max_attempts) {
    // retry_after, doubling, at most 32 times it; no jitter, one subscription per handler.
    const supervision::backoff_policy policy{st.options.retry_after, st.options.retry_after * 32, 2.0, 0.0};
    const auto delay = supervision::backoff_delay(policy, st.failures - 1, 0.0);
    log::warn("delivery refused", {{"subscription", st.options.name}, {"attempt", st.failures},
                                   {"error", self->system().render(e)}});
    self->delayed_send(self, delay, poll_atom::value);
    return;
  }
  const protocols::checkpoint last{events.back().transaction_id, events.back().position};
  if (events.size() > 1) {
    st.one_by_one_until = last;  // find the event that fails
    st.failures = 0;
    self->send(self, poll_atom::value);
    return;
  }
  park(self, events.front(), self->system().render(e));
  advance_to(self, last);
}

void deliver(subscription_actor* self, std::vector<protocols::stored_event> events) {
  auto& st = self->state;
  const protocols::checkpoint last{events.back().transaction_id, events.back().position};
  self->request(st.handler, st.options.timeout, protocols::deliver_atom::value, events)
      .then([self, last]() { advance_to(self, last); },
            [self, events](caf::error& e) mutable { refused(self, std::move(events), e); });
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

caf::behavior subscription(subscription_actor* self, caf::actor reader, caf::actor writer, caf::actor handler,
                           caf::actor dead_letters, subscription_options options) {
  auto& st = self->state;
  st.reader = std::move(reader);
  st.writer = std::move(writer);
  st.handler = std::move(handler);
  st.dead_letters = std::move(dead_letters);
  st.options = std::move(options);
  self->send(self, poll_atom::value);
  return {
      [self](poll_atom) {
        auto& st = self->state;
        if (!st.loaded && !st.options.keep_checkpoint) st.loaded = true;  // from the start: `at` is {0, 0}
        if (!st.loaded) {
          self->request(st.reader, st.options.timeout, protocols::load_atom::value, st.options.name)
              .then(
                  [self](protocols::checkpoint& at) {
                    self->state.at = at;
                    self->state.loaded = true;
                    self->send(self, poll_atom::value);
                  },
                  [self](caf::error& e) { retry_later(self, "load checkpoint", e); });
          return;
        }
        const std::uint64_t limit = st.one_by_one_until ? 1 : st.options.batch;
        self->request(st.reader, st.options.timeout, protocols::read_atom::value, st.at, limit)
            .then(
                [self](std::vector<protocols::stored_event>& events) {
                  if (events.empty())
                    self->delayed_send(self, self->state.options.poll_interval, poll_atom::value);
                  else
                    deliver(self, std::move(events));
                },
                [self](caf::error& e) { retry_later(self, "read", e); });
      },
      [self](protocols::retry_atom, const protocols::dead_letter& letter) -> caf::result<caf::unit_t> {
        protocols::stored_event event;
        try {
          event = unparked(letter);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, "dead letter " + std::to_string(letter.id) +
                                                              " is not an event: " + e.what());
        }
        auto promise = self->make_response_promise<caf::unit_t>();
        self->request(self->state.handler, self->state.options.timeout, protocols::deliver_atom::value,
                      std::vector<protocols::stored_event>{std::move(event)})
            .then([promise]() mutable { promise.deliver(caf::unit); },
                  [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
        return promise;
      },
  };
}

}  // namespace

caf::actor spawn_subscription(caf::actor_system& system, caf::actor reader, caf::actor writer, caf::actor handler,
                              caf::actor dead_letters, subscription_options options) {
  return system.spawn(subscription, std::move(reader), std::move(writer), std::move(handler), std::move(dead_letters),
                      std::move(options));
}

}  // namespace commerce::actors
