// The one way an actor asks an entity: the gateway's handlers, process managers' steps and
// anything else send the shard-region protocol (protocols/entity.hpp) to the region of the
// decider's kind, found by its stream type, and get the entity's reply or the error (no answer
// in time, the region gone) back. Callers decide what a refusal means to them.
#pragma once

#include "actors/entity_regions.hpp"
#include "protocols/entity.hpp"

#include <caf/event_based_actor.hpp>

#include <chrono>
#include <optional>
#include <string>

namespace commerce::actors {

template <class Decider>
struct entity_client {
  caf::event_based_actor* self;
  caf::actor region;  // the kind's: regions.of<Decider>()
  std::chrono::milliseconds timeout;

  entity_client(caf::event_based_actor* self, const entity_regions& regions, std::chrono::milliseconds timeout)
      : self(self), region(regions.template of<Decider>()), timeout(timeout) {}

  // on_reply(protocols::entity_reply<Decider>&), on_error(caf::error&)
  template <class OnReply, class OnError>
  void command(std::string id, typename Decider::command command, protocols::command_metadata meta,
               std::optional<std::int64_t> expected_version, OnReply on_reply, OnError on_error) const {
    self->request(region, timeout,
                  protocols::entity_command<Decider>{std::move(id), std::move(command), std::move(meta), expected_version})
        .then(std::move(on_reply), std::move(on_error));
  }

  template <class OnReply, class OnError>
  void read(std::string id, OnReply on_reply, OnError on_error) const {
    self->request(region, timeout, protocols::entity_get<Decider>{std::move(id)})
        .then(std::move(on_reply), std::move(on_error));
  }

  // Waits until the kind's `settled` holds for the entity (a saga's outcome).
  template <class OnReply, class OnError>
  void watch(std::string id, OnReply on_reply, OnError on_error) const {
    self->request(region, timeout, protocols::entity_watch<Decider>{std::move(id)})
        .then(std::move(on_reply), std::move(on_error));
  }
};

}  // namespace commerce::actors
