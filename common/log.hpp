// Structured logs: one JSON object a line on stderr, e.g.
//   {"ts":"2026-11-21T18:05:00.123Z","level":"info","msg":"listening","port":8080}
// Safe to call from any thread; a line is written whole.
#pragma once

#include <boost/json/object.hpp>

#include <string_view>

namespace commerce::log {

enum class level { debug, info, warn, error };

// Lines below this level are dropped. Parses "debug" | "info" | "warn" | "error".
void set_level(level l);
bool parse_level(std::string_view text, level& out);

void write(level l, std::string_view msg, boost::json::object fields = {});
inline void debug(std::string_view msg, boost::json::object fields = {}) { write(level::debug, msg, std::move(fields)); }
inline void info(std::string_view msg, boost::json::object fields = {}) { write(level::info, msg, std::move(fields)); }
inline void warn(std::string_view msg, boost::json::object fields = {}) { write(level::warn, msg, std::move(fields)); }
inline void error(std::string_view msg, boost::json::object fields = {}) { write(level::error, msg, std::move(fields)); }

}  // namespace commerce::log
