// What every entity of every kind uses: the journal's writer and readers, the clock its
// decisions see, and the dead-letter office; process managers (the checkout) also reach other
// kinds' regions and the payment client. Light, so wiring code need not include the entity.
#pragma once

#include "actors/entity_regions.hpp"
#include "domain/time.hpp"

#include <caf/actor.hpp>

#include <functional>
#include <vector>

namespace commerce::actors {

struct entity_services {
  caf::actor writer;
  std::vector<caf::actor> readers;  // an entity always uses the same one, chosen by its id
  caf::actor dead_letters;          // without one, dead-lettered commands are only logged
  std::function<domain::timestamp()> clock;  // none: the system clock
  entity_regions peers;  // for process managers: the regions started before theirs
  caf::actor payments;   // for process managers: the payment client (protocols/payment.hpp)
  caf::actor payment_tokens;  // the checkout: the card-token vault (protocols/payment_tokens.hpp)
};

}  // namespace commerce::actors
