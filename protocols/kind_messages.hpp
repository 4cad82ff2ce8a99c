// Registers the messages of one entity kind (the shard-region protocol of protocols/entity.hpp
// and the read-model protocol of protocols/read_model.hpp, over its decider) with the actor
// system, so they can cross nodes. Each kind's registration does this for itself.
#pragma once

#include "protocols/entity.hpp"
#include "protocols/read_model.hpp"

#include <caf/actor_system_config.hpp>

namespace commerce::protocols {

template <class Decider>
void add_kind_message_types(caf::actor_system_config& cfg) {
  cfg.add_message_type<entity_command<Decider>>(wire_message<entity_command<Decider>>::name());
  cfg.add_message_type<entity_get<Decider>>(wire_message<entity_get<Decider>>::name());
  cfg.add_message_type<entity_watch<Decider>>(wire_message<entity_watch<Decider>>::name());
  cfg.add_message_type<entity_reply<Decider>>(wire_message<entity_reply<Decider>>::name());
  cfg.add_message_type<view_query<Decider>>(wire_message<view_query<Decider>>::name());
  cfg.add_message_type<view_page<Decider>>(wire_message<view_page<Decider>>::name());
}

}  // namespace commerce::protocols
