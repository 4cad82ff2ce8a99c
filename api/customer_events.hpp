// Reading customer events from request bodies (API.md, Customer data platform), strictly and
// without CAF: POST /v1/events (one event or {"events": [up to 1,000]}) and POST
// /v1/events/csv (a header row, then one event per row, source csv).
//
// An event: {"source", "type", "occurred_at"?, "event_id"?, "payload": {...}}. Without an
// event_id one is made (evt_<hex>); giving one makes a resend attach once. A purchase's
// payload.total (minor units) and payload.currency (else the default) add to the lifetime value.
// CSV columns: event_id, type (default csv_row), occurred_at, total and currency are read as
// such; every other column is a payload field (so a column named email is an identifier). A row
// without an event_id gets csv-<digest of the file>-<line>, so the same file sent again attaches
// nothing twice.
#pragma once

#include "domain/identity.hpp"
#include "domain/profile.hpp"
#include "domain/rejection.hpp"

#include <boost/json/value.hpp>

#include <cstddef>
#include <functional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::api {

inline constexpr std::size_t max_events_per_batch = 1000;
inline constexpr std::size_t max_csv_rows = 10000;  // resolved within one request

struct event_reading {
  domain::identity_rules rules;
  std::string default_currency = "USD";
  domain::timestamp now;                 // an event without occurred_at happened now
  std::function<std::string()> new_id;  // an event without event_id gets this
};

struct parsed_event {
  domain::customer_event event;
  std::vector<domain::identifier> identifiers;
  bool id_given = false;  // the sender named it: it may be a resend
};

// The events of a POST /v1/events body, or the rejection naming the first bad field
// (events[3].source). All or nothing: one bad event refuses the batch.
std::variant<std::vector<parsed_event>, domain::rejection> read_events_body(const boost::json::value& body,
                                                                            const event_reading& how);

struct csv_row_error {
  std::size_t line = 0;  // 1-based, the header is line 1
  std::string detail;
};
struct csv_events {
  std::vector<parsed_event> events;
  std::vector<csv_row_error> errors;
};
// The rows of a CSV body; a bad row is reported and the others are taken. A body without a
// usable header row is refused.
std::variant<csv_events, domain::rejection> read_events_csv(std::string_view body, const event_reading& how);

}  // namespace commerce::api
