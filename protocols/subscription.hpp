// The subscription protocol: how a catch-up subscription hands events to its handler.
//
//   request(handler, t, deliver_atom, std::vector<stored_event>) -> () once handled
//
// Events come in the global order of protocols/journal.hpp's read_all. The subscription stores
// its checkpoint only after the handler's answer, so after a crash the handler may see the last
// batch again (at least once) but never misses one. An error answer redelivers the batch later.
#pragma once

#include "protocols/journal.hpp"

#include <caf/atom.hpp>

namespace commerce::protocols {

using deliver_atom = caf::atom_constant<caf::atom("deliver")>;

}  // namespace commerce::protocols
