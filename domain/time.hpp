// Time as the domain sees it: an instant in UTC with millisecond precision, always passed in
// (the domain never reads a clock), written on the wire as ISO-8601 ("2026-11-21T18:05:00.123Z").
#pragma once

#include <boost/json/fwd.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace commerce::domain {

using duration = std::chrono::milliseconds;

struct timestamp {
  std::int64_t ms_since_epoch = 0;

  friend timestamp operator+(timestamp t, duration d) { return {t.ms_since_epoch + d.count()}; }
  friend duration operator-(timestamp a, timestamp b) { return duration{a.ms_since_epoch - b.ms_since_epoch}; }
  friend bool operator==(timestamp a, timestamp b) { return a.ms_since_epoch == b.ms_since_epoch; }
  friend bool operator!=(timestamp a, timestamp b) { return !(a == b); }
  friend bool operator<(timestamp a, timestamp b) { return a.ms_since_epoch < b.ms_since_epoch; }
  friend bool operator<=(timestamp a, timestamp b) { return !(b < a); }
  friend bool operator>(timestamp a, timestamp b) { return b < a; }
  friend bool operator>=(timestamp a, timestamp b) { return !(a < b); }
};

std::string to_iso8601(timestamp t);
// Accepts "YYYY-MM-DDTHH:MM:SS[.fff]Z"; anything else is nullopt.
std::optional<timestamp> parse_iso8601(std::string_view text);

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, timestamp t);
timestamp tag_invoke(const boost::json::value_to_tag<timestamp>&, const boost::json::value& in);

}  // namespace commerce::domain
