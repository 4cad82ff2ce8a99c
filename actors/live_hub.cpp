// The hub of live streams (live_events.hpp): one reader of the journal's global order per node,
// however many streams are open.
#include "actors/live_events.hpp"

#include "common/log.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <vector>

namespace commerce::actors {
namespace {

using protocols::checkpoint;
using protocols::stored_event;
using poll_atom = caf::atom_constant<caf::atom("poll")>;

constexpr std::size_t page = 1000;
constexpr std::chrono::seconds idle_interval{1};
constexpr std::chrono::seconds retry_after{1};

struct hub_state {
  service<protocols::journal_reader_actor> reader;
  std::chrono::milliseconds poll_interval{};
  std::optional<checkpoint> place;  // the last event read; unknown until the first answer
  std::multimap<std::string, caf::actor> members;  // by what they follow ("" = everything)
  // Joins wait for the end of the next read, so that the place they are given is no older
  // than one poll, and only then become members: they get exactly the events after it.
  struct join {
    std::string follows;
    caf::actor member;
    caf::response_promise promise;
  };
  std::vector<join> joining;
  bool reading = false;
  bool read_again = false;  // a join came while a read was out: read at once after it
  std::uint64_t generation = 0;  // of the pending poll; a read started early makes it stale
  static inline const char* name = "live_hub";
};

using hub_actor = caf::stateful_actor<hub_state>*;

void read(hub_actor self);

void schedule(hub_actor self, std::chrono::milliseconds delay) {
  self->delayed_send(self, delay, poll_atom::value, self->state.generation);
}

std::chrono::milliseconds next_delay(hub_actor self) {
  return self->state.members.empty() ? idle_interval : self->state.poll_interval;
}

void admit_joins(hub_actor self) {
  auto& st = self->state;
  for (auto& j : st.joining) {
    st.members.emplace(std::move(j.follows), j.member);
    j.promise.deliver(*st.place);
  }
  st.joining.clear();
}

// Each member gets one message per batch with the events it follows.
void hand_out(hub_actor self, const std::vector<stored_event>& events) {
  auto& st = self->state;
  if (st.members.empty()) return;
  std::map<caf::actor, std::vector<stored_event>> out;
  const auto everything = st.members.equal_range("");
  for (const auto& e : events) {
    for (auto it = everything.first; it != everything.second; ++it) out[it->second].push_back(e);
    const auto followers = st.members.equal_range(e.stream_type + "/" + e.stream_id);
    for (auto it = followers.first; it != followers.second; ++it) out[it->second].push_back(e);
  }
  for (auto& [member, batch] : out) self->send(member, protocols::deliver_atom::value, std::move(batch));
}

void read(hub_actor self) {
  auto& st = self->state;
  if (st.reading) return;
  auto reader = st.reader.get();
  if (!reader) return schedule(self, retry_after);  // the reader is restarting
  st.reading = true;
  auto done = [self](bool full) {
    auto& st = self->state;
    st.reading = false;
    if (full || st.read_again) {
      st.read_again = false;
      return read(self);
    }
    schedule(self, next_delay(self));
  };
  if (!st.place) {
    self->request(reader, std::chrono::seconds(10), protocols::head_atom::value, checkpoint{})
        .then(
            [self, done](const protocols::journal_head& head) {
              self->state.place = head.head;
              admit_joins(self);
              done(false);
            },
            [self](caf::error&) {
              self->state.reading = false;
              schedule(self, retry_after);
            });
    return;
  }
  self->request(reader, std::chrono::seconds(10), protocols::read_atom::value, *st.place, std::uint64_t{page})
      .then(
          [self, done](std::vector<stored_event>& events) {
            if (!events.empty()) self->state.place = checkpoint{events.back().transaction_id, events.back().position};
            hand_out(self, events);
            admit_joins(self);
            done(events.size() == page);
          },
          [self](caf::error& e) {
            log::warn("live streams: journal read failed", {{"error", self->system().render(e)}});
            self->state.reading = false;
            schedule(self, retry_after);
          });
}

caf::behavior live_hub(caf::stateful_actor<hub_state>* self, service<protocols::journal_reader_actor> reader,
                       std::chrono::milliseconds poll_interval) {
  self->state.reader = std::move(reader);
  self->state.poll_interval = poll_interval;
  self->set_down_handler([self](const caf::down_msg& down) {
    auto& st = self->state;
    for (auto it = st.members.begin(); it != st.members.end();)
      it = it->second.address() == down.source ? st.members.erase(it) : std::next(it);
    st.joining.erase(std::remove_if(st.joining.begin(), st.joining.end(),
                                    [&](const hub_state::join& j) { return j.member.address() == down.source; }),
                     st.joining.end());
  });
  read(self);
  return {
      [self](join_atom, std::string& follows, caf::actor& member) {
        auto& st = self->state;
        self->monitor(member);
        auto promise = self->make_response_promise();
        st.joining.push_back({std::move(follows), std::move(member), promise});
        ++st.generation;  // read now, and every poll_interval from now on
        if (st.reading) st.read_again = true;
        else read(self);
        return promise;
      },
      [self](poll_atom, std::uint64_t generation) {
        if (generation == self->state.generation) read(self);
      },
  };
}

}  // namespace

caf::actor spawn_live_hub(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                          std::chrono::milliseconds poll_interval) {
  return system.spawn(live_hub, std::move(reader), poll_interval);
}

}  // namespace commerce::actors
