// The operator console (/console/) in a real browser: a node with a product, a cart with an item
// and dead letters (prices the sandbox store platform refuses, parked_letters.hpp), then
// tests/browser/console.test.mjs drives Debian's Chromium against it through playwright-core
// (sign-in, charts, an entity's history, retry and discard of dead letters with the audit log,
// live events, the Content-Security-Policy) and writes a screenshot of each view to
// <build>/artifacts/console/. scripts/test installs Chromium and tests/browser's node_modules.
#include "e2e/parked_letters.hpp"

#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <sys/wait.h>

using namespace commerce;
using namespace commerce::test;
namespace fs = std::filesystem;

namespace {

// The repository: from this file's path (absolute, or relative to the build's tests/ folder
// where ctest runs this when ccache's base_dir made it relative), else from the commerced under
// test (<repo>/<build dir>/apps/commerced).
fs::path repository() {
  const auto from_source = fs::path(__FILE__).parent_path().parent_path().parent_path();
  if (fs::exists(from_source / "tests/browser/console.test.mjs")) return from_source;
  return fs::path(required_env("COMMERCE_TEST_COMMERCED")).parent_path().parent_path().parent_path();
}

// Where the artefacts of this build go: <build dir>/artifacts/console.
fs::path screenshots_dir() {
  return fs::path(required_env("COMMERCE_TEST_COMMERCED")).parent_path().parent_path() / "artifacts" / "console";
}

std::string quoted(const std::string& s) {
  std::string out = "'";
  for (const char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

struct run_result {
  int status = -1;
  std::string output;
};

// Runs `command` through the shell, its stderr with its stdout; the exit status (128 + signal).
run_result run(const std::string& command) {
  run_result r;
  FILE* pipe = ::popen((command + " 2>&1").c_str(), "r");
  REQUIRE(pipe != nullptr);
  char buffer[4096];
  while (const auto n = std::fread(buffer, 1, sizeof buffer, pipe)) r.output.append(buffer, n);
  const int status = ::pclose(pipe);
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : WIFSIGNALED(status) ? 128 + WTERMSIG(status) : -1;
  return r;
}

}  // namespace

TEST_CASE("the operator console works in a real browser: sign-in, charts, history, dead letters, live events, CSP",
          "[e2e][console][browser]") {
  const auto repo = repository();
  const auto browser_dir = repo / "tests" / "browser";
  const char* chromium_env = std::getenv("COMMERCE_CHROMIUM");
  const std::string chromium = chromium_env && *chromium_env ? chromium_env : "/usr/bin/chromium";
  if (!fs::exists(browser_dir / "node_modules" / "playwright-core" / "package.json"))
    FAIL(browser_dir.string() + "/node_modules is missing: run scripts/test, which installs it (npm ci in tests/browser)");
  if (!fs::exists(chromium)) FAIL(chromium + " is missing: run scripts/test, which installs Debian's chromium");
  if (run("command -v node").status != 0) FAIL("node is missing: run scripts/test, which installs Node.js");

  parked_letters letters;
  auto& n = letters.n;
  n.product("console-mug", 20, "kitchen");
  const auto cart = n.cart();
  REQUIRE(n.call("PUT", "/v1/carts/" + cart + "/items/console-mug", R"({"quantity":2})").status == 200);
  REQUIRE(n.call("PUT", "/v1/carts/" + cart + "/items/console-mug", R"({"quantity":3})").status == 200);
  letters.park({"REFUSED-1", "REFUSED-2", "REFUSED-3", "REFUSED-4", "REFUSED-5"}, 5);
  letters.heal();  // a letter the browser retries is delivered, not parked again

  const auto shots = screenshots_dir();
  fs::create_directories(shots);
  const std::string command =
      "cd " + quoted(browser_dir.string()) +
      " && COMMERCE_CONSOLE_URL=" + quoted("http://127.0.0.1:" + std::to_string(n.node.port())) +
      " COMMERCE_CONSOLE_TOKEN=test-admin-token COMMERCE_CONSOLE_CART=" + quoted(cart) +
      " COMMERCE_CONSOLE_SCREENSHOTS=" + quoted(shots.string()) + " COMMERCE_CHROMIUM=" + quoted(chromium) +
      " timeout --kill-after=10 240 node console.test.mjs";
  const auto result = run(command);
  std::printf("%s\n", result.output.c_str());
  INFO(result.output);
  CHECK(result.status == 0);
}
