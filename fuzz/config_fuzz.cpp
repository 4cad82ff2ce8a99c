// Configuration parsing (config/config.cpp): the input is a config file, then, after a NUL
// byte, environment lines NAME=value (the COMMERCED_* overrides). load() must either return a
// configuration or throw config_error naming the problem; parse_duration must return a
// duration or nullopt. Any other exception, crash or UB is a finding.
#include "config/config.hpp"

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <string>
#include <string_view>
#include <unistd.h>

using namespace commerce::config;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const std::string& file_path() {
  static const std::string path = [] {
    const char* dir = std::getenv("TMPDIR");
    return std::string(dir && *dir ? dir : "/tmp") + "/commerce-config-fuzz-" + std::to_string(::getpid()) + ".conf";
  }();
  return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view input(reinterpret_cast<const char*>(data), size);
  const auto split = input.find('\0');
  const auto file = input.substr(0, split);
  const auto env_text = split == std::string_view::npos ? std::string_view() : input.substr(split + 1);

  // Every line of the file and of the environment part is also a duration to parse.
  for (auto rest = input; !rest.empty();) {
    const auto nl = rest.find_first_of("\n\0", 0, 2);
    const std::string line(rest.substr(0, nl));
    if (auto d = parse_duration(line)) check(d->count() >= 0);
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }

  std::map<std::string, std::string> env;
  for (auto rest = env_text; !rest.empty();) {
    const auto nl = rest.find('\n');
    const auto line = rest.substr(0, nl);
    const auto eq = line.find('=');
    if (eq != std::string_view::npos) env[std::string(line.substr(0, eq))] = std::string(line.substr(eq + 1));
    if (nl == std::string_view::npos) break;
    rest.remove_prefix(nl + 1);
  }
  const env_lookup lookup = [&env](const std::string& name) -> std::optional<std::string> {
    const auto it = env.find(name);
    if (it == env.end()) return std::nullopt;
    return it->second;
  };

  {
    std::ofstream out(file_path(), std::ios::binary | std::ios::trunc);
    out.write(file.data(), static_cast<std::streamsize>(file.size()));
  }
  try {
    const auto config = load(file_path(), lookup);
    check(config.http.max_connections >= 1 && config.scheduler_max_threads >= 1);
    check(config.http.read_timeout.count() >= 0 && config.payment.max_attempts >= 1);
    (void)config.postgres.conninfo();
  } catch (const config_error&) {
  }
  return 0;
}
