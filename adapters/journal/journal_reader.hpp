// A journal reader: a detached actor (its reads block) that serves the read side of
// protocols/journal.hpp — entity recovery, the global order for subscriptions, checkpoints and
// due timers. Each reader needs a journal of its own (one PostgreSQL connection each); spawn a
// few and spread entities over them.
#pragma once

#include "adapters/journal/journal.hpp"

#include <caf/fwd.hpp>

#include <memory>

namespace commerce::adapters {

protocols::journal_reader_actor spawn_journal_reader(caf::actor_system& system, std::shared_ptr<journal> store);

}  // namespace commerce::adapters
