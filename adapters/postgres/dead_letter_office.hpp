// The dead-letter office on PostgreSQL (table dead_letters, migration 0002): a detached actor
// (its calls block) implementing protocols/dead_letters.hpp. Connects on first use and again
// after a lost connection.
#pragma once

#include "protocols/dead_letters.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace commerce::adapters::postgres {

protocols::dead_letter_office_actor spawn_dead_letter_office(caf::actor_system& system, std::string conninfo);

}  // namespace commerce::adapters::postgres
