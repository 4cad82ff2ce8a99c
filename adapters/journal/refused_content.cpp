#include "adapters/journal/journal.hpp"

#include <string_view>

namespace commerce::adapters {
namespace {

// PostgreSQL's own rule (pg_utf8_islegal): shortest form only, no surrogates, nothing past
// U+10FFFF. A NUL byte is valid UTF-8 but no PostgreSQL text may hold it.
bool storable_text(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  const auto* end = p + s.size();
  while (p < end) {
    const unsigned char c = *p;
    if (c == 0) return false;
    if (c < 0x80) {
      ++p;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xBF;  // bounds of the second byte
    if (c >= 0xC2 && c <= 0xDF) length = 2;
    else if (c == 0xE0) length = 3, low = 0xA0;
    else if (c == 0xED) length = 3, high = 0x9F;  // not a surrogate
    else if (c >= 0xE1 && c <= 0xEF) length = 3;
    else if (c == 0xF0) length = 4, low = 0x90;
    else if (c >= 0xF1 && c <= 0xF3) length = 4;
    else if (c == 0xF4) length = 4, high = 0x8F;
    else return false;
    if (static_cast<std::size_t>(end - p) < length) return false;
    if (p[1] < low || p[1] > high) return false;
    for (std::size_t k = 2; k < length; ++k)
      if (p[k] < 0x80 || p[k] > 0xBF) return false;
    p += length;
  }
  return true;
}

// jsonb turns escapes into text, and text cannot hold U+0000: `\u0000` is refused.
bool storable_json(std::string_view s) {
  if (!storable_text(s)) return false;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] != '\\') continue;
    if (s.substr(i + 1, 5) == "u0000") return false;
    ++i;  // an escaped backslash escapes nothing after it
  }
  return true;
}

}  // namespace

std::optional<std::string> refused_content(const append_request& request) {
  if (!storable_text(request.stream_type) || !storable_text(request.stream_id))
    return "the stream name is not storable text (invalid UTF-8 or a NUL byte)";
  for (const auto& e : request.events) {
    if (!storable_text(e.event_type)) return "an event type is not storable text (invalid UTF-8 or a NUL byte)";
    if (!storable_json(e.data)) return "event data of " + e.event_type + " holds \\u0000, a NUL byte or invalid UTF-8";
    if (!storable_json(e.metadata))
      return "event metadata of " + e.event_type + " holds \\u0000, a NUL byte or invalid UTF-8";
  }
  for (const auto& t : request.timers)
    if (!storable_text(t.name)) return "a timer name is not storable text (invalid UTF-8 or a NUL byte)";
  return std::nullopt;
}

}  // namespace commerce::adapters
