// The timer service: delivers due durable timers (the timers table, written with the events
// that set them) to their entities through the shard regions, activating them if needed, and
// clears each once its entity has answered. Nothing is kept in memory between polls, so timers
// are re-armed on start simply by being in the table; delivery is at least once, and entities
// take a late or repeated timer in their stride (their deciders re-check the time).
#pragma once

#include "actors/kinds/kind_module.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <functional>

namespace commerce::actors {

struct timer_service_options {
  std::chrono::milliseconds poll_interval{250};  // how late a timer may fire
  std::size_t batch = 256;
  std::chrono::milliseconds timeout{std::chrono::seconds(10)};
  // Cluster: delivers only the timers of the entities this node serves; none: all of them.
  std::function<bool(const std::string& stream_type, const std::string& stream_id)> serves;
};

caf::actor spawn_timer_service(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                               service<protocols::journal_writer_actor> writer, entity_regions regions,
                               timer_service_options options,
                               std::function<domain::timestamp()> clock = {});

}  // namespace commerce::actors
