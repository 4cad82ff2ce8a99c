// The dead-letter office protocol: messages that could not be delivered, commands and handler
// deliveries whose retries are exhausted, external calls that finally failed. Stored durably;
// operators list them and retry (the office marks the letter and hands it back for
// redelivery) or discard them. A letter changes status only from `pending`, so of two operators
// (or two bulk actions) acting on one letter, one does.
//
//   request(office, t, put_atom, dead_letter)                         -> std::int64_t (its id)
//   request(office, t, get_atom, after_id, limit)                     -> std::vector<dead_letter>, by id
//   request(office, t, get_atom, letter_filter, after_id, limit)      -> the same, of those that match
//   request(office, t, tally_atom, letter_filter)                     -> (count, highest id) of those that match
//   request(office, t, retry_atom, id)                                -> letter_change: pending → retried
//   request(office, t, delete_atom, id)                               -> letter_change: pending → discarded
//   request(office, t, release_atom, id)                              -> letter_change: retried → pending
//                                                                        (a redelivery that never reached its target,
//                                                                        or a subscription's handler did not finish)
//   request(office, t, claim_atom, letter_filter, to_status, expected) -> std::vector<dead_letter>: every pending
//       letter that matches, moved to `to_status` in one transaction if there are exactly `expected` of them;
//       none (nothing changed) otherwise
// An unknown id comes back as sec::invalid_argument, a storage failure as sec::runtime_error.
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <limits>
#include <string>
#include <vector>

namespace commerce::protocols {

using retry_atom = caf::atom_constant<caf::atom("retry")>;
using release_atom = caf::atom_constant<caf::atom("release")>;
using claim_atom = caf::atom_constant<caf::atom("claim")>;
using tally_atom = caf::atom_constant<caf::atom("tally")>;

struct dead_letter {
  std::int64_t id = 0;
  std::string target;
  std::string message_type;
  std::string payload = "{}";  // JSON
  std::string reason;
  int attempts = 0;
  std::int64_t first_failed_ms = 0;
  std::int64_t last_failed_ms = 0;
  std::string status = "pending";  // pending | retried | discarded
};

BOOST_DESCRIBE_STRUCT(dead_letter, (), (id, target, message_type, payload, reason, attempts, first_failed_ms,
                                        last_failed_ms, status))
COMMERCE_WIRE_MESSAGE(dead_letter, "commerce.dead_letter")

// Which letters: every condition that is set must hold. `target` is a prefix of the target.
struct letter_filter {
  std::string target;
  std::string message_type;
  std::string status;  // pending | retried | discarded; empty: any
  std::int64_t through_id = std::numeric_limits<std::int64_t>::max();  // ids up to this one
};
BOOST_DESCRIBE_STRUCT(letter_filter, (), (target, message_type, status, through_id))
COMMERCE_WIRE_MESSAGE(letter_filter, "commerce.letter_filter")

// A letter as it is after a change was asked; `changed` is false when it was not in the status
// the change starts from (another operator acted first), and then nothing changed.
struct letter_change {
  bool changed = false;
  dead_letter letter;
};
BOOST_DESCRIBE_STRUCT(letter_change, (), (changed, letter))
COMMERCE_WIRE_MESSAGE(letter_change, "commerce.letter_change")

using dead_letter_office_actor =
    caf::typed_actor<caf::replies_to<caf::put_atom, dead_letter>::with<std::int64_t>,
                     caf::replies_to<caf::get_atom, std::int64_t, std::uint64_t>::with<std::vector<dead_letter>>,
                     caf::replies_to<caf::get_atom, letter_filter, std::int64_t, std::uint64_t>::with<std::vector<dead_letter>>,
                     caf::replies_to<tally_atom, letter_filter>::with<std::int64_t, std::int64_t>,
                     caf::replies_to<retry_atom, std::int64_t>::with<letter_change>,
                     caf::replies_to<caf::delete_atom, std::int64_t>::with<letter_change>,
                     caf::replies_to<release_atom, std::int64_t>::with<letter_change>,
                     caf::replies_to<claim_atom, letter_filter, std::string, std::int64_t>::with<std::vector<dead_letter>>>;

}  // namespace commerce::protocols
