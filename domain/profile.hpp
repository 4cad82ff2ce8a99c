// A customer profile (API.md, Customer data platform; seed 003): the identifiers it holds, the
// raw events attached to it, what it has bought, and its merge history. Status machine:
//   (none) → active ⇄ merged   (merged by a merge, active again by that merge's unmerge)
//
// A profile never decides a merge alone: the merge saga (domain/profile_merge.hpp) locks every
// profile it touches, absorbs the others into the base and hands each absorbed part to the
// base. A profile adds an identifier only after claiming it in the identity index
// (domain/identity_index.hpp), so two active profiles never hold one value.
//
// Unmerge by rule: each absorbed profile comes back exactly as it was absorbed (its identifiers,
// events, lifetime value and orders: its own stream never lost them), and the base gives back
// what each part brought. What the base gained after the merge stays with the base: it was
// attached to the base by then, whichever side its identifiers came from.
#pragma once

#include "domain/decision.hpp"
#include "domain/identity.hpp"
#include "domain/money.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <cstdint>
#include <set>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

enum class profile_status { active, merged };
BOOST_DESCRIBE_ENUM(profile_status, active, merged)
std::string_view to_string(profile_status s);

// An event as it arrived (the raw event kept with its profile).
struct customer_event {
  std::string event_id;
  event_source source = event_source::api;
  std::string type;
  timestamp occurred_at;
  std::string payload;  // the JSON object as received
  money total;          // a purchase's total (amount 0 otherwise)
};
BOOST_DESCRIBE_STRUCT(customer_event, (), (event_id, source, type, occurred_at, payload, total))

struct event_summary {
  std::string event_id;
  event_source source = event_source::api;
  std::string type;
  timestamp occurred_at;
};
BOOST_DESCRIBE_STRUCT(event_summary, (), (event_id, source, type, occurred_at))

// What an absorbed profile brought to a base, as it was when absorbed.
struct merge_part {
  std::string id;
  std::vector<identifier> identifiers;
  money lifetime_value;
  std::int64_t total_orders = 0;
  std::set<std::string> event_ids;
  timestamp first_seen;
  timestamp last_seen;
  std::vector<event_summary> recent_events;
};
BOOST_DESCRIBE_STRUCT(merge_part, (), (id, identifiers, lifetime_value, total_orders, event_ids, first_seen, last_seen,
                                       recent_events))

// One line of a profile's merge history. A base keeps the parts it took in; an absorbed
// profile the base it went into.
struct merge_record {
  std::string merge_id;
  bool as_base = true;
  std::string base;               // as_base: this profile
  std::vector<merge_part> parts;  // as_base: what each absorbed profile brought
  merge_part held;                // as_base: what this profile held as the parts came in
  timestamp at;
  bool undone = false;
  timestamp undone_at;
};
BOOST_DESCRIBE_STRUCT(merge_record, (), (merge_id, as_base, base, parts, held, at, undone, undone_at))

inline constexpr std::size_t recent_events_kept = 10;
// A merged profile's merged_into is followed at most this far to the active one it became, so
// a chain gone wrong cannot loop.
inline constexpr std::size_t max_merge_hops = 16;

struct profile_state {
  std::string id;
  bool exists = false;
  profile_status status = profile_status::active;
  std::string merged_into;
  std::string lock;  // the merge holding it, or ""
  std::vector<identifier> identifiers;  // sorted, without duplicates
  timestamp created_at;
  timestamp first_seen;
  timestamp last_seen;
  money lifetime_value;
  std::int64_t total_orders = 0;
  std::set<std::string> event_ids;           // attached here or brought by a merge
  std::vector<event_summary> recent_events;  // newest last, at most recent_events_kept
  std::vector<std::string> merged_from;      // absorbed and not given back
  std::vector<merge_record> merges;
};
BOOST_DESCRIBE_STRUCT(profile_state, (), (id, exists, status, merged_into, lock, identifiers, created_at, first_seen,
                                          last_seen, lifetime_value, total_orders, event_ids, recent_events, merged_from,
                                          merges))

// --- commands ---------------------------------------------------------------------------------

