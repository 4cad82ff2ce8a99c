#include "common/log.hpp"

#include <boost/json/serialize.hpp>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <ctime>

namespace commerce::log {
namespace {

std::atomic<level> threshold{level::info};

constexpr std::string_view names[] = {"debug", "info", "warn", "error"};

std::string now_iso8601() {
  using namespace std::chrono;
  const auto now = system_clock::now();
  const std::time_t seconds = system_clock::to_time_t(now);
  const auto millis = duration_cast<milliseconds>(now.time_since_epoch()).count() % 1000;
  std::tm utc{};
  gmtime_r(&seconds, &utc);
  char buf[40];
  const auto n = std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &utc);
  std::snprintf(buf + n, sizeof buf - n, ".%03dZ", static_cast<int>(millis));
  return buf;
}

}  // namespace

void set_level(level l) { threshold = l; }

bool parse_level(std::string_view text, level& out) {
  for (std::size_t i = 0; i < std::size(names); ++i)
    if (names[i] == text) {
      out = static_cast<level>(i);
      return true;
    }
  return false;
}

void write(level l, std::string_view msg, boost::json::object fields) {
  if (l < threshold.load(std::memory_order_relaxed)) return;
  boost::json::object line;
  line["ts"] = now_iso8601();
  line["level"] = names[static_cast<int>(l)];
  line["msg"] = msg;
  for (auto& field : fields) line[field.key()] = std::move(field.value());
  std::string text = boost::json::serialize(line);
  text += '\n';
  // One fwrite per line: stdio locks the stream, so lines from threads never interleave.
  std::fwrite(text.data(), 1, text.size(), stderr);
}

}  // namespace commerce::log
