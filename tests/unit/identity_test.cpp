// Identity resolution's pure rules (domain/identity.hpp): normal forms, the blocklist,
// extraction per source, strength, the match decision, the merge order and the caps.
#include "domain/identity.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

using namespace commerce::domain;

namespace {

std::vector<identifier> from(event_source source, const char* payload, identity_rules rules = {}) {
  return extract_identifiers(source, boost::json::parse(payload).as_object(), rules);
}

}  // namespace

TEST_CASE("emails are trimmed, lower-cased and syntax-checked", "[identity]") {
  const std::vector<std::pair<const char*, std::optional<std::string>>> table{
      {"  Ann.Lee@Example.COM ", "ann.lee@example.com"},
      {"ann+shop@mail.example.co.uk", "ann+shop@mail.example.co.uk"},
      {"ann@example", std::nullopt},         // no top-level domain
      {"ann@@example.com", std::nullopt},
      {"@example.com", std::nullopt},
      {"ann.@example.com", std::nullopt},    // a dot at the end of the local part
      {"a..nn@example.com", std::nullopt},
      {"ann@-example.com", std::nullopt},    // a label starting with a hyphen
      {"ann@example.c0m", std::nullopt},     // a top-level domain of letters only
      {"ann lee@example.com", std::nullopt},
      {"", std::nullopt}};
  for (const auto& [raw, expected] : table) {
    INFO(raw);
    CHECK(normalize_email(raw) == expected);
  }
}

TEST_CASE("phones become E.164, national ones in the default region", "[identity]") {
  struct row {
    const char* raw;
    const char* region;
    std::optional<std::string> expected;
  };
  const std::vector<row> table{
      {"+49 (0)30 1234-5678", "US", "+493012345678"},  // the bracketed trunk 0 is not dialled
      {"+49 30 12345678", "US", "+493012345678"},
      {"0049 30 12345678", "US", "+493012345678"},  // the international prefix
      {"030 12345678", "DE", "+493012345678"},      // the trunk 0 dropped
      {"(415) 555-0132", "US", "+14155550132"},
      {"1-415-555-0132", "US", "+14155550132"},
      {"415.555.0132", "CA", "+14155550132"},
      {"555-0132", "US", std::nullopt},             // too short for the plan
      {"06 1234 5678", "IT", "+390612345678"},      // Italy keeps its 0
      {"07700 900123", "GB", "+447700900123"},
      {"07700 900123", "XX", std::nullopt},         // a region we do not know
      {"+1 415 555 0132 ext 7", "US", std::nullopt},
      {"+123", "US", std::nullopt},                 // too short for E.164
      {"+1234567890123456", "US", std::nullopt}};   // too long
  for (const auto& r : table) {
    INFO(r.raw << " in " << r.region);
    CHECK(normalize_phone(r.raw, r.region) == r.expected);
  }
}

TEST_CASE("blocked values are no identifiers, built in or configured, as written or normalised", "[identity]") {
  identity_rules rules;
  for (const auto* value : {" Guest@Shop.example", "+14155550000", "WALKIN"}) rules.block(value);
  CHECK_FALSE(normalize(identifier_type::email, " TEST@test.com", rules));
  CHECK_FALSE(normalize(identifier_type::phone, "0000000000", rules));
  CHECK_FALSE(normalize(identifier_type::loyalty_id, "unknown", rules));
  CHECK_FALSE(normalize(identifier_type::cookie_id, "NULL", rules));
  CHECK_FALSE(normalize(identifier_type::email, "Guest@Shop.example", rules));
  CHECK_FALSE(normalize(identifier_type::phone, "(415) 555-0000", rules));  // blocked in E.164
  CHECK_FALSE(normalize(identifier_type::loyalty_id, "walkin", rules));
  CHECK(normalize(identifier_type::loyalty_id, " L-1002 ", rules) == std::optional<std::string>("L-1002"));
  CHECK(normalize(identifier_type::device_id, "Dev-ABC", rules) == std::optional<std::string>("Dev-ABC"));  // case kept
  CHECK_FALSE(normalize(identifier_type::qr_id, std::string(129, 'q'), rules));
  CHECK_FALSE(normalize(identifier_type::qr_id, "a\tb", rules));
}

