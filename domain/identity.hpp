// Identity resolution's pure rules (API.md, Customer data platform; seed 003): which identifiers
// an event carries, in their one normal form, which values are junk, how strong a profile's set
// of identifiers is, and what a match of an event against existing profiles means.
//
// Normal forms: an email trimmed, lower-cased and syntax-checked; a phone or whatsapp number in
// E.164 (+ and 8-15 digits; a national number takes the calling code of the default region); the
// other ids trimmed, 1-128 printable characters, case kept. A value on the blocklist (built in,
// plus the configured ones, compared in normal form and as written) is no identifier at all, so
// junk such as test@test.com or 0000000000 never glues strangers into one profile.
#pragma once

#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>
#include <boost/json/object.hpp>

#include <cstddef>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace commerce::domain {

enum class identifier_type { email, phone, whatsapp, loyalty_id, device_id, cookie_id, qr_id };
BOOST_DESCRIBE_ENUM(identifier_type, email, phone, whatsapp, loyalty_id, device_id, cookie_id, qr_id)
inline constexpr identifier_type all_identifier_types[] = {
    identifier_type::email,     identifier_type::phone,     identifier_type::whatsapp, identifier_type::loyalty_id,
    identifier_type::device_id, identifier_type::cookie_id, identifier_type::qr_id};
std::string_view to_string(identifier_type t);
std::optional<identifier_type> identifier_type_from(std::string_view name);

struct identifier {
  identifier_type type = identifier_type::email;
  std::string value;  // in normal form
  friend bool operator<(const identifier& a, const identifier& b) {
    return a.type != b.type ? a.type < b.type : a.value < b.value;
  }
  friend bool operator==(const identifier& a, const identifier& b) { return a.type == b.type && a.value == b.value; }
};
BOOST_DESCRIBE_STRUCT(identifier, (), (type, value))

// The identity index's key of a value (one entity per value, domain/identity_index.hpp):
// "<type>:<value>", e.g. "email:ana@example.com".
std::string index_key(const identifier& id);

enum class event_source { shopify, whatsapp, pos, csv, api };
BOOST_DESCRIBE_ENUM(event_source, shopify, whatsapp, pos, csv, api)
std::string_view to_string(event_source s);
std::optional<event_source> event_source_from(std::string_view name);

struct identity_rules {
  std::string default_region = "US";  // ISO 3166 alpha-2, for national phone numbers
  std::set<std::string> blocked;      // cdp.blocked_identifiers, trimmed and in lower case (block())
  void block(std::string_view value);
};

// The built-in blocklist: placeholders that systems put where a person's value should be.
const std::set<std::string>& built_in_blocklist();

std::optional<std::string> normalize_email(std::string_view raw);
// nullopt when not a phone number, or the region is unknown for a national one.
std::optional<std::string> normalize_phone(std::string_view raw, std::string_view default_region);
// The value's normal form, or nullopt when it is malformed or blocked.
std::optional<std::string> normalize(identifier_type type, std::string_view raw, const identity_rules& rules);

// Every identifier of an event's payload, normalised, without duplicates, in (type, value)
// order. From every source, top-level fields named like the types; besides, shopify's
// customer.email, customer.phone, billing_address.phone and shipping_address.phone, and
// whatsapp's `from` (held as both whatsapp and phone). Strings, and integers for ids.
std::vector<identifier> extract_identifiers(event_source source, const boost::json::object& payload,
                                            const identity_rules& rules);

// Strength: the sum of the weights of the identifier types held, each type once, at most 100.
// Weights: loyalty_id 35 (issued by the merchant to one member), email 30, phone 25, whatsapp
// 20, qr_id 15, device_id 10 (shared devices exist), cookie_id 5 (cleared, shared browsers).
int identifier_weight(identifier_type t);
int strength_of(const std::vector<identifier>& held);

// What an event's identifiers matching `profiles` distinct active profiles means.
enum class match_kind { created, attached, merged, review };
std::string_view to_string(match_kind m);
inline constexpr std::size_t max_auto_merge = 3;  // more profiles than this wait for an operator
match_kind match_for(std::size_t profiles);

// A merge's base is the profile of the highest strength, then the oldest, then the smallest id
// (so the choice is the same everywhere); the others are merged into it.
struct merge_candidate {
  std::string id;
  int strength = 0;
  timestamp created_at;
};
std::vector<merge_candidate> in_merge_order(std::vector<merge_candidate> candidates);

// No profile holds more than this many values of one type: a merge that would exceed it goes
// to review instead of gluing on (a shared family phone is fine, fifty emails are not).
inline constexpr std::size_t max_values_per_type = 5;
// The first type of which `held` has more than max_values_per_type values, if any.
std::optional<identifier_type> over_cap(const std::vector<identifier>& held);

}  // namespace commerce::domain
