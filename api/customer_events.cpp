#include "api/customer_events.hpp"

#include "api/request_checks.hpp"
#include "common/secure.hpp"
#include "domain/money.hpp"

#include <boost/json.hpp>

#include <set>

namespace commerce::api {

using namespace domain;

namespace {

constexpr std::size_t max_type_length = 64;
constexpr std::size_t max_event_id_length = 64;

std::optional<rejection> check_event_id(const std::string& id, const std::string& field) {
  if (id.empty() || id.size() > max_event_id_length || !actors::printable_ascii(id, false))
    return invalid_field(field, "must be 1-64 printable characters without spaces");
  return std::nullopt;
}

std::optional<rejection> check_type(const std::string& type, const std::string& field) {
  if (type.empty() || type.size() > max_type_length || !actors::printable_ascii(type, false))
    return invalid_field(field, "must be 1-64 printable characters without spaces");
  return std::nullopt;
}

// The purchase total of `payload` into `e.total`, or the rejection naming the field.
std::optional<rejection> read_total(const boost::json::object& payload, const std::string& prefix, const event_reading& how,
                                    customer_event& e) {
  if (e.type != "purchase") return std::nullopt;
  const auto* total = payload.if_contains("total");
  if (!total) return std::nullopt;
  if (!total->is_int64() || total->as_int64() < 0 || total->as_int64() > max_amount)
    return invalid_field(prefix + "payload.total", "must be a whole number of minor units, 0 or more");
  e.total.amount = total->as_int64();
  e.total.currency = how.default_currency;
  if (const auto* currency = payload.if_contains("currency")) {
    if (!currency->is_string() || !valid_currency(currency->as_string()))
      return invalid_field(prefix + "payload.currency", "must be an ISO-4217 code such as USD");
    e.total.currency = std::string(currency->as_string());
  }
  return std::nullopt;
}

std::variant<parsed_event, rejection> read_event(const boost::json::value& v, const std::string& prefix,
                                                 const event_reading& how) {
  if (!v.is_object()) return invalid_field(prefix.empty() ? "body" : prefix.substr(0, prefix.size() - 1), "must be an event object");
  const auto& o = v.as_object();
  for (const auto& m : o)
    if (m.key() != "source" && m.key() != "type" && m.key() != "occurred_at" && m.key() != "event_id" && m.key() != "payload")
      return invalid_field(prefix + std::string(m.key()), "is not a field of an event");
  parsed_event out;
  auto& e = out.event;
  const auto* source = o.if_contains("source");
  const auto parsed_source = source && source->is_string() ? event_source_from(source->as_string()) : std::nullopt;
  if (!parsed_source) return invalid_field(prefix + "source", "must be one of shopify, whatsapp, pos, csv, api");
  e.source = *parsed_source;
  const auto* type = o.if_contains("type");
  if (!type || !type->is_string()) return invalid_field(prefix + "type", "must be a string");
  e.type = std::string(type->as_string());
  if (auto why = check_type(e.type, prefix + "type")) return *why;
  e.occurred_at = how.now;
  if (const auto* at = o.if_contains("occurred_at")) {
    const auto parsed = at->is_string() ? parse_iso8601(at->as_string()) : std::nullopt;
    if (!parsed) return invalid_field(prefix + "occurred_at", "must be an ISO-8601 time");
    e.occurred_at = *parsed;
  }
  if (const auto* id = o.if_contains("event_id")) {
    if (!id->is_string()) return invalid_field(prefix + "event_id", "must be a string");
    e.event_id = std::string(id->as_string());
    if (auto why = check_event_id(e.event_id, prefix + "event_id")) return *why;
    out.id_given = true;
  } else {
    e.event_id = how.new_id();
  }
  static const boost::json::object empty;
  const auto* payload = o.if_contains("payload");
  if (payload && !payload->is_object()) return invalid_field(prefix + "payload", "must be an object");
  const auto& fields = payload ? payload->as_object() : empty;
  if (auto why = read_total(fields, prefix, how, e)) return *why;
  e.payload = boost::json::serialize(fields);
  out.identifiers = extract_identifiers(e.source, fields, how.rules);
  return out;
}

// One CSV record from `at` (RFC 4180: quoted fields may hold commas, "" and line breaks).
// Returns false on an unterminated quote; `lines` counts the line breaks it crossed.
bool next_record(std::string_view body, std::size_t& at, std::vector<std::string>& fields, std::size_t& lines) {
  fields.assign(1, std::string());
  bool quoted = false, was_quoted = false;
  while (at < body.size()) {
    const char c = body[at++];
    if (quoted) {
      if (c == '"' && at < body.size() && body[at] == '"') {
        fields.back() += '"';
        ++at;
      } else if (c == '"') {
        quoted = false;
      } else {
        if (c == '\n') ++lines;
        fields.back() += c;
      }
    } else if (c == '"' && fields.back().empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      fields.emplace_back();
      was_quoted = false;
    } else if (c == '\n') {
      ++lines;
      return true;
    } else if (c != '\r') {
      fields.back() += c;
    }
  }
  return !quoted;
}

std::string trim(std::string s) {
  const auto first = s.find_first_not_of(" \t"), last = s.find_last_not_of(" \t");
  return first == std::string::npos ? std::string() : s.substr(first, last - first + 1);
}

}  // namespace

std::variant<std::vector<parsed_event>, rejection> read_events_body(const boost::json::value& body,
                                                                    const event_reading& how) {
  std::vector<parsed_event> out;
  const auto* events = body.is_object() ? body.as_object().if_contains("events") : nullptr;
  if (!events) {
    auto one = read_event(body, "", how);
    if (auto* why = std::get_if<rejection>(&one)) return *why;
    out.push_back(std::move(std::get<parsed_event>(one)));
    return out;
  }
  if (body.as_object().size() != 1) return invalid_field("events", "must be the only field of a batch");
  if (!events->is_array() || events->as_array().empty() || events->as_array().size() > max_events_per_batch)
    return invalid_field("events", "must be an array of 1 to " + std::to_string(max_events_per_batch) + " events");
  std::set<std::string> ids;
  for (std::size_t i = 0; i < events->as_array().size(); ++i) {
    const auto prefix = "events[" + std::to_string(i) + "].";
    auto one = read_event(events->as_array()[i], prefix, how);
    if (auto* why = std::get_if<rejection>(&one)) return *why;
    auto& e = std::get<parsed_event>(one);
    if (!ids.insert(e.event.event_id).second) return invalid_field(prefix + "event_id", "is given twice in this batch");
    out.push_back(std::move(e));
  }
  return out;
}

std::variant<csv_events, rejection> read_events_csv(std::string_view body, const event_reading& how) {
  if (!actors::valid_utf8(body) || body.find('\0') != std::string_view::npos)
    return invalid_field("body", "must be UTF-8 text without NUL characters");
  std::size_t at = 0, line = 1;
  std::vector<std::string> header;
  std::size_t crossed = 0;
  if (!next_record(body, at, header, crossed) || (header.size() == 1 && trim(header[0]).empty()))
    return invalid_field("body", "must start with a header row naming the columns");
  for (auto& name : header) name = trim(name);
  std::set<std::string> distinct(header.begin(), header.end());
  if (distinct.size() != header.size() || distinct.count(""))
    return invalid_field("body", "the header row must name each column once");
  line += crossed;
  csv_events out;
  std::set<std::string> ids;
  const auto file = "csv-" + secure::sha256_hex(body).substr(0, 16) + "-";
  std::vector<std::string> fields;
  std::size_t rows = 0;
  while (at < body.size()) {
    const auto row_line = line;
    crossed = 0;
    const bool closed = next_record(body, at, fields, crossed);
    line += crossed;
    if (!closed) {
      out.errors.push_back({row_line, "a quoted field is not closed"});
      break;
    }
    if (fields.size() == 1 && trim(fields[0]).empty()) continue;  // a blank line
    if (++rows > max_csv_rows) {
      out.errors.push_back({row_line, "more than " + std::to_string(max_csv_rows) + " rows: the rest is not read"});
      break;
    }
    if (fields.size() != header.size()) {
      out.errors.push_back({row_line, "has " + std::to_string(fields.size()) + " fields, the header " +
                                          std::to_string(header.size())});
      continue;
    }
    boost::json::object event{{"source", "csv"}, {"type", "csv_row"}, {"event_id", file + std::to_string(row_line)}};
    boost::json::object payload;
    for (std::size_t i = 0; i < header.size(); ++i) {
      auto value = trim(fields[i]);
      if (value.empty()) continue;
      const auto& name = header[i];
      if (name == "event_id" || name == "type" || name == "occurred_at") event[name] = value;
      else if (name == "total") {
        try {
          std::size_t used = 0;
          const auto n = std::stoll(value, &used);
          if (used != value.size()) throw std::invalid_argument("total");
          payload[name] = n;
        } catch (const std::exception&) {
          payload[name] = value;  // read_total refuses it with its reason
        }
      } else payload[name] = value;
    }
    event["payload"] = std::move(payload);
    auto one = read_event(event, "", how);
    if (auto* why = std::get_if<rejection>(&one)) {
      out.errors.push_back({row_line, why->detail});
      continue;
    }
    auto& e = std::get<parsed_event>(one);
    if (!ids.insert(e.event.event_id).second) {
      out.errors.push_back({row_line, "event_id is given twice in this file"});
      continue;
    }
    out.events.push_back(std::move(e));
  }
  return out;
}

}  // namespace commerce::api
