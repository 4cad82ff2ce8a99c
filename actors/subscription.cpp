#include "actors/subscription.hpp"

#include "common/log.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

namespace commerce::actors {
namespace {

using poll_atom = caf::atom_constant<caf::atom("poll")>;

struct subscription_state {
  caf::actor reader, writer, handler;
  subscription_options options;
  protocols::checkpoint at;
  bool loaded = false;  // `at` came from the store: never start from scratch by mistake
  static inline const char* name = "subscription";
};

using subscription_actor = caf::stateful_actor<subscription_state>;

void retry_later(subscription_actor* self, const char* what, const caf::error& e) {
  log::warn("subscription stalled", {{"subscription", self->state.options.name}, {"step", what},
                                     {"error", self->system().render(e)}});
  self->delayed_send(self, self->state.options.retry_after, poll_atom::value);
}

void deliver(subscription_actor* self, std::vector<protocols::stored_event> events) {
  auto& st = self->state;
  const protocols::checkpoint last{events.back().transaction_id, events.back().position};
  self->request(st.handler, st.options.timeout, protocols::deliver_atom::value, std::move(events))
      .then(
          [self, last]() {
            auto& st = self->state;
            self->request(st.writer, st.options.timeout, protocols::save_atom::value, st.options.name, last)
                .then(
                    [self, last]() {
                      self->state.at = last;
                      self->send(self, poll_atom::value);
                    },
                    [self](caf::error& e) { retry_later(self, "save checkpoint", e); });
          },
          [self](caf::error& e) { retry_later(self, "deliver", e); });
}

caf::behavior subscription(subscription_actor* self, caf::actor reader, caf::actor writer, caf::actor handler,
                           subscription_options options) {
  auto& st = self->state;
  st.reader = std::move(reader);
  st.writer = std::move(writer);
  st.handler = std::move(handler);
  st.options = std::move(options);
  self->send(self, poll_atom::value);
  return {
      [self](poll_atom) {
        auto& st = self->state;
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
        self->request(st.reader, st.options.timeout, protocols::read_atom::value, st.at,
                      static_cast<std::uint64_t>(st.options.batch))
            .then(
                [self](std::vector<protocols::stored_event>& events) {
                  if (events.empty())
                    self->delayed_send(self, self->state.options.poll_interval, poll_atom::value);
                  else
                    deliver(self, std::move(events));
                },
                [self](caf::error& e) { retry_later(self, "read", e); });
      },
  };
}

}  // namespace

caf::actor spawn_subscription(caf::actor_system& system, caf::actor reader, caf::actor writer, caf::actor handler,
                              subscription_options options) {
  return system.spawn(subscription, std::move(reader), std::move(writer), std::move(handler), std::move(options));
}

}  // namespace commerce::actors
