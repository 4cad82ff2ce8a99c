#include "actors/timer_service.hpp"

#include "common/log.hpp"
#include "protocols/entity.hpp"
#include "protocols/journal.hpp"

#include <caf/all.hpp>

#include <set>
#include <tuple>

namespace commerce::actors {
namespace {

using tick_atom = caf::tick_atom;
using timer_key = std::tuple<std::string, std::string, std::string, std::int64_t>;

struct timer_service_state {
  service<protocols::journal_reader_actor> reader;
  service<protocols::journal_writer_actor> writer;
  entity_regions regions;
  timer_service_options options;
  std::function<domain::timestamp()> clock;
  std::set<timer_key> delivering;  // not asked for again until their entity answers
  static inline const char* name = "timer_service";
};

using timer_service_actor = caf::stateful_actor<timer_service_state>;

timer_key key_of(const protocols::due_timer& t) { return {t.stream_type, t.stream_id, t.name, t.due_at_ms}; }

void deliver(timer_service_actor* self, const protocols::due_timer& timer) {
  auto& st = self->state;
  const auto region = st.regions.of(timer.stream_type);
  if (!region) {
    // An unknown kind, or its region is restarting: the next poll tries again.
    log::warn("no region for a due timer", {{"stream_type", timer.stream_type}, {"stream_id", timer.stream_id}});
    return;
  }
  if (!st.delivering.insert(key_of(timer)).second) return;
  self->request(region, st.options.timeout, protocols::timer_atom::value, timer.stream_id, timer.name, timer.due_at_ms)
      .then(
          [self, timer](protocols::entity_status status) {
            self->state.delivering.erase(key_of(timer));
            // Met, refused for good or dead-lettered: done. Storage trouble or a lost race: the
            // next poll retries.
            using protocols::entity_status;
            if (status == entity_status::accepted || status == entity_status::rejected ||
                status == entity_status::faulted)
              self->send(self->state.writer.get(), protocols::clear_atom::value, timer);
          },
          [self, timer](caf::error& e) {
            self->state.delivering.erase(key_of(timer));
            log::warn("timer not delivered", {{"stream", timer.stream_type + "/" + timer.stream_id},
                                              {"error", self->system().render(e)}});
          });
}

caf::behavior timer_service(timer_service_actor* self, service<protocols::journal_reader_actor> reader,
                            service<protocols::journal_writer_actor> writer, entity_regions regions,
                            timer_service_options options, std::function<domain::timestamp()> clock) {
  auto& st = self->state;
  st.reader = std::move(reader);
  st.writer = std::move(writer);
  st.regions = std::move(regions);
  st.options = options;
  st.clock = clock ? std::move(clock) : system_now;
  self->send(self, tick_atom::value);
  return {
      [self](tick_atom) {
        auto& st = self->state;
        self->request(st.reader.get(), st.options.timeout, protocols::due_atom::value, st.clock().ms_since_epoch,
                      static_cast<std::uint64_t>(st.options.batch))
            .then(
                [self](std::vector<protocols::due_timer>& due) {
                  const auto& serves = self->state.options.serves;
                  for (const auto& timer : due)
                    if (!serves || serves(timer.stream_type, timer.stream_id)) deliver(self, timer);
                  self->delayed_send(self, self->state.options.poll_interval, tick_atom::value);
                },
                [self](caf::error& e) {
                  log::warn("due timers not read", {{"error", self->system().render(e)}});
                  self->delayed_send(self, self->state.options.poll_interval, tick_atom::value);
                });
      },
  };
}

}  // namespace

caf::actor spawn_timer_service(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                               service<protocols::journal_writer_actor> writer, entity_regions regions,
                               timer_service_options options,
                               std::function<domain::timestamp()> clock) {
  return system.spawn(timer_service, std::move(reader), std::move(writer), std::move(regions), options,
                      std::move(clock));
}

}  // namespace commerce::actors
