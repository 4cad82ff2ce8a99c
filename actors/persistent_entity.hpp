// The one generic persistent entity and the shard region that owns a kind's entities.
//
// persistent_entity<Decider> is Akka's EventSourcedBehavior in CAF: it recovers from the latest
// snapshot and the events after it, then runs command → decide → append → evolve → reply,
// answering only once the events are durable. Commands that arrive while it recovers or while
// an append is in flight wait in a stash, in order. A conflicting append (another writer got
// there first) reloads the missing events and decides once more. Every `snapshot_every` events
// it saves a snapshot; after `passivate_after` without messages it asks its region to stop
// routing to it and stops. Its durable deadline (reservation expiry, …) is written with the
// events that change it and delivered back by the timer service as the kind's on_deadline command.
//
// Heavy (caf/all.hpp): include it only where a kind is registered (entity_kinds.cpp).
#pragma once

#include "domain/decision.hpp"
#include "domain/event_codec.hpp"
#include "protocols/entity.hpp"
#include "protocols/journal.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <vector>

namespace commerce::actors {

struct entity_settings {
  std::chrono::milliseconds passivate_after{std::chrono::minutes(2)};
  std::int64_t snapshot_every = 100;  // events between snapshots; 0: never
  std::chrono::milliseconds journal_timeout{std::chrono::seconds(10)};
};

// What every entity of every kind uses.
struct entity_services {
  caf::actor writer;
  std::vector<caf::actor> readers;  // an entity always uses the same one, chosen by its id
  std::function<domain::timestamp()> clock;
};

// What makes a kind a kind, besides its decider.
template <class Decider>
struct entity_kind {
  using state = typename Decider::state;
  entity_settings settings;
  // The entity's one durable deadline in a state, if any, and the command to run when it comes.
  std::function<std::optional<domain::timestamp>(const state&)> deadline;
  std::function<typename Decider::command()> on_deadline;
};

namespace detail {

inline constexpr const char* deadline_timer = "deadline";
using idle_atom = caf::atom_constant<caf::atom("idle")>;

template <class Decider>
struct entity_runtime {
  entity_kind<Decider> kind;
  entity_services services;
  caf::actor region;
};

template <class Decider>
struct pending_command {
  std::optional<typename Decider::command> command;  // none: only read the state
  protocols::command_metadata meta;
  caf::response_promise promise;
  std::int64_t timer_due_ms = 0;  // a timer delivery (answered with the status only)
  bool retried = false;     // decided again after a conflict
};

template <class Decider>
struct in_flight_append {
  pending_command<Decider> command;
  typename Decider::state next;
  std::vector<typename Decider::event> events;
  std::int64_t deadline_ms = 0;
};

template <class Decider>
struct entity_state {
  std::string id;
  std::shared_ptr<const entity_runtime<Decider>> runtime;
  typename Decider::state state;
  std::int64_t version = 0;
  std::int64_t snapshot_version = 0;
  std::int64_t deadline_ms = 0;  // as the timers table has it; 0: none
  bool recovered = false;
  bool passivating = false;
  std::optional<in_flight_append<Decider>> append;  // also set while reloading after a conflict
  std::vector<pending_command<Decider>> stash;
  std::chrono::steady_clock::time_point last_message;
  static inline const char* name = "persistent_entity";
};

template <class Decider>
using entity_actor = caf::stateful_actor<entity_state<Decider>>;

// The kind's deadline in `state` as the timers table stores it: ms since the epoch, 0 for none.
template <class Decider>
std::int64_t deadline_of(const entity_kind<Decider>& kind, const typename Decider::state& state) {
  const auto due = kind.deadline ? kind.deadline(state) : std::nullopt;
  return due ? due->ms_since_epoch : 0;
}

inline std::string metadata_json(const protocols::command_metadata& m) {
  boost::json::object out;
  if (!m.command_id.empty()) out["command_id"] = m.command_id;
  if (!m.correlation_id.empty()) out["correlation_id"] = m.correlation_id;
  if (!m.causation_id.empty()) out["causation_id"] = m.causation_id;
  return boost::json::serialize(out);
}

template <class Decider>
const caf::actor& reader_for(entity_actor<Decider>* self) {
  const auto& readers = self->state.runtime->services.readers;
  return readers[std::hash<std::string>{}(self->state.id) % readers.size()];
}

template <class Decider>
void reply(pending_command<Decider>& p, const entity_state<Decider>& st, protocols::entity_status status,
           std::optional<domain::rejection> why = std::nullopt, std::vector<typename Decider::event> events = {}) {
  if (p.timer_due_ms) {
    p.promise.deliver(status);
    return;
  }
  p.promise.deliver(protocols::entity_reply<Decider>{status, std::move(why), st.state, st.version, std::move(events)});
}

template <class Decider>
void apply_stored(entity_state<Decider>& st, const std::vector<protocols::stored_event>& events) {
  for (const auto& e : events) {
    st.state = Decider::evolve(std::move(st.state), domain::decode_event<typename Decider::event>(
                                                        e.event_type, e.schema_version, boost::json::parse(e.data)));
    st.version = e.version;
  }
}

template <class Decider>
void drain(entity_actor<Decider>* self);

template <class Decider>
void handle(entity_actor<Decider>* self, pending_command<Decider> p);

template <class Decider>
void append_done(entity_actor<Decider>* self, const protocols::append_result& result) {
  using protocols::append_status;
  using protocols::entity_status;
  auto& st = self->state;
  auto done = std::move(*st.append);
  st.append.reset();
  switch (result.status) {
    case append_status::appended: {
      st.state = std::move(done.next);
      st.version = result.version;
      st.deadline_ms = done.deadline_ms;
      reply(done.command, st, entity_status::accepted, std::nullopt, std::move(done.events));
      const auto every = st.runtime->kind.settings.snapshot_every;
      if (every > 0 && st.version - st.snapshot_version >= every) {
        self->send(st.runtime->services.writer, protocols::save_atom::value,
                   protocols::snapshot{std::string(Decider::stream_type), st.id, st.version,
                                       Decider::state_schema_version,
                                       boost::json::serialize(boost::json::value_from(st.state))});
        st.snapshot_version = st.version;
      }
      break;
    }
    case append_status::conflict: {
      if (done.command.retried) {
        reply(done.command, st, entity_status::conflict);
        break;
      }
      // Someone else wrote this stream (a stale owner, a timeout that did land): catch up, decide again.
      done.command.retried = true;
      st.append = std::move(done);  // stay busy while reloading
      self->request(reader_for(self), st.runtime->kind.settings.journal_timeout, protocols::load_atom::value,
                    std::string(Decider::stream_type), st.id, st.version + 1, false)
          .then(
              [self](protocols::recovered_stream& missed) {
                auto& st = self->state;
                auto retry = std::move(st.append->command);
                st.append.reset();
                apply_stored(st, missed.events);
                st.deadline_ms = deadline_of(st.runtime->kind, st.state);
                handle(self, std::move(retry));
                drain(self);
              },
              [self](caf::error&) {
                auto& st = self->state;
                reply(st.append->command, st, protocols::entity_status::storage_unavailable);
                st.append.reset();
                drain(self);
              });
      return;
    }
    case append_status::storage_unavailable:
      reply(done.command, st, entity_status::storage_unavailable);
      break;
  }
  drain(self);
}

template <class Decider>
void handle(entity_actor<Decider>* self, pending_command<Decider> p) {
  using protocols::entity_status;
  auto& st = self->state;
  const auto& rt = *st.runtime;
  if (!p.command) return reply(p, st, entity_status::accepted);
  auto decision = Decider::decide(st.state, *p.command, domain::context{rt.services.clock()});
  if (!decision.accepted() || decision.events().empty()) {
    // The timer service deletes the row it delivered once we answer; should the deadline still
    // stand, the next append writes it again.
    if (p.timer_due_ms != 0 && p.timer_due_ms == st.deadline_ms) st.deadline_ms = 0;
    if (!decision.accepted()) return reply(p, st, entity_status::rejected, decision.error());
    return reply(p, st, entity_status::accepted);  // already so: retries are idempotent
  }

  in_flight_append<Decider> flight{std::move(p), domain::evolve_all<Decider>(st.state, decision.events()),
                                   decision.events(), 0};
  flight.deadline_ms = deadline_of(rt.kind, flight.next);
  protocols::append_request request{std::string(Decider::stream_type), st.id, st.version, {}, {}};
  const auto metadata = metadata_json(flight.command.meta);
  for (const auto& e : flight.events) {
    auto encoded = domain::encode_event(e);
    request.events.push_back({std::move(encoded.type), encoded.schema_version, boost::json::serialize(encoded.data),
                              metadata});
  }
  if (flight.deadline_ms != st.deadline_ms) request.timers.push_back({deadline_timer, flight.deadline_ms});
  st.append = std::move(flight);
  self->request(rt.services.writer, rt.kind.settings.journal_timeout, protocols::append_atom::value, std::move(request))
      .then([self](protocols::append_result& result) { append_done(self, result); },
            [self](caf::error&) {
              // No answer in time: the events may or may not have landed. Nothing is applied; the
              // next append finds out through the version check.
              append_done(self, {protocols::append_status::storage_unavailable, 0});
            });
}

// Runs stashed commands in order until one starts an append.
template <class Decider>
void drain(entity_actor<Decider>* self) {
  auto& st = self->state;
  std::size_t next = 0;
  while (st.recovered && !st.append && next < st.stash.size()) handle(self, std::move(st.stash[next++]));
  st.stash.erase(st.stash.begin(), st.stash.begin() + static_cast<std::ptrdiff_t>(next));
  if (st.stash.empty()) std::vector<pending_command<Decider>>().swap(st.stash);  // idle entities stay small
  if (st.passivating && !st.append && st.stash.empty()) self->quit();
}

template <class Decider>
void enqueue(entity_actor<Decider>* self, pending_command<Decider> p) {
  auto& st = self->state;
  st.last_message = std::chrono::steady_clock::now();
  st.stash.push_back(std::move(p));
  drain(self);
}

template <class Decider>
void recover(entity_actor<Decider>* self, bool use_snapshot) {
  auto& st = self->state;
  self->request(reader_for(self), st.runtime->kind.settings.journal_timeout, protocols::load_atom::value,
                std::string(Decider::stream_type), st.id, std::int64_t{1}, use_snapshot)
      .then(
          [self](protocols::recovered_stream& stream) {
            auto& st = self->state;
            if (const auto& s = stream.from_snapshot) {
              // A snapshot of another shape (an older build's) is skipped, never guessed at.
              try {
                if (s->schema_version != Decider::state_schema_version) throw domain::codec_error("schema");
                st.state = boost::json::value_to<typename Decider::state>(boost::json::parse(s->data));
                st.version = st.snapshot_version = s->version;
              } catch (const std::exception&) {
                return recover(self, false);
              }
            }
            apply_stored(st, stream.events);
            st.deadline_ms = deadline_of(st.runtime->kind, st.state);
            st.recovered = true;
            drain(self);
          },
          [self](caf::error&) {
            // The journal is away: tell everyone waiting and stop; the next message activates afresh.
            auto& st = self->state;
            for (auto& p : st.stash) reply(p, st, protocols::entity_status::storage_unavailable);
            st.stash.clear();
            self->quit();
          });
}

template <class Decider>
caf::behavior persistent_entity(entity_actor<Decider>* self, std::string id,
                                std::shared_ptr<const entity_runtime<Decider>> runtime) {
  auto& st = self->state;
  st.id = std::move(id);
  st.runtime = std::move(runtime);
  st.state = Decider::initial(st.id);
  st.last_message = std::chrono::steady_clock::now();
  recover(self, true);
  self->delayed_send(self, st.runtime->kind.settings.passivate_after, idle_atom::value);
  return {
      [self](protocols::entity_command<Decider>& c) {
        enqueue(self, pending_command<Decider>{std::move(c.command), std::move(c.meta), self->make_response_promise()});
      },
      [self](const protocols::entity_get<Decider>&) {
        enqueue(self, pending_command<Decider>{std::nullopt, {}, self->make_response_promise()});
      },
      [self](protocols::timer_atom, const std::string&, const std::string&, std::int64_t due_at_ms) {
        const auto& kind = self->state.runtime->kind;
        pending_command<Decider> p{std::nullopt, {}, self->make_response_promise(), due_at_ms};
        if (kind.on_deadline) p.command = kind.on_deadline();
        p.meta.causation_id = "timer:" + std::to_string(due_at_ms);
        enqueue(self, std::move(p));
      },
      [self](idle_atom) {
        auto& st = self->state;
        const auto idle_for = std::chrono::steady_clock::now() - st.last_message;
        const auto limit = st.runtime->kind.settings.passivate_after;
        if (idle_for < limit || st.append || !st.stash.empty()) {
          self->delayed_send(self, std::max<std::chrono::steady_clock::duration>(limit - idle_for, limit / 10),
                             idle_atom::value);
          return;
        }
        // Every message the region routed here before it answers is already in the mailbox.
        self->request(st.runtime->region, caf::infinite, protocols::passivate_atom::value, st.id)
            .then([self] {
              self->state.passivating = true;
              drain(self);
            });
      },
  };
}

template <class Decider>
struct region_state {
  std::shared_ptr<const entity_runtime<Decider>> runtime;
  std::unordered_map<std::string, caf::actor> entities;
  static inline const char* name = "shard_region";
};

template <class Decider>
const caf::actor& entity_for(caf::stateful_actor<region_state<Decider>>* self, const std::string& id) {
  auto& slot = self->state.entities[id];
  if (!slot) {
    slot = self->spawn(persistent_entity<Decider>, id, self->state.runtime);
    self->monitor(slot);
  }
  return slot;
}

template <class Decider>
caf::behavior shard_region(caf::stateful_actor<region_state<Decider>>* self, entity_kind<Decider> kind,
                           entity_services services) {
  self->state.runtime = std::make_shared<const entity_runtime<Decider>>(
      entity_runtime<Decider>{std::move(kind), std::move(services), caf::actor_cast<caf::actor>(self)});
  // Entities are not linked (a fault in one must not take the region down), so the region
  // passes its own shutdown on to them.
  self->set_exit_handler([self](caf::exit_msg& exit) {
    for (auto& [id, entity] : self->state.entities) self->send_exit(entity, exit.reason);
    self->quit(std::move(exit.reason));
  });
  // Only an entity that stopped without passivating (a failed recovery, a fault) gets here.
  self->set_down_handler([self](caf::down_msg& down) {
    auto& entities = self->state.entities;
    for (auto it = entities.begin(); it != entities.end(); ++it)
      if (it->second.address() == down.source) {
        entities.erase(it);
        return;
      }
  });
  return {
      [self](protocols::entity_command<Decider>& c) {
        const auto& entity = entity_for(self, c.id);
        self->delegate(entity, std::move(c));
      },
      [self](protocols::entity_get<Decider>& g) {
        const auto& entity = entity_for(self, g.id);
        self->delegate(entity, std::move(g));
      },
      [self](protocols::timer_atom timer, const std::string& id, const std::string& name, std::int64_t due_at_ms) {
        self->delegate(entity_for(self, id), timer, id, name, due_at_ms);
      },
      [self](protocols::passivate_atom, const std::string& id) {
        auto& entities = self->state.entities;
        auto it = entities.find(id);
        if (it != entities.end() && it->second == caf::actor_cast<caf::actor>(self->current_sender())) {
          self->demonitor(it->second);
          entities.erase(it);
        }
      },
      [self](protocols::count_atom) { return self->state.entities.size(); },
  };
}

}  // namespace detail

// A region for one kind; send it the shard-region protocol of protocols/entity.hpp.
template <class Decider>
caf::actor spawn_region(caf::actor_system& system, entity_kind<Decider> kind, entity_services services) {
  return system.spawn(detail::shard_region<Decider>, std::move(kind), std::move(services));
}

}  // namespace commerce::actors
