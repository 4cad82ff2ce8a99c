#include "domain/time.hpp"

#include <boost/json.hpp>

#include <cstdio>
#include <stdexcept>

namespace commerce::domain {
namespace {

// Howard Hinnant's civil-calendar algorithms: exact for the proleptic Gregorian calendar.
std::int64_t days_from_civil(std::int64_t y, unsigned m, unsigned d) {
  y -= m <= 2;
  const std::int64_t era = (y >= 0 ? y : y - 399) / 400;
  const unsigned yoe = static_cast<unsigned>(y - era * 400);
  const unsigned doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  const unsigned doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

void civil_from_days(std::int64_t z, std::int64_t& y, unsigned& m, unsigned& d) {
  z += 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const unsigned doe = static_cast<unsigned>(z - era * 146097);
  const unsigned yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const unsigned doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const unsigned mp = (5 * doy + 2) / 153;
  d = doy - (153 * mp + 2) / 5 + 1;
  m = mp < 10 ? mp + 3 : mp - 9;
  y = static_cast<std::int64_t>(yoe) + era * 400 + (m <= 2);
}

bool read_digits(std::string_view text, std::size_t pos, std::size_t count, unsigned& out) {
  if (pos + count > text.size()) return false;
  out = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (text[i] < '0' || text[i] > '9') return false;
    out = out * 10 + static_cast<unsigned>(text[i] - '0');
  }
  return true;
}

unsigned days_in_month(std::int64_t y, unsigned m) {
  static constexpr unsigned days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  const bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  return m == 2 && leap ? 29 : days[m - 1];
}

}  // namespace

std::string to_iso8601(timestamp t) {
  const std::int64_t ms_per_day = 86'400'000;
  std::int64_t days = t.ms_since_epoch / ms_per_day;
  std::int64_t rest = t.ms_since_epoch % ms_per_day;
  if (rest < 0) {
    rest += ms_per_day;
    --days;
  }
  std::int64_t y;
  unsigned m, d;
  civil_from_days(days, y, m, d);
  char buf[64];  // roomy enough for any int64 year
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02uT%02lld:%02lld:%02lld.%03lldZ",
                static_cast<long long>(y), m, d, static_cast<long long>(rest / 3'600'000),
                static_cast<long long>(rest / 60'000 % 60), static_cast<long long>(rest / 1000 % 60),
                static_cast<long long>(rest % 1000));
  return buf;
}

std::optional<timestamp> parse_iso8601(std::string_view s) {
  unsigned year, month, day, hour, minute, second, millis = 0;
  if (!read_digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !read_digits(s, 5, 2, month) ||
      s[7] != '-' || !read_digits(s, 8, 2, day) || s[10] != 'T' || !read_digits(s, 11, 2, hour) ||
      s[13] != ':' || !read_digits(s, 14, 2, minute) || s[16] != ':' || !read_digits(s, 17, 2, second))
    return std::nullopt;
  std::size_t pos = 19;
  if (s[pos] == '.') {
    if (!read_digits(s, pos + 1, 3, millis)) return std::nullopt;
    pos += 4;
  }
  if (pos + 1 != s.size() || s[pos] != 'Z') return std::nullopt;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23 ||
      minute > 59 || second > 59)
    return std::nullopt;
  const std::int64_t days = days_from_civil(year, month, day);
  return timestamp{((days * 24 + hour) * 60 + minute) * 60'000 + second * 1000 + millis};
}

void tag_invoke(const boost::json::value_from_tag&, boost::json::value& out, timestamp t) {
  out = to_iso8601(t);
}

timestamp tag_invoke(const boost::json::value_to_tag<timestamp>&, const boost::json::value& in) {
  if (auto t = parse_iso8601(in.as_string())) return *t;
  throw std::invalid_argument("not an ISO-8601 UTC time: " + std::string(in.as_string()));
}

}  // namespace commerce::domain
