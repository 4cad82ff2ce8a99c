// What every entity of every kind uses: the journal's writer and readers, the clock its
// decisions see, and the dead-letter office; process managers (the checkout) also reach other
// kinds' regions and the payment client. Each is found by name when used (service_directory),
// so a restarted writer or office is picked up without restarting the entities. Light, so
// wiring code need not include the entity.
#pragma once

#include "actors/entity_regions.hpp"
#include "actors/service_directory.hpp"
#include "domain/time.hpp"
#include "protocols/cluster.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/journal.hpp"
#include "protocols/payment.hpp"
#include "protocols/payment_tokens.hpp"

#include <functional>
#include <vector>

namespace commerce::actors {

struct entity_services {
  service<protocols::journal_writer_actor> writer;
  // An entity always uses the same one, chosen by its id.
  std::vector<service<protocols::journal_reader_actor>> readers;
  // Without one, dead-lettered commands are only logged.
  service<protocols::dead_letter_office_actor> dead_letters;
  std::function<domain::timestamp()> clock;  // none: the system clock
  entity_regions peers;  // for process managers: the regions of the other kinds
  service<protocols::payment_client_actor> payments;  // for process managers
  service<protocols::payment_token_vault_actor> payment_tokens;  // the checkout's card tokens
  // Which entities this node serves now (cluster); none: all of them. Commands for the others
  // go to their owner's endpoint (`peers`).
  std::shared_ptr<const protocols::shard_table> shards;
  std::shared_ptr<const protocols::cluster_peers> peers_by_node;
  std::string node_id;  // in every answer (X-Served-By)
};

}  // namespace commerce::actors
