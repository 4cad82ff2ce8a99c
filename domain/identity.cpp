#include "domain/identity.hpp"

#include <algorithm>
#include <cctype>
#include <map>

namespace commerce::domain {

namespace {

constexpr std::string_view type_names[] = {"email", "phone", "whatsapp", "loyalty_id", "device_id", "cookie_id", "qr_id"};
constexpr std::string_view source_names[] = {"shopify", "whatsapp", "pos", "csv", "api"};
constexpr std::string_view match_names[] = {"created", "attached", "merged", "review"};

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool is_digit(char c) { return c >= '0' && c <= '9'; }
bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }

// RFC 5321's dot-atom local part and a DNS host name with a top-level domain of letters.
bool valid_email(std::string_view e) {
  const auto at = e.find('@');
  if (at == std::string_view::npos || e.find('@', at + 1) != std::string_view::npos || e.size() > 254) return false;
  const auto local = e.substr(0, at), domain = e.substr(at + 1);
  if (local.empty() || local.size() > 64 || local.front() == '.' || local.back() == '.' ||
      local.find("..") != std::string_view::npos)
    return false;
  constexpr std::string_view local_specials = ".!#$%&'*+/=?^_`{|}~-";
  for (const char c : local)
    if (!is_alnum(c) && local_specials.find(c) == std::string_view::npos) return false;
  if (domain.empty() || domain.find('.') == std::string_view::npos) return false;
  std::size_t start = 0;
  while (start <= domain.size()) {
    const auto dot = std::min(domain.find('.', start), domain.size());
    const auto label = domain.substr(start, dot - start);
    if (label.empty() || label.size() > 63 || label.front() == '-' || label.back() == '-') return false;
    for (const char c : label)
      if (!is_alnum(c) && c != '-') return false;
    if (dot == domain.size()) {  // the top-level domain
      if (label.size() < 2 || !std::all_of(label.begin(), label.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); }))
        return false;
      break;
    }
    start = dot + 1;
  }
  return true;
}

// Calling codes of the regions a national number may be read in; `trunk_zero`: a national
// number's leading 0 is a trunk prefix, dropped in E.164 (not in Italy, where it is part of it).
struct region {
  std::string_view calling_code;
  bool trunk_zero;
};
const std::map<std::string, region, std::less<>>& regions() {
  static const std::map<std::string, region, std::less<>> table{
      {"AT", {"43", true}},  {"AU", {"61", true}}, {"BE", {"32", true}},  {"BR", {"55", true}},
      {"CA", {"1", false}},  {"CH", {"41", true}}, {"DE", {"49", true}},  {"DK", {"45", false}},
      {"ES", {"34", false}}, {"FR", {"33", true}}, {"GB", {"44", true}},  {"IE", {"353", true}},
      {"IN", {"91", true}},  {"IT", {"39", false}}, {"JP", {"81", true}}, {"MX", {"52", false}},
      {"NL", {"31", true}},  {"NO", {"47", false}}, {"PL", {"48", false}}, {"PT", {"351", false}},
      {"SE", {"46", true}},  {"US", {"1", false}}, {"ZA", {"27", true}}};
  return table;
}

std::optional<std::string> e164(std::string digits) {
  if (digits.size() < 8 || digits.size() > 15 || digits.front() == '0') return std::nullopt;
  return "+" + digits;
}

std::optional<std::string> normalize_id(std::string_view raw) {
  const auto v = trimmed(raw);
  if (v.empty() || v.size() > 128) return std::nullopt;
  for (const char c : v)
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) return std::nullopt;
  return std::string(v);
}

const boost::json::value* at_path(const boost::json::object& payload, std::string_view first, std::string_view second) {
  const auto* outer = payload.if_contains(first);
  if (!outer || !outer->is_object()) return nullptr;
  return outer->as_object().if_contains(second);
}

}  // namespace

void identity_rules::block(std::string_view value) { blocked.insert(lower(trimmed(value))); }

std::string_view to_string(identifier_type t) { return type_names[static_cast<int>(t)]; }
std::optional<identifier_type> identifier_type_from(std::string_view name) {
  for (const auto t : all_identifier_types)
    if (to_string(t) == name) return t;
  return std::nullopt;
}

std::string index_key(const identifier& id) { return std::string(to_string(id.type)) + ":" + id.value; }

std::string_view to_string(event_source s) { return source_names[static_cast<int>(s)]; }
std::optional<event_source> event_source_from(std::string_view name) {
  for (int i = 0; i < 5; ++i)
    if (source_names[i] == name) return static_cast<event_source>(i);
  return std::nullopt;
}

std::string_view to_string(match_kind m) { return match_names[static_cast<int>(m)]; }

const std::set<std::string>& built_in_blocklist() {
  static const std::set<std::string> values{
      "test@test.com", "test@example.com", "noemail@noemail.com", "no@email.com", "none@none.com", "email@email.com",
      "0000000000",    "1111111111",       "1234567890",          "+10000000000", "unknown",       "null",
      "none",          "n/a",              "na",                  "undefined",    "-",             "0"};
  return values;
}

