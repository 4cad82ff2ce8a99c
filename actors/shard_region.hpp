// The shard region of one kind: it starts the kind's entities on first use, routes the
// shard-region protocol (protocols/entity.hpp) to them by id, forgets those that passivate or
// stop, and passes its own shutdown on to them. An operator's retry of a parked command comes
// back through it. In a cluster it serves only the entities of the shards its node owns now
// (entity_services::shards), so none is served twice: a message for another node's shard goes
// to that node's endpoint (many in flight at once, each answer passed back to its asker), and
// one for a shard being moved is kept and tried again every 50 ms until its new owner is known
// (up to 10,000 of them, for up to 10 s each; then `not_owner`), as is a command its entity
// here could not store because the journal fenced it (the move was recorded before this node
// read it). Should the owner's node go away before it answers, a read is routed again, and a
// command is answered `owner_lost`: it may have been recorded there.
// An entity whose shard moved away and back since it started is started again from the journal.
#pragma once

#include "actors/parked_commands.hpp"
#include "actors/persistent_entity.hpp"

#include <chrono>
#include <unordered_set>

namespace commerce::actors {
namespace detail {

template <class Decider>
struct region_state {
  std::shared_ptr<const entity_runtime<Decider>> runtime;
  std::unordered_map<std::string, caf::actor> entities;
  std::unordered_map<caf::actor_addr, std::string> ids;  // the same, by actor: DOWN messages name the actor
  std::unordered_map<std::string, std::int64_t> epochs;  // of its shard when each entity started
  // Messages whose shard has no owner this node can reach yet (a move under way).
  struct held_message {
    caf::response_promise promise;
    std::string id;
    caf::message message;
    std::chrono::steady_clock::time_point until;
    bool relayed = false;  // forwarded here by another node: passed on untracked (see forward)
    // A command its entity here could not store at this epoch of its shard (reroute_atom): not
    // handed to an entity here again until this node's view of the shard has moved on.
    std::int64_t fenced_epoch = -1;
  };
  std::vector<held_message> held;
  // Messages forwarded to another node and not answered yet, by a number of their own.
  struct forwarded_message {
    caf::response_promise promise;
    std::string id;
    caf::message message;
    caf::actor_addr to;  // the owner's endpoint (a proxy of it)
    std::chrono::steady_clock::time_point sent;
  };
  std::unordered_map<std::uint64_t, forwarded_message> in_flight;
  std::uint64_t forwarded_count = 0;
  std::unordered_set<caf::actor_addr> watched_endpoints;  // monitored: their DOWN ends what is in flight
  // Endpoints whose DOWN came, and when: not used for a second (a dead proxy would return the
  // message unsent, and its DOWN would mark what was never sent as owner_lost) while the node's
  // links connect again and replace it.
  std::unordered_map<caf::actor_addr, std::chrono::steady_clock::time_point> lost_endpoints;
  static inline const char* name = "shard_region";

