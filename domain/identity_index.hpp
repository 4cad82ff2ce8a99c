// The identity index: one entity per identifier value (its id is index_key, e.g.
// "email:ana@example.com") naming the one profile that holds it. It is what makes "at most one
// profile holds a value" hold under any concurrency and on any number of nodes: a profile adds
// a value to itself only after claiming it here, and a claim names the holder it takes the
// value from, so of two racing claims one is refused and re-resolves.
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace commerce::domain {

struct identity_index_state {
  std::string id;
  bool exists = false;
  std::string holder;  // the profile holding the value; once held, always held by someone
  timestamp since;
};
BOOST_DESCRIBE_STRUCT(identity_index_state, (), (id, exists, holder, since))

// `profile` takes the value from `from` ("" for a value nobody holds). Refused (invalid_transition,
// extra {"holder"}) when someone else holds it; nothing when `profile` holds it already.
struct claim_identifier {
  static constexpr std::string_view type_name = "ClaimIdentifier";
  std::string profile;
  std::string from;
};
BOOST_DESCRIBE_STRUCT(claim_identifier, (), (profile, from))
using identity_index_command = std::variant<claim_identifier>;

struct identifier_claimed {
  static constexpr std::string_view type_name = "IdentifierClaimed";
  static constexpr int schema_version = 1;
  std::string profile;
  std::string from;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(identifier_claimed, (), (profile, from, at))
using identity_index_event = std::variant<identifier_claimed>;

struct identity_index_decider {
  using state = identity_index_state;
  using command = identity_index_command;
  using event = identity_index_event;
  static constexpr std::string_view stream_type = "identity";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
