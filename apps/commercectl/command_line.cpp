#include "apps/commercectl/command_line.hpp"

namespace commercectl {
namespace {

// Options that take no value.
const std::set<std::string> switch_names{"help", "dry-run", "yes", "version"};

}  // namespace

const std::set<std::string> global_options{"url", "token", "token-file", "output", "reason", "idempotency-key"};

command_line parse_command_line(int argc, const char* const* argv) {
  command_line out;
  bool options_ended = false;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (options_ended || arg.size() < 2 || arg[0] != '-') {
      out.words.push_back(arg);
      continue;
    }
    if (arg == "--") {
      options_ended = true;
      continue;
    }
    std::string name;
    std::string value;
    bool has_value = false;
    if (arg[1] == '-') {
      name = arg.substr(2);
      if (const auto equals = name.find('='); equals != std::string::npos) {
        value = name.substr(equals + 1);
        name.erase(equals);
        has_value = true;
      }
    } else if (arg == "-h") {
      name = "help";
    } else if (arg == "-o") {
      name = "output";
    } else {
      throw usage_error("unknown option " + arg);
    }
    if (name.empty()) throw usage_error("unknown option " + arg);
    if (switch_names.count(name)) {
      if (has_value) throw usage_error("--" + name + " takes no value");
      out.switches.insert(name);
      continue;
    }
    if (!has_value) {
      if (i + 1 >= argc) throw usage_error((arg == "-o" ? arg : "--" + name) + " needs a value");
      value = argv[++i];
    }
    out.options[name] = value;
  }
  return out;
}

}  // namespace commercectl
