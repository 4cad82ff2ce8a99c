// The words and options of one commercectl invocation. Options may come before or after the
// verb (`commercectl -o json get product MUG` and `commercectl get product MUG -o json` are the
// same); `--` ends them. Each verb says which options it takes; any other is a usage error.
#pragma once

#include <map>
#include <set>
#include <stdexcept>
#include <string>
#include <vector>

namespace commercectl {

// Exit status 2: the command line itself is wrong.
struct usage_error : std::runtime_error {
  using std::runtime_error::runtime_error;
};

struct command_line {
  std::vector<std::string> words;              // the verb, its sub-verb and its arguments
  std::map<std::string, std::string> options;  // "--limit 5" → {"limit", "5"}; the last one given wins
  std::set<std::string> switches;              // "--dry-run", "--yes", "--help"

  bool has(const std::string& name) const { return options.count(name) || switches.count(name); }
  std::string option(const std::string& name, const std::string& otherwise = "") const {
    const auto found = options.find(name);
    return found == options.end() ? otherwise : found->second;
  }
};

// Options every verb takes (--url, --token, --token-file, -o/--output, --reason, --idempotency-key).
extern const std::set<std::string> global_options;

// Throws usage_error for an unknown short option or an option without its value.
command_line parse_command_line(int argc, const char* const* argv);

}  // namespace commercectl
