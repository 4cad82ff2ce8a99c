// The dead-letter office protocol: messages that could not be delivered, commands and handler
// deliveries whose retries are exhausted, external calls that finally failed. Stored durably;
// operators list them and retry (the office marks the letter and hands it back for
// redelivery) or discard them.
//
//   request(office, t, put_atom, dead_letter)          -> std::int64_t (its id)
//   request(office, t, get_atom, after_id, limit)      -> std::vector<dead_letter>, by id
//   request(office, t, retry_atom, id)                 -> dead_letter (now "retried")
//   request(office, t, delete_atom, id)                -> dead_letter (now "discarded")
// An unknown id comes back as sec::invalid_argument, a storage failure as sec::runtime_error.
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::protocols {

using retry_atom = caf::atom_constant<caf::atom("retry")>;

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

using dead_letter_office_actor =
    caf::typed_actor<caf::replies_to<caf::put_atom, dead_letter>::with<std::int64_t>,
                     caf::replies_to<caf::get_atom, std::int64_t, std::uint64_t>::with<std::vector<dead_letter>>,
                     caf::replies_to<retry_atom, std::int64_t>::with<dead_letter>,
                     caf::replies_to<caf::delete_atom, std::int64_t>::with<dead_letter>>;

}  // namespace commerce::protocols