// Attaches an event and the identifiers claimed for this profile (creating the profile when it
// does not exist). Refused while a merge holds the profile or once it is merged (extra
// {"merged_into"}); an event attached already adds only the identifiers.
struct attach_event {
  static constexpr std::string_view type_name = "AttachEvent";
  customer_event event;
  std::vector<identifier> identifiers;
};
// The merge saga's steps, each keyed by the merge's id so that a step run again changes nothing.
struct lock_profile { static constexpr std::string_view type_name = "LockProfile"; std::string merge_id; };
struct unlock_profile { static constexpr std::string_view type_name = "UnlockProfile"; std::string merge_id; };
struct absorb_profile {
  static constexpr std::string_view type_name = "AbsorbProfile";
  std::string merge_id; std::string base;
};
struct take_in_parts {
  static constexpr std::string_view type_name = "TakeInParts";
  std::string merge_id; std::vector<merge_part> parts;
};
struct give_back_parts { static constexpr std::string_view type_name = "GiveBackParts"; std::string merge_id; };
struct restore_profile { static constexpr std::string_view type_name = "RestoreProfile"; std::string merge_id; };
// A profile an event created that won no identifier (others claimed them first) steps aside for
// the profile the event resolved to, so the event is on one active profile only. Refused once
// it holds an identifier (then it is merged like any other).
struct retire_profile { static constexpr std::string_view type_name = "RetireProfile"; std::string into; };
BOOST_DESCRIBE_STRUCT(attach_event, (), (event, identifiers))
BOOST_DESCRIBE_STRUCT(lock_profile, (), (merge_id))
BOOST_DESCRIBE_STRUCT(unlock_profile, (), (merge_id))
BOOST_DESCRIBE_STRUCT(absorb_profile, (), (merge_id, base))
BOOST_DESCRIBE_STRUCT(take_in_parts, (), (merge_id, parts))
BOOST_DESCRIBE_STRUCT(give_back_parts, (), (merge_id))
BOOST_DESCRIBE_STRUCT(restore_profile, (), (merge_id))
BOOST_DESCRIBE_STRUCT(retire_profile, (), (into))
using profile_command = std::variant<attach_event, lock_profile, unlock_profile, absorb_profile, take_in_parts,
                                     give_back_parts, restore_profile, retire_profile>;

// --- events -----------------------------------------------------------------------------------

struct profile_created {
  static constexpr std::string_view type_name = "ProfileCreated";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct event_attached {
  static constexpr std::string_view type_name = "EventAttached";
  static constexpr int schema_version = 1;
  customer_event event;
  std::vector<identifier> identifiers;  // the event's, in normal form, that the profile holds
  timestamp at;
};
struct identifiers_added {
  static constexpr std::string_view type_name = "IdentifiersAdded";
  static constexpr int schema_version = 1;
  std::vector<identifier> identifiers;
  timestamp at;
};
struct profile_locked {
  static constexpr std::string_view type_name = "ProfileLocked";
  static constexpr int schema_version = 1;
  std::string merge_id;
  timestamp at;
};
struct profile_unlocked {
  static constexpr std::string_view type_name = "ProfileUnlocked";
  static constexpr int schema_version = 1;
  std::string merge_id;
  timestamp at;
};
struct profile_absorbed {
  static constexpr std::string_view type_name = "ProfileAbsorbed";
  static constexpr int schema_version = 1;
  std::string merge_id;
  std::string base;
  timestamp at;
};
struct parts_taken_in {
  static constexpr std::string_view type_name = "PartsTakenIn";
  static constexpr int schema_version = 1;
  std::string merge_id;
  std::vector<merge_part> parts;
  timestamp at;
};
struct parts_given_back {
  static constexpr std::string_view type_name = "PartsGivenBack";
  static constexpr int schema_version = 1;
  std::string merge_id;
  timestamp at;
};
struct profile_restored {
  static constexpr std::string_view type_name = "ProfileRestored";
  static constexpr int schema_version = 1;
  std::string merge_id;
  timestamp at;
};
struct profile_retired {
  static constexpr std::string_view type_name = "ProfileRetired";
  static constexpr int schema_version = 1;
  std::string into;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(profile_created, (), (at))
BOOST_DESCRIBE_STRUCT(profile_retired, (), (into, at))
BOOST_DESCRIBE_STRUCT(event_attached, (), (event, identifiers, at))
BOOST_DESCRIBE_STRUCT(identifiers_added, (), (identifiers, at))
BOOST_DESCRIBE_STRUCT(profile_locked, (), (merge_id, at))
BOOST_DESCRIBE_STRUCT(profile_unlocked, (), (merge_id, at))
BOOST_DESCRIBE_STRUCT(profile_absorbed, (), (merge_id, base, at))
BOOST_DESCRIBE_STRUCT(parts_taken_in, (), (merge_id, parts, at))
BOOST_DESCRIBE_STRUCT(parts_given_back, (), (merge_id, at))
BOOST_DESCRIBE_STRUCT(profile_restored, (), (merge_id, at))
using profile_event = std::variant<profile_created, event_attached, identifiers_added, profile_locked, profile_unlocked,
                                   profile_absorbed, parts_taken_in, parts_given_back, profile_restored, profile_retired>;

// --- decider ----------------------------------------------------------------------------------

struct profile_decider {
  using state = profile_state;
  using command = profile_command;
  using event = profile_event;
  static constexpr std::string_view stream_type = "profile";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

// What the profile brings to a merge as it stands.
merge_part part_of(const profile_state& s);
// Whether a purchase of `total` counts: a purchase event, in the profile's currency (the first
// purchase sets it). Totals in another currency are not converted; the order still counts.
bool is_purchase(const customer_event& e);

}  // namespace commerce::domain