TEST_CASE("identifiers are extracted per source, normalised and without duplicates", "[identity]") {
  const auto shopify = from(event_source::shopify, R"({
      "customer": {"email": "Ann@Example.com", "phone": "+1 415 555 0132"},
      "billing_address": {"phone": "(415) 555-0132"}, "shipping_address": {"phone": "415 555 0199"},
      "email": "ann@example.com", "cookie_id": "ck-1"})");
  CHECK(shopify == std::vector<identifier>{{identifier_type::email, "ann@example.com"},
                                           {identifier_type::phone, "+14155550132"},
                                           {identifier_type::phone, "+14155550199"},
                                           {identifier_type::cookie_id, "ck-1"}});
  // WhatsApp's sender is a whatsapp number and a phone.
  CHECK(from(event_source::whatsapp, R"({"from": "+44 7700 900123", "text": "hi"})") ==
        std::vector<identifier>{{identifier_type::phone, "+447700900123"}, {identifier_type::whatsapp, "+447700900123"}});
  // A till's loyalty card, given as a number; nested fields of other sources are not read.
  CHECK(from(event_source::pos, R"({"loyalty_id": 1002, "qr_id": "QR-9", "customer": {"email": "x@example.com"}})") ==
        std::vector<identifier>{{identifier_type::loyalty_id, "1002"}, {identifier_type::qr_id, "QR-9"}});
  // Junk and malformed values are dropped, the rest kept.
  CHECK(from(event_source::api, R"({"email": "test@test.com", "phone": "not a phone", "device_id": "d-7", "loyalty_id": true})") ==
        std::vector<identifier>{{identifier_type::device_id, "d-7"}});
  identity_rules german;
  german.default_region = "DE";
  CHECK(from(event_source::csv, R"({"phone": "030 12345678"})", german) ==
        std::vector<identifier>{{identifier_type::phone, "+493012345678"}});
}

TEST_CASE("strength sums each type's weight once, at most 100", "[identity]") {
  CHECK(strength_of({}) == 0);
  CHECK(strength_of({{identifier_type::cookie_id, "c"}}) == 5);
  CHECK(strength_of({{identifier_type::email, "a@x.io"}, {identifier_type::email, "b@x.io"}}) == 30);
  CHECK(strength_of({{identifier_type::email, "a@x.io"}, {identifier_type::phone, "+14155550132"}}) == 55);
  std::vector<identifier> all;
  for (const auto t : all_identifier_types) all.push_back({t, "v"});
  CHECK(strength_of(all) == 100);
}

TEST_CASE("a match creates, attaches, merges up to three profiles and sends more to review", "[identity]") {
  CHECK(match_for(0) == match_kind::created);
  CHECK(match_for(1) == match_kind::attached);
  CHECK(match_for(2) == match_kind::merged);
  CHECK(match_for(3) == match_kind::merged);
  CHECK(match_for(4) == match_kind::review);
  CHECK(to_string(match_for(17)) == "review");
}

TEST_CASE("the merge base is the strongest, then the oldest, then the smallest id", "[identity]") {
  const auto order = in_merge_order({{"p3", 30, {300}}, {"p1", 55, {200}}, {"p2", 55, {100}}, {"p0", 30, {300}}});
  std::vector<std::string> ids;
  for (const auto& c : order) ids.push_back(c.id);
  CHECK(ids == std::vector<std::string>{"p2", "p1", "p0", "p3"});
}

TEST_CASE("more than five values of one type is over the cap", "[identity]") {
  std::vector<identifier> held;
  for (int i = 0; i < 5; ++i) held.push_back({identifier_type::email, "a" + std::to_string(i) + "@x.io"});
  held.push_back({identifier_type::phone, "+14155550132"});
  CHECK_FALSE(over_cap(held));
  held.push_back({identifier_type::email, "a5@x.io"});
  CHECK(over_cap(held) == std::optional<identifier_type>(identifier_type::email));
}

TEST_CASE("names of types and sources read back", "[identity]") {
  for (const auto t : all_identifier_types) CHECK(identifier_type_from(to_string(t)) == t);
  CHECK_FALSE(identifier_type_from("ssn"));
  CHECK(event_source_from("pos") == event_source::pos);
  CHECK_FALSE(event_source_from("fax"));
}