  void forget(const std::string& id) {
    auto it = entities.find(id);
    if (it == entities.end()) return;
    ids.erase(it->second.address());
    entities.erase(it);
    epochs.erase(id);
    runtime->active.set(static_cast<std::int64_t>(entities.size()));
  }
};

// Whether this node serves entity `id` now; its shard's epoch in `epoch`.
template <class Decider>
bool serves(caf::stateful_actor<region_state<Decider>>* self, const std::string& id, std::int64_t& epoch) {
  const auto& shards = self->state.runtime->services.shards;
  if (!shards) return true;
  const auto view = shards->view();  // one view: the epoch and the owner from the same round
  const auto shard = shard_of(Decider::stream_type, id, shards->shards());
  epoch = view->epochs[shard];
  return view->serves(shard);
}

using held_atom = caf::atom_constant<caf::atom("held")>;
inline constexpr std::chrono::milliseconds held_retry{50};
inline constexpr std::chrono::seconds held_limit{10};
inline constexpr std::size_t held_capacity = 10'000;  // beyond: refused at once, not kept

// What a node that cannot reach the entity's owner answers in the end.
template <class Decider>
caf::message refusal() {
  protocols::entity_reply<Decider> reply;
  reply.status = protocols::entity_status::not_owner;
  return caf::make_message(std::move(reply));
}

template <class Decider>
const caf::actor& entity_for(caf::stateful_actor<region_state<Decider>>* self, const std::string& id,
                             std::int64_t epoch);

// Keeps `message` until its shard's owner can be reached (see held_atom).
template <class Decider>
void hold(caf::stateful_actor<region_state<Decider>>* self, caf::response_promise promise, std::string id,
          caf::message message, bool relayed = false, std::int64_t fenced_epoch = -1) {
  auto& st = self->state;
  if (st.held.size() >= held_capacity) return promise.deliver(refusal<Decider>());
  if (st.held.empty()) self->delayed_send(self, held_retry, held_atom::value);
  st.held.push_back(
      {std::move(promise), std::move(id), std::move(message), std::chrono::steady_clock::now() + held_limit, relayed,
       fenced_epoch});
}

// How long a forwarded message may wait for its answer here (the asker gave up long before):
// an owner that keeps it without answering must not keep its entry forever.
inline constexpr std::chrono::seconds forward_limit{60};

// Sends `message` to the owner's endpoint and passes its answer back through `promise`. A
// message another node forwarded here (`relayed`: this node's view lagged a move) is passed on
// untracked, its answer going straight to that node: this one may be leaving, and its asker
// tracks it already.
template <class Decider>
void forward(caf::stateful_actor<region_state<Decider>>* self, const caf::actor& endpoint, const std::string& id,
             caf::message message, caf::response_promise promise, bool relayed) {
  auto& st = self->state;
  if (relayed) {
    st.runtime->forwarded.add();
    promise.delegate(endpoint, protocols::forward_atom::value, std::string(Decider::stream_type), id, std::move(message));
    return;
  }
  if (st.watched_endpoints.insert(endpoint.address()).second) self->monitor(endpoint);
  const auto number = ++st.forwarded_count;
  st.in_flight.emplace(number, typename region_state<Decider>::forwarded_message{
                                   std::move(promise), id, message, endpoint.address(), std::chrono::steady_clock::now()});
  st.runtime->forwarded.add();
  auto settle = [self, number](auto answer) {
    auto& st = self->state;
    auto it = st.in_flight.find(number);
    if (it == st.in_flight.end()) return;  // settled already: its node went away
    auto f = std::move(it->second);
    st.in_flight.erase(it);
    st.runtime->forward_latency.observe(
        std::chrono::duration<double>(std::chrono::steady_clock::now() - f.sent).count());
    answer(f);
  };
  self->request(endpoint, forward_limit, protocols::forward_atom::value, std::string(Decider::stream_type), id,
                std::move(message))
      .then(
          [settle](protocols::entity_reply<Decider>& reply) {
            settle([&](auto& f) { f.promise.deliver(std::move(reply)); });
          },
          [self, settle](caf::error& e) {
            settle([&](auto& f) {
              // A proxy whose node is gone already returns the message unsent: try again.
              if (e == caf::sec::request_receiver_down) hold<Decider>(self, std::move(f.promise), f.id, std::move(f.message));
              else f.promise.deliver(std::move(e));
            });
          });
}

// The owner's endpoint went away: what it had not answered is routed again (reads) or
// answered `owner_lost` (commands, which it may have recorded).
template <class Decider>
void endpoint_lost(caf::stateful_actor<region_state<Decider>>* self, const caf::actor_addr& endpoint) {
  auto& st = self->state;
  st.watched_endpoints.erase(endpoint);
  const auto now = std::chrono::steady_clock::now();
  for (auto it = st.lost_endpoints.begin(); it != st.lost_endpoints.end();)  // kept a while only
    it = now - it->second > std::chrono::minutes(1) ? st.lost_endpoints.erase(it) : std::next(it);
  st.lost_endpoints[endpoint] = now;
  for (auto it = st.in_flight.begin(); it != st.in_flight.end();) {
    if (it->second.to != endpoint) {
      ++it;
      continue;
    }
    auto f = std::move(it->second);
    it = st.in_flight.erase(it);
    if (f.message.template match_element<protocols::entity_command<Decider>>(0)) {
      protocols::entity_reply<Decider> reply;
      reply.status = protocols::entity_status::owner_lost;
      f.promise.deliver(std::move(reply));
    } else {
      hold<Decider>(self, std::move(f.promise), f.id, std::move(f.message));
    }
  }
}

// Hands `message` to entity `id` here, or to its owner's endpoint; false when neither can take
// it now. With a promise (a held message) the answer goes through it, else the current
// request's asker gets it.
template <class Decider>
bool deliver(caf::stateful_actor<region_state<Decider>>* self, const std::string& id, caf::message& message,
             caf::response_promise* promise, bool relayed, std::int64_t fenced_epoch = -1) {
  std::int64_t epoch = 0;
  if (serves(self, id, epoch)) {
    if (epoch == fenced_epoch) return false;  // this node has not read the move yet
    if (promise) promise->delegate(entity_for(self, id, epoch), std::move(message));
    else self->delegate(entity_for(self, id, epoch), std::move(message));
    return true;
  }
  const auto& services = self->state.runtime->services;
  const auto owner = services.shards->owner_of(Decider::stream_type, id);
  const auto endpoint = owner.empty() || owner == services.node_id || !services.peers_by_node
                            ? caf::actor{}
                            : services.peers_by_node->endpoint_of(owner);
  if (!endpoint) return false;
  auto& lost = self->state.lost_endpoints;
  if (auto it = lost.find(endpoint.address()); it != lost.end()) {
    if (std::chrono::steady_clock::now() - it->second < std::chrono::seconds(1)) return false;
    lost.erase(it);
  }
  forward(self, endpoint, id, std::move(message), promise ? std::move(*promise) : self->make_response_promise(), relayed);
  return true;
}

template <class Decider>
void route(caf::stateful_actor<region_state<Decider>>* self, const std::string& id, caf::message message) {
  const auto& sender = self->current_sender();
  const bool relayed = sender && sender->node() != self->node();  // through this node's endpoint
  if (!deliver(self, id, message, nullptr, relayed))
    hold<Decider>(self, self->make_response_promise(), id, std::move(message), relayed);
}

template <class Decider>
const caf::actor& entity_for(caf::stateful_actor<region_state<Decider>>* self, const std::string& id,
                             std::int64_t epoch) {
  auto& st = self->state;
  st.runtime->region_mailbox.set(static_cast<std::int64_t>(self->mailbox().size()));
  if (auto it = st.entities.find(id); it != st.entities.end() && st.epochs[id] != epoch) {
    // Its shard moved away and back: what it holds may be stale. It starts again.
    self->demonitor(it->second);
    self->send_exit(it->second, caf::exit_reason::user_shutdown);
    st.forget(id);
  }
  auto& slot = st.entities[id];
  if (!slot) {
    st.epochs[id] = epoch;
    slot = self->spawn(persistent_entity<Decider>, id, st.runtime);
    self->monitor(slot);
    st.ids.emplace(slot.address(), id);
    st.runtime->active.set(static_cast<std::int64_t>(st.entities.size()));
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
    for (auto& [id, entity] : self->state.entities) {
      self->demonitor(entity);  // nobody is left to read their DOWN messages
      self->send_exit(entity, exit.reason);
    }
    self->state.entities.clear();
    self->state.ids.clear();
    self->quit(std::move(exit.reason));
  });
  // Only an entity that stopped without passivating (a failed recovery, a fault) gets here.
  self->set_down_handler([self](caf::down_msg& down) {
    auto& st = self->state;
    if (auto it = st.ids.find(down.source); it != st.ids.end()) st.forget(std::string(it->second));
    else if (st.watched_endpoints.count(down.source)) endpoint_lost(self, down.source);
  });
  return {
      [self](protocols::entity_command<Decider>& c) {
        const auto id = c.id;
        route(self, id, caf::make_message(std::move(c)));
      },
      // Its entity here was fenced (see reroute_atom): held until the move is known here.
      [self](reroute_atom, protocols::entity_command<Decider>& c) {
        auto& st = self->state;
        auto id = c.id;
        st.runtime->rerouted.add();
        const auto started = st.epochs.find(id);
        const auto fenced = started == st.epochs.end() ? std::int64_t{-1} : started->second;
        hold<Decider>(self, self->make_response_promise(), std::move(id), caf::make_message(std::move(c)), false, fenced);
      },
      [self](protocols::entity_get<Decider>& g) {
        const auto id = g.id;
        route(self, id, caf::make_message(std::move(g)));
      },
      [self](protocols::entity_watch<Decider>& w) {
        const auto id = w.id;
        route(self, id, caf::make_message(std::move(w)));
      },
      // Timers fire only on the owner (every node's timer service delivers those of its shards):
      // elsewhere one is answered not_owner and stays due.
      [self](protocols::timer_atom timer, const std::string& id, const std::string& name, std::int64_t due_at_ms) {
        std::int64_t epoch = 0;
        if (!serves(self, id, epoch))
          return self->make_response_promise().deliver(protocols::entity_status::not_owner);
        self->delegate(entity_for(self, id, epoch), timer, id, name, due_at_ms);
      },
      [self](held_atom) {
        auto& st = self->state;
        auto held = std::move(st.held);
        st.held.clear();
        for (auto& h : held)
          if (!deliver(self, h.id, h.message, &h.promise, h.relayed, h.fenced_epoch)) {
            if (std::chrono::steady_clock::now() < h.until) st.held.push_back(std::move(h));
            else h.promise.deliver(refusal<Decider>());
          }
        if (!st.held.empty()) self->delayed_send(self, held_retry, held_atom::value);
      },
      [self](protocols::passivate_atom, const std::string& id) {
        auto& st = self->state;
        auto it = st.entities.find(id);
        if (it != st.entities.end() && it->second == caf::actor_cast<caf::actor>(self->current_sender())) {
          self->demonitor(it->second);
          st.forget(id);
        }
      },
      [self](protocols::count_atom) { return self->state.entities.size(); },
      // An operator's retry of a parked command: deliver it again and answer how it went.
      [self](protocols::retry_atom, const protocols::dead_letter& letter) -> caf::result<protocols::entity_status> {
        std::optional<protocols::entity_command<Decider>> command;
        try {
          command = unparked<Decider>(letter);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, "dead letter " + std::to_string(letter.id) +
                                                              " is not a " + std::string(Decider::stream_type) +
                                                              " command: " + e.what());
        }
        std::int64_t epoch = 0;
        if (!serves(self, command->id, epoch)) return protocols::entity_status::not_owner;  // retry on its owner
        auto promise = self->template make_response_promise<protocols::entity_status>();
        self->request(entity_for(self, command->id, epoch), caf::infinite, std::move(*command))
            .then([promise](protocols::entity_reply<Decider>& r) mutable { promise.deliver(r.status); },
                  [promise](caf::error& e) mutable { promise.deliver(std::move(e)); });
        return promise;
      },
  };
}

}  // namespace detail

// A region for one kind; send it the shard-region protocol of protocols/entity.hpp.
template <class Decider>
caf::actor spawn_region(caf::actor_system& system, entity_kind<Decider> kind, entity_services services) {
  return system.spawn(detail::shard_region<Decider>, std::move(kind), std::move(services));
}

}  // namespace commerce::actors
