// The shard-region protocol: how the gateway, sagas and timers reach entities. One region per
// entity kind owns that kind's entities; it activates an entity on its first message and
// forwards, so callers never hold entity handles (the cluster issue adds remote owners behind
// the same messages).
//
//   request(region, t, entity_command<D>{id, command, meta}) -> entity_reply<D>
//   request(region, t, entity_get<D>{id})                    -> entity_reply<D> (status accepted)
//   request(region, t, entity_watch<D>{id})                  -> entity_reply<D> once the kind's
//                                                               `settled` holds (a saga's outcome)
//   request(region, t, timer_atom, id, name, due_at_ms)      -> entity_status
//   request(region, t, count_atom)                           -> std::size_t (active entities)
//   request(region, t, retry_atom, dead_letter)              -> entity_status (a parked command
//                                                               delivered again)
#pragma once

#include "domain/rejection.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/wire.hpp"

#include <caf/atom.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <type_traits>
#include <vector>

namespace commerce::protocols {

using timer_atom = caf::atom_constant<caf::atom("timer")>;
using count_atom = caf::atom_constant<caf::atom("count")>;
// Entity → region: may I stop? The region answers once it routes nothing more to the entity.
using passivate_atom = caf::atom_constant<caf::atom("passivate")>;

// Who asked, for the events' metadata: tracing a purchase through carts, orders and handlers.
struct command_metadata {
  std::string command_id;
  std::string correlation_id;
  std::string causation_id;
};
BOOST_DESCRIBE_STRUCT(command_metadata, (), (command_id, correlation_id, causation_id))
COMMERCE_WIRE_MESSAGE(command_metadata, "commerce.command_metadata")

template <class Decider>
struct entity_command {
  std::string id;
  typename Decider::command command;
  command_metadata meta;
  // Decide only if the entity is at this version (HTTP If-Match); else `precondition_failed`.
  std::optional<std::int64_t> expected_version = std::nullopt;
  BOOST_DESCRIBE_CLASS(entity_command, (), (id, command, meta, expected_version), (), ())
};

template <class Decider>
struct entity_get {
  std::string id;
  BOOST_DESCRIBE_CLASS(entity_get, (), (id), (), ())
};

template <class Decider>
struct entity_watch {
  std::string id;
  BOOST_DESCRIBE_CLASS(entity_watch, (), (id), (), ())
};

enum class entity_status : std::uint8_t {
  accepted,             // durable (or nothing to do); `state` is the state after it
  rejected,             // the domain said no; `rejection` says why, nothing changed
  conflict,             // lost a race with another writer twice; nothing changed, retry
  storage_unavailable,  // the journal is away; nothing changed, retry later
  faulted,              // the entity faulted on it every time it tried; nothing changed, the
                        // command is in the dead-letter office
  precondition_failed,  // not at the expected version; nothing changed, `version` is the current
  not_owner,            // cluster: another node owns the entity's shard now (or this one stopped
                        // serving it); nothing changed, ask its owner
  owner_lost,           // cluster: the node serving the entity went away while it held the
                        // command; it may or may not have been recorded: read, or retry
};

template <class Decider>
struct entity_reply {
  entity_status status = entity_status::accepted;
  std::optional<domain::rejection> rejection;
  typename Decider::state state;
  std::int64_t version = 0;
  std::vector<typename Decider::event> events;  // what this command recorded
  std::string served_by;  // the node whose entity answered (X-Served-By)
  BOOST_DESCRIBE_CLASS(entity_reply, (), (status, rejection, state, version, events, served_by), (), ())
};

COMMERCE_WIRE_MESSAGE_OF_KIND(entity_command, "commerce.entity_command")
COMMERCE_WIRE_MESSAGE_OF_KIND(entity_get, "commerce.entity_get")
COMMERCE_WIRE_MESSAGE_OF_KIND(entity_watch, "commerce.entity_watch")
COMMERCE_WIRE_MESSAGE_OF_KIND(entity_reply, "commerce.entity_reply")

}  // namespace commerce::protocols
