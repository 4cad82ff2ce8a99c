// The one generic persistent entity. Its kind's shard region is in shard_region.hpp, the
// dead-letter form of its commands in parked_commands.hpp.
//
// persistent_entity<Decider> is Akka's EventSourcedBehavior in CAF: it recovers from the latest
// snapshot and the events after it, then runs command → decide → append → evolve → reply,
// answering only once the events are durable. Commands that arrive while it recovers or while
// an append is in flight wait in a stash, in order. A conflicting append (another writer got
// there first) reloads the missing events and decides once more. Every `snapshot_every` events
// it saves a snapshot; after `passivate_after` without messages it asks its region to stop
// routing to it and stops. Its durable timers (a cart's reservation expiry, …), each by name,
// are written with the events that change them and delivered back by the timer service as the
// command the kind's on_timer makes of the name.
//
// Faults are not rejections. An exception while deciding or replaying (a bug, an event this
// build cannot read) restarts the entity in place, as Akka's restart supervision does: the
// state is thrown away and recovered from the journal after a backoff, the stash is kept, and
// the command that faulted is tried again first. After `max_command_attempts` it is answered
// `faulted` and parked in the dead-letter office, so a poison command never loops; an operator
// can deliver it again (retry_atom to the region) once the cause is fixed.
//
// A kind may be a process manager (the checkout saga): its `react` runs after recovery and
// after every append, starts the step the state calls for, and reports the step's outcome back
// as a command to the same entity — Akka's persist-then-run side effect. One step runs at a
// time: until the running step reports (or every part of it has ended, holding `busy` no
// more), react is not called again, so an outside call is never sent twice at once.
// entity_watch waits until the kind's `settled` holds.
//
// Heavy (caf/all.hpp): include it only where a kind is registered (kinds/kind_region.hpp).
#pragma once

#include "actors/entity_services.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/decision.hpp"
#include "actors/parked_commands.hpp"
#include "domain/event_codec.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/entity.hpp"
#include "protocols/journal.hpp"
#include "supervision/backoff.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <unordered_map>
#include <vector>

