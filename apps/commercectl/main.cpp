// commercectl: the operator's command line of a commerced node (API.md, "Operator console and
// CLI"). Exit status 0 when done, 1 when the node refused the call or could not be reached (or
// a retry-all left a letter not accepted), 2 when the command line is wrong. Wiring only: see verbs.hpp.
#include "apps/commercectl/verbs.hpp"

#include <iostream>

int main(int argc, char** argv) {
  using namespace commercectl;
  try {
    return run_command(parse_command_line(argc, argv));
  } catch (const usage_error& e) {
    const std::string what = e.what();
    std::cerr << "commercectl: " << what << "\n";
    if (what.find("usage: ") == std::string::npos)
      std::cerr << "usage: commercectl [--url U] [--token-file F] [-o table|json] [--reason R] VERB ... (commercectl --help)\n";
    return 2;
  } catch (const refused& e) {
    // The node's words: made safe for the terminal like everything else it sends.
    std::cerr << "commercectl: " << terminal_safe(e.code) << ": " << terminal_safe(e.detail) << " (HTTP " << e.status
              << ")\n";
    if (e.status == 401)
      std::cerr << "commercectl: give the admin token in COMMERCECTL_TOKEN or with --token-file (or --token)\n";
    return 1;
  } catch (const unreachable& e) {
    std::cerr << "commercectl: " << terminal_safe(e.what()) << "\n";
    return 1;
  } catch (const std::exception& e) {
    std::cerr << "commercectl: " << terminal_safe(e.what()) << "\n";
    return 1;
  }
}