std::optional<std::string> normalize_email(std::string_view raw) {
  auto e = lower(trimmed(raw));
  if (!valid_email(e)) return std::nullopt;
  return e;
}

std::optional<std::string> normalize_phone(std::string_view raw, std::string_view default_region) {
  auto v = trimmed(raw);
  if (v.empty()) return std::nullopt;
  // "+49 (0)30 …": the trunk 0 people write in brackets after the calling code is not dialled.
  std::string written(v);
  if (written.front() == '+')
    for (auto at = written.find("(0)"); at != std::string::npos; at = written.find("(0)")) written.erase(at, 3);
  v = written;
  std::string digits;
  bool plus = false;
  for (std::size_t i = 0; i < v.size(); ++i) {
    const char c = v[i];
    if (is_digit(c)) digits += c;
    else if (c == '+' && i == 0) plus = true;
    else if (c != ' ' && c != '-' && c != '.' && c != '(' && c != ')' && c != '/') return std::nullopt;
  }
  if (plus) return e164(digits);
  if (digits.rfind("00", 0) == 0) return e164(digits.substr(2));  // the international prefix
  const auto r = regions().find(default_region);
  if (r == regions().end()) return std::nullopt;
  const auto& [code, trunk_zero] = r->second;
  if (code == "1") {  // the North American plan: 10 digits, or 11 with its 1 in front
    if (digits.size() == 11 && digits.front() == '1') digits.erase(0, 1);
    if (digits.size() != 10) return std::nullopt;
  } else {
    if (trunk_zero && !digits.empty() && digits.front() == '0') digits.erase(0, 1);
    if (digits.size() < 6) return std::nullopt;
  }
  return e164(std::string(code) + digits);
}

std::optional<std::string> normalize(identifier_type type, std::string_view raw, const identity_rules& rules) {
  std::optional<std::string> value;
  switch (type) {
    case identifier_type::email: value = normalize_email(raw); break;
    case identifier_type::phone:
    case identifier_type::whatsapp: value = normalize_phone(raw, rules.default_region); break;
    default: value = normalize_id(raw);
  }
  if (!value) return std::nullopt;
  const auto as_written = lower(trimmed(raw)), normal = lower(*value);
  for (const auto* list : {&built_in_blocklist(), &rules.blocked})
    if (list->count(normal) || list->count(as_written)) return std::nullopt;
  return value;
}

std::vector<identifier> extract_identifiers(event_source source, const boost::json::object& payload,
                                            const identity_rules& rules) {
  std::set<identifier> found;
  auto take = [&](identifier_type type, const boost::json::value* v) {
    if (!v) return;
    std::string raw;
    if (v->is_string()) raw = std::string(v->as_string());
    else if (v->is_int64() && type != identifier_type::email) raw = std::to_string(v->as_int64());
    else return;
    if (auto value = normalize(type, raw, rules)) found.insert({type, std::move(*value)});
  };
  for (const auto type : all_identifier_types) take(type, payload.if_contains(to_string(type)));
  if (source == event_source::shopify) {
    take(identifier_type::email, at_path(payload, "customer", "email"));
    take(identifier_type::phone, at_path(payload, "customer", "phone"));
    take(identifier_type::phone, at_path(payload, "billing_address", "phone"));
    take(identifier_type::phone, at_path(payload, "shipping_address", "phone"));
  }
  if (source == event_source::whatsapp) {
    take(identifier_type::whatsapp, payload.if_contains("from"));
    take(identifier_type::phone, payload.if_contains("from"));
  }
  return {found.begin(), found.end()};
}

int identifier_weight(identifier_type t) {
  switch (t) {
    case identifier_type::loyalty_id: return 35;
    case identifier_type::email: return 30;
    case identifier_type::phone: return 25;
    case identifier_type::whatsapp: return 20;
    case identifier_type::qr_id: return 15;
    case identifier_type::device_id: return 10;
    case identifier_type::cookie_id: return 5;
  }
  return 0;
}

int strength_of(const std::vector<identifier>& held) {
  std::set<identifier_type> types;
  for (const auto& i : held) types.insert(i.type);
  int sum = 0;
  for (const auto t : types) sum += identifier_weight(t);
  return std::min(sum, 100);
}

match_kind match_for(std::size_t profiles) {
  if (profiles == 0) return match_kind::created;
  if (profiles == 1) return match_kind::attached;
  return profiles <= max_auto_merge ? match_kind::merged : match_kind::review;
}

std::vector<merge_candidate> in_merge_order(std::vector<merge_candidate> candidates) {
  std::sort(candidates.begin(), candidates.end(), [](const merge_candidate& a, const merge_candidate& b) {
    if (a.strength != b.strength) return a.strength > b.strength;
    if (a.created_at != b.created_at) return a.created_at < b.created_at;
    return a.id < b.id;
  });
  return candidates;
}

std::optional<identifier_type> over_cap(const std::vector<identifier>& held) {
  for (const auto t : all_identifier_types)
    if (std::count_if(held.begin(), held.end(), [t](const identifier& i) { return i.type == t; }) >
        static_cast<std::ptrdiff_t>(max_values_per_type))
      return t;
  return std::nullopt;
}

}  // namespace commerce::domain
