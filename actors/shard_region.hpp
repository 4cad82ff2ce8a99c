// The shard region of one kind: it starts the kind's entities on first use, routes the
// shard-region protocol (protocols/entity.hpp) to them by id, forgets those that passivate or
// stop, and passes its own shutdown on to them. An operator's retry of a parked command comes
// back through it. (One node owns every entity today; the cluster issue shards them.)
#pragma once

#include "actors/parked_commands.hpp"
#include "actors/persistent_entity.hpp"

namespace commerce::actors {
namespace detail {

template <class Decider>
struct region_state {
  std::shared_ptr<const entity_runtime<Decider>> runtime;
  std::unordered_map<std::string, caf::actor> entities;
  std::unordered_map<caf::actor_addr, std::string> ids;  // the same, by actor: DOWN messages name the actor
  static inline const char* name = "shard_region";

  void forget(const std::string& id) {
    auto it = entities.find(id);
    if (it == entities.end()) return;
    ids.erase(it->second.address());
    entities.erase(it);
    runtime->active.set(static_cast<std::int64_t>(entities.size()));
  }
};

template <class Decider>
const caf::actor& entity_for(caf::stateful_actor<region_state<Decider>>* self, const std::string& id) {
  auto& st = self->state;
  st.runtime->region_mailbox.set(static_cast<std::int64_t>(self->mailbox().size()));
  auto& slot = st.entities[id];
  if (!slot) {
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
      [self](protocols::entity_watch<Decider>& w) {
        const auto& entity = entity_for(self, w.id);
        self->delegate(entity, std::move(w));
      },
      [self](protocols::timer_atom timer, const std::string& id, const std::string& name, std::int64_t due_at_ms) {
        self->delegate(entity_for(self, id), timer, id, name, due_at_ms);
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
        auto promise = self->template make_response_promise<protocols::entity_status>();
        self->request(entity_for(self, command->id), caf::infinite, std::move(*command))
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