namespace commerce::actors {

struct entity_settings {
  std::chrono::milliseconds passivate_after{std::chrono::minutes(2)};
  // An entity without events was only asked about (an unknown id): it holds nothing worth
  // keeping, so it goes after this instead, and a flood of random ids costs little memory.
  std::chrono::milliseconds passivate_unknown_after{500};
  std::int64_t snapshot_every = 100;  // events between snapshots; 0: never
  std::chrono::milliseconds journal_timeout{std::chrono::seconds(10)};
  int max_command_attempts = 3;  // a command that faults this often is dead-lettered
  std::size_t max_stash = 1000;     // commands waiting beyond this are answered storage_unavailable at once
  std::size_t max_watchers = 64;    // entity_watch beyond this is answered with an error at once
  supervision::backoff_policy restart_backoff{std::chrono::milliseconds(50), std::chrono::seconds(5)};
};

// Due times by timer name; a timer not in the set is not set.
using entity_timers = std::map<std::string, domain::timestamp>;
// The same as the timers table stores it: ms since the epoch.
using stored_timers = std::map<std::string, std::int64_t>;

// One timer named `name` when `due` holds a time, else none.
inline entity_timers timers_named(const std::string& name, std::optional<domain::timestamp> due) {
  return due ? entity_timers{{name, *due}} : entity_timers{};
}

// What makes a kind a kind, besides its decider.
template <class Decider>
struct entity_kind {
  using state = typename Decider::state;
  entity_settings settings;
  // The entity's durable timers in a state, by name (none: no timers), and the command to run
  // when one comes; a name it no longer knows (a timer of an older build) is answered at once.
  std::function<entity_timers(const state&)> timers;
  std::function<std::optional<typename Decider::command>(const std::string& name)> on_timer;
  // Process managers only: runs the step `state` calls for. `appended` are the events just
  // persisted (empty after recovery or a watch); the step holds `busy` while any part of it
  // runs; `tell` brings its outcome back.
  std::function<void(caf::event_based_actor* self, const state&, const std::vector<typename Decider::event>& appended,
                     std::shared_ptr<const void> busy, std::function<void(typename Decider::command)> tell)>
      react;
  // What entity_watch waits for; none: watchers are answered at once.
  std::function<bool(const state&)> settled;
};

namespace detail {

using idle_atom = caf::atom_constant<caf::atom("idle")>;
using restart_atom = caf::atom_constant<caf::atom("restart")>;
// A command its entity could not store because the entity's shard moved to another node (the
// journal fenced the append): the region keeps it until it knows the new owner, then routes it
// there. Nothing was stored, so the asker never sees the move.
using reroute_atom = caf::atom_constant<caf::atom("reroute")>;

template <class Decider>
struct entity_runtime {
  entity_kind<Decider> kind;
  entity_services services;
  caf::actor region;
  // Labelled with the kind, for /metrics.
  metrics::counter& restarts = metrics::registry::global().get_counter(
      "commerce_entity_restarts_total", "Entities restarted in place from their journal after a fault",
      {{"kind", std::string(Decider::stream_type)}});
  metrics::gauge& active = metrics::registry::global().get_gauge(
      "commerce_entities_active", "Entities in memory", {{"kind", std::string(Decider::stream_type)}});
  metrics::gauge& region_mailbox = metrics::mailbox_size("region/" + std::string(Decider::stream_type));
  metrics::counter& forwarded = metrics::registry::global().get_counter(
      "commerce_cluster_forwarded_total", "Messages sent on to the node that owns their entity's shard",
      {{"kind", std::string(Decider::stream_type)}});
  metrics::histogram& forward_latency = metrics::registry::global().get_histogram(
      "commerce_cluster_forward_seconds", "From forwarding a message to another node to its answer",
      {{"kind", std::string(Decider::stream_type)}}, metrics::latency_bounds());
  metrics::counter& rerouted = metrics::registry::global().get_counter(
      "commerce_cluster_rerouted_total", "Commands fenced by the journal after their shard moved, routed to its new owner",
      {{"kind", std::string(Decider::stream_type)}});
};

template <class Decider>
struct pending_command {
  std::optional<typename Decider::command> command;  // none: only read the state
  protocols::command_metadata meta;
  caf::response_promise promise;
  std::int64_t timer_due_ms = 0;  // a timer delivery (answered with the status only)
  std::string timer_name = {};
  bool retried = false;     // decided again after a conflict
  int faults = 0;           // times it faulted so far
  std::int64_t first_fault_ms = 0;
  std::optional<std::int64_t> expected_version = std::nullopt;
};

template <class Decider>
struct in_flight_append {
  pending_command<Decider> command;
  typename Decider::state next;
  std::vector<typename Decider::event> events;
  stored_timers timers;
};

template <class Decider>
struct entity_state {
  std::string id;
  std::shared_ptr<const entity_runtime<Decider>> runtime;
  typename Decider::state state;
  std::int64_t version = 0;
  std::int64_t snapshot_version = 0;
  stored_timers timers;  // as the timers table has them
  bool recovered = false;
  bool passivation_asked = false;
  bool passivating = false;
  int failed_recoveries = 0;  // in a row
  std::optional<in_flight_append<Decider>> append;  // also set while reloading after a conflict
  std::vector<pending_command<Decider>> stash;
  std::vector<caf::response_promise> watchers;  // entity_watch, until settled
  std::weak_ptr<const void> running_step;        // a process step not yet reported nor ended
  std::vector<typename Decider::event> unreacted;  // appended while a step ran: the next react gets them
  std::chrono::steady_clock::time_point last_message;
  static inline const char* name = "persistent_entity";
};

template <class Decider>
using entity_actor = caf::stateful_actor<entity_state<Decider>>;

// The kind's timers in `state` as the timers table stores them.
template <class Decider>
stored_timers timers_of(const entity_kind<Decider>& kind, const typename Decider::state& state) {
  stored_timers out;
  if (kind.timers)
    for (const auto& [name, due] : kind.timers(state)) out.emplace(name, due.ms_since_epoch);
  return out;
}

// What the timers table must change to go from `before` to `after`: set or moved timers with
// their due time, cleared ones with 0.
inline std::vector<protocols::timer_change> timer_changes(const stored_timers& before, const stored_timers& after) {
  std::vector<protocols::timer_change> out;
  for (const auto& [name, due] : after)
    if (auto it = before.find(name); it == before.end() || it->second != due) out.push_back({name, due});
  for (const auto& [name, due] : before)
    if (!after.count(name)) out.push_back({name, 0});
  return out;
}

template <class Decider>
protocols::journal_reader_actor reader_for(entity_actor<Decider>* self) {
  const auto& readers = self->state.runtime->services.readers;
  return readers[std::hash<std::string>{}(self->state.id) % readers.size()].get();
}

template <class Decider>
void reply(pending_command<Decider>& p, const entity_state<Decider>& st, protocols::entity_status status,
           std::optional<domain::rejection> why = std::nullopt, std::vector<typename Decider::event> events = {}) {
  if (p.timer_due_ms) {
    p.promise.deliver(status);
    return;
  }
  p.promise.deliver(protocols::entity_reply<Decider>{status, std::move(why), st.state, st.version, std::move(events),
                                                    st.runtime->services.node_id});
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
void recover(entity_actor<Decider>* self, bool use_snapshot);

// Throws the in-memory state away and recovers it from the journal after a backoff. Messages
// that arrive meanwhile wait in the stash.
template <class Decider>
void restart(entity_actor<Decider>* self, int attempt) {
  static thread_local std::mt19937_64 random{std::random_device{}()};
  auto& st = self->state;
  st.state = Decider::initial(st.id);
  st.version = st.snapshot_version = 0;
  st.timers.clear();
  st.recovered = false;
  const auto delay = supervision::backoff_delay(st.runtime->kind.settings.restart_backoff, attempt,
                                                std::uniform_real_distribution<double>(0, 1)(random));
  st.runtime->restarts.add();
  self->delayed_send(self, delay, restart_atom::value);
}

// Answers `faulted` and parks the command in the dead-letter office.
template <class Decider>
void give_up_on(entity_actor<Decider>* self, pending_command<Decider>& p, const std::string& reason) {
  auto& st = self->state;
  const auto& services = st.runtime->services;
  if (p.command) {
    auto letter = parked<Decider>(st.id, *p.command, p.meta, p.faults, p.first_fault_ms, reason,
                                  services.clock().ms_since_epoch);
    log::error("command dead-lettered", {{"entity", letter.target}, {"command", letter.message_type},
                                         {"attempts", letter.attempts}, {"error", reason}});
    if (auto office = services.dead_letters.get())
      caf::anon_send(office, caf::put_atom::value, std::move(letter));
    else if (services.dead_letters)  // restarting: the log is all that is left of it
      log::error("dead-letter office unavailable; letter only logged", {{"entity", letter.target}, {"payload", letter.payload}});
  }
  reply(p, st, protocols::entity_status::faulted);
}

// A command faulted (an exception while deciding on it or catching up for it): restart, and try
// it again first, up to its budget.
template <class Decider>
void command_fault(entity_actor<Decider>* self, pending_command<Decider> p, const std::string& reason) {
  auto& st = self->state;
  if (p.faults++ == 0) p.first_fault_ms = st.runtime->services.clock().ms_since_epoch;
  const int attempt = p.faults - 1;
  log::warn("entity faulted, restarting from its journal",
            {{"entity", target_of<Decider>(st.id)}, {"attempt", p.faults}, {"error", reason}});
  if (p.faults >= st.runtime->kind.settings.max_command_attempts) give_up_on(self, p, reason);
  else st.stash.insert(st.stash.begin(), std::move(p));
  restart(self, attempt);
}

// The journal answered but its events cannot be replayed: restart within the budget, then park
// everything waiting and stop (the next message activates afresh).
template <class Decider>
void recovery_fault(entity_actor<Decider>* self, const std::string& reason) {
  auto& st = self->state;
  const int attempt = st.failed_recoveries++;
  log::warn("entity recovery faulted", {{"entity", target_of<Decider>(st.id)}, {"attempt", st.failed_recoveries},
                                        {"error", reason}});
  if (st.failed_recoveries < st.runtime->kind.settings.max_command_attempts) return restart(self, attempt);
  const auto now = st.runtime->services.clock().ms_since_epoch;
  for (auto& p : st.stash) {
    p.faults = st.failed_recoveries;
    if (p.first_fault_ms == 0) p.first_fault_ms = now;
    give_up_on(self, p, "recovery failed: " + reason);
  }
  st.stash.clear();
  self->quit(caf::make_error(caf::sec::runtime_error, "cannot recover " + target_of<Decider>(st.id) + ": " + reason));
}

template <class Decider>
void handle(entity_actor<Decider>* self, pending_command<Decider> p);

template <class Decider>
void enqueue(entity_actor<Decider>* self, pending_command<Decider> p);

// The state changed (recovered or appended): answer watchers it settles, run a process step
// unless one is still running (then the events wait for the next step). `run_step` is false for
// a mere watch: a step runs only on a state that is durable and new to it.
template <class Decider>
void state_changed(entity_actor<Decider>* self, const std::vector<typename Decider::event>& appended = {},
                   bool run_step = true) {
  auto& st = self->state;
  const auto& kind = st.runtime->kind;
  if (!st.watchers.empty() && (!kind.settled || kind.settled(st.state))) {
    for (auto& w : st.watchers)
      w.deliver(protocols::entity_reply<Decider>{protocols::entity_status::accepted, std::nullopt, st.state, st.version, {},
                                                 st.runtime->services.node_id});
    st.watchers.clear();
  }
  if (!kind.react || !run_step) return;
  if (!st.running_step.expired()) {  // not lost: the next react sees them as just appended
    st.unreacted.insert(st.unreacted.end(), appended.begin(), appended.end());
    return;
  }
  auto events = std::move(st.unreacted);
  st.unreacted.clear();
  events.insert(events.end(), appended.begin(), appended.end());
  auto busy = std::make_shared<const char>();
  st.running_step = busy;
  std::weak_ptr<const void> step = busy;
  kind.react(self, st.state, events, std::move(busy), [self, step](typename Decider::command c) {
    auto& st = self->state;
    if (!st.running_step.owner_before(step) && !step.owner_before(st.running_step)) st.running_step.reset();  // reported
    pending_command<Decider> p{std::move(c), {}, caf::response_promise{}};
    p.meta.causation_id = "process:" + target_of<Decider>(st.id);
    enqueue(self, std::move(p));
  });
}

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
      st.timers = std::move(done.timers);
      reply(done.command, st, entity_status::accepted, std::nullopt, done.events);
      state_changed(self, done.events);
      const auto every = st.runtime->kind.settings.snapshot_every;
      if (every > 0 && st.version - st.snapshot_version >= every) {
        self->send(st.runtime->services.writer.get(), protocols::save_atom::value,
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
                try {
                  apply_stored(st, missed.events);
                  st.timers = timers_of(st.runtime->kind, st.state);
                } catch (const std::exception& e) {
                  command_fault(self, std::move(retry), e.what());
                  return;
                }
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
    case append_status::fenced:
      // Its shard moved away: nothing was stored. A timer stays due for the new owner's timer
      // service; a command goes back to the region, which passes it to the new owner.
      if (done.command.command && !done.command.timer_due_ms) {
        auto& p = done.command;
        p.promise.delegate(st.runtime->region, reroute_atom::value,
                           protocols::entity_command<Decider>{st.id, std::move(*p.command), std::move(p.meta),
                                                              p.expected_version});
        break;
      }
      reply(done.command, st, entity_status::not_owner);
      break;
    case append_status::invalid:
      // Retrying cannot help: the same command makes the same events. Nothing changed.
      reply(done.command, st, entity_status::rejected,
            domain::rejection{std::string(domain::codes::validation_failed),
                              "the journal refused to store this change: text with \\u0000 or invalid UTF-8",
                              {}});
      break;
  }
  drain(self);
}

// The part of handling a command where a bug may throw; it throws before anything is sent.
template <class Decider>
void decide_and_append(entity_actor<Decider>* self, pending_command<Decider>& p) {
  using protocols::entity_status;
  auto& st = self->state;
  const auto& rt = *st.runtime;
  if (p.expected_version && *p.expected_version != st.version) return reply(p, st, entity_status::precondition_failed);
  auto decision = Decider::decide(st.state, *p.command, domain::context{rt.services.clock()});
  if (!decision.accepted() || decision.events().empty()) {
    // The timer service deletes the row it delivered once we answer; should the timer still
    // stand, the next append writes it again.
    if (auto it = st.timers.find(p.timer_name); p.timer_due_ms != 0 && it != st.timers.end() && it->second == p.timer_due_ms)
      st.timers.erase(it);
    if (!decision.accepted()) return reply(p, st, entity_status::rejected, decision.error());
    return reply(p, st, entity_status::accepted);  // already so: retries are idempotent
  }

  auto next = domain::evolve_all<Decider>(st.state, decision.events());
  auto timers = timers_of(rt.kind, next);
  protocols::append_request request{std::string(Decider::stream_type), st.id, st.version, {}, {}};
  const auto metadata = boost::json::serialize(metadata_object(p.meta));
  for (const auto& e : decision.events()) {
    auto encoded = domain::encode_event(e);
    request.events.push_back({std::move(encoded.type), encoded.schema_version, boost::json::serialize(encoded.data),
                              metadata});
  }
  request.timers = timer_changes(st.timers, timers);
  st.append = in_flight_append<Decider>{std::move(p), std::move(next), decision.events(), std::move(timers)};
  self->request(rt.services.writer.get(), rt.kind.settings.journal_timeout, protocols::append_atom::value, std::move(request))
      .then([self](protocols::append_result& result) { append_done(self, result); },
            [self](caf::error&) {
              // No answer in time: the events may or may not have landed. Nothing is applied; the
              // next append finds out through the version check.
              append_done(self, {protocols::append_status::storage_unavailable, 0});
            });
}

template <class Decider>
void handle(entity_actor<Decider>* self, pending_command<Decider> p) {
  using protocols::entity_status;
  auto& st = self->state;
  if (!p.command) return reply(p, st, entity_status::accepted);
  try {
    decide_and_append(self, p);  // moves p only once nothing can throw
  } catch (const std::exception& e) {
    command_fault(self, std::move(p), e.what());
  }
}

// Asks the region to stop routing here; once it agrees (every message it routed here before is
// in the mailbox by then), the entity stops as soon as it is idle.
template <class Decider>
void passivate(entity_actor<Decider>* self) {
  auto& st = self->state;
  if (st.passivation_asked) return;
  st.passivation_asked = true;
  self->request(st.runtime->region, caf::infinite, protocols::passivate_atom::value, st.id).then([self] {
    self->state.passivating = true;
    drain(self);
  });
}

// Runs stashed commands in order until one starts an append.
template <class Decider>
void drain(entity_actor<Decider>* self) {
  auto& st = self->state;
  while (st.recovered && !st.append && !st.stash.empty()) {
    auto next = std::move(st.stash.front());
    st.stash.erase(st.stash.begin());
    handle(self, std::move(next));  // may restart the entity, putting a faulted command back in front
  }
  if (st.stash.empty()) std::vector<pending_command<Decider>>().swap(st.stash);  // idle entities stay small
  // A step that ended reporting nothing new (its report changed nothing) leaves events that
  // arrived while it ran: the next step runs on them now, not at the next deadline.
  if (st.recovered && !st.append && !st.unreacted.empty() && st.running_step.expired()) state_changed(self);
  if (st.passivating && !st.append && st.stash.empty()) self->quit();
}

template <class Decider>
void enqueue(entity_actor<Decider>* self, pending_command<Decider> p) {
  auto& st = self->state;
  if (st.stash.size() >= st.runtime->kind.settings.max_stash && p.promise.pending())
    return reply(p, st, protocols::entity_status::storage_unavailable);  // overloaded: say so at once
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
            try {
              apply_stored(st, stream.events);
              st.timers = timers_of(st.runtime->kind, st.state);
            } catch (const std::exception& e) {
              return recovery_fault(self, e.what());
            }
            st.recovered = true;
            st.failed_recoveries = 0;
            state_changed(self);
            drain(self);
          },
          [self](caf::error&) {
            // The journal is away: tell everyone waiting and stop; the next message activates afresh.
            auto& st = self->state;
            for (auto& p : st.stash) reply(p, st, protocols::entity_status::storage_unavailable);
            st.stash.clear();
            for (auto& w : st.watchers) w.deliver(caf::make_error(caf::sec::request_receiver_down));
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
  self->delayed_send(self, std::min(st.runtime->kind.settings.passivate_after, st.runtime->kind.settings.passivate_unknown_after),
                     idle_atom::value);
  return {
      [self](protocols::entity_command<Decider>& c) {
        pending_command<Decider> p{std::move(c.command), std::move(c.meta), self->make_response_promise()};
        p.expected_version = c.expected_version;
        enqueue(self, std::move(p));
      },
      [self](const protocols::entity_get<Decider>&) {
        enqueue(self, pending_command<Decider>{std::nullopt, {}, self->make_response_promise()});
      },
      [self](const protocols::entity_watch<Decider>&) {
        auto& st = self->state;
        auto promise = self->make_response_promise();
        if (st.watchers.size() >= st.runtime->kind.settings.max_watchers)  // clients that gave up stay here
          return promise.deliver(caf::make_error(caf::sec::request_timeout));
        st.watchers.push_back(std::move(promise));
        if (st.recovered && !st.append) state_changed(self, {}, false);
      },
      [self](protocols::timer_atom, const std::string&, const std::string& name, std::int64_t due_at_ms) {
        const auto& kind = self->state.runtime->kind;
        pending_command<Decider> p{std::nullopt, {}, self->make_response_promise(), due_at_ms, name};
        if (kind.on_timer) p.command = kind.on_timer(name);
        p.meta.causation_id = "timer:" + std::to_string(due_at_ms);
        enqueue(self, std::move(p));
      },
      [self](restart_atom) { recover(self, true); },
      [self](idle_atom) {
        auto& st = self->state;
        const auto idle_for = std::chrono::steady_clock::now() - st.last_message;
        const auto& settings = st.runtime->kind.settings;
        const auto limit = st.version == 0 ? settings.passivate_unknown_after : settings.passivate_after;
        if (idle_for < limit || !st.recovered || st.append || !st.stash.empty() || !st.watchers.empty() ||
            !st.running_step.expired()) {
          self->delayed_send(self, std::max<std::chrono::steady_clock::duration>(limit - idle_for, limit / 10),
                             idle_atom::value);
          return;
        }
        passivate(self);
      },
  };
}

}  // namespace detail

}  // namespace commerce::actors
