// commercectl, the operator's command line (API.md, "Operator console and CLI"), run as a child
// process against a real node: every verb, both output forms (the JSON parses, the tables read),
// exit statuses 0 (done), 1 (refused or unreachable) and 2 (usage), --help everywhere, and
// `tail` following the live events until SIGINT.
//
// The binary is found next to commerced (COMMERCE_TEST_COMMERCED): build/apps/commercectl.
//
// Test cases tagged [server-additions] use calls the console issue adds to the node (the audit
// log, bulk dead-letter actions, the dead-letter filters, paged entity events, the list of
// pricing jobs).
#include "e2e/api_fixture.hpp"
#include "e2e/parked_letters.hpp"

#include <fcntl.h>
#include <poll.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <optional>
#include <set>
#include <sstream>
#include <vector>

extern char** environ;

using namespace commerce;
using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

std::string commercectl_binary() {
  const auto commerced = required_env("COMMERCE_TEST_COMMERCED");
  return commerced.substr(0, commerced.rfind('/') + 1) + "commercectl";
}

// One commercectl run: started at once, its stdout and stderr read as they come (both pipes, so
// that neither can fill up and block it).
// The test's environment without a developer's own COMMERCECTL_ settings, plus `env`.
std::vector<std::string> child_environment(const std::map<std::string, std::string>& env) {
  std::vector<std::string> entries;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("COMMERCECTL_", 0) != 0) entries.emplace_back(*e);
  for (const auto& [k, v] : env) entries.push_back(k + "=" + v);
  return entries;
}

class ctl_process {
 public:
  explicit ctl_process(std::vector<std::string> args, const std::map<std::string, std::string>& env = {}) {
    auto entries = child_environment(env);
    const auto binary = commercectl_binary();
    args.insert(args.begin(), binary);
    int out_pipe[2], err_pipe[2];
    REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(err_pipe, O_CLOEXEC) == 0);
    pid_ = ::fork();
    REQUIRE(pid_ >= 0);
    if (pid_ == 0) {
      ::prctl(PR_SET_PDEATHSIG, SIGKILL);
      ::dup2(out_pipe[1], STDOUT_FILENO);
      ::dup2(err_pipe[1], STDERR_FILENO);
      const int null = ::open("/dev/null", O_RDONLY);
      ::dup2(null, STDIN_FILENO);
      exec_program(binary, std::move(args), std::move(entries));
    }
    ::close(out_pipe[1]);
    ::close(err_pipe[1]);
    fds_[0] = out_pipe[0];
    fds_[1] = err_pipe[0];
  }
  ~ctl_process() {
    if (pid_ > 0 && status_ == unknown) {
      ::kill(pid_, SIGKILL);
      ::waitpid(pid_, nullptr, 0);
    }
    for (const int fd : fds_)
      if (fd >= 0) ::close(fd);
  }
  ctl_process(const ctl_process&) = delete;
  ctl_process& operator=(const ctl_process&) = delete;

  // Reads what comes until `done()` holds or `timeout` passes; whether it held.
  bool read_until(const std::function<bool()>& done, std::chrono::milliseconds timeout) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
      if (std::chrono::steady_clock::now() >= deadline || !pump(50)) return done();
    }
    return true;
  }
  void signal(int sig) { ::kill(pid_, sig); }
  // Reads to the end and waits for the exit: its status (128 + signal when killed by one), or -1
  // when it did not end within `timeout` (then it is killed).
  int finish(std::chrono::milliseconds timeout = 60s) {
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    while ((fds_[0] >= 0 || fds_[1] >= 0) && std::chrono::steady_clock::now() < deadline) pump(50);
    while (std::chrono::steady_clock::now() < deadline) {
      int status = 0;
      if (::waitpid(pid_, &status, WNOHANG) == pid_) {
        status_ = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return status_;
      }
      std::this_thread::sleep_for(10ms);
    }
    return -1;
  }
  const std::string& out() const { return out_; }
  const std::string& err() const { return err_; }

 private:
  static constexpr int unknown = -1000;

  // One wait of up to `ms` for output; false when both pipes are closed.
  bool pump(int ms) {
    pollfd p[2];
    int n = 0;
    for (const int fd : fds_)
      if (fd >= 0) p[n++] = {fd, POLLIN, 0};
    if (n == 0) return false;
    if (::poll(p, static_cast<nfds_t>(n), ms) <= 0) return true;
    for (int i = 0; i < n; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[8192];
      const auto got = ::read(p[i].fd, chunk, sizeof chunk);
      auto& text = p[i].fd == fds_[0] ? out_ : err_;
      if (got > 0) {
        text.append(chunk, static_cast<std::size_t>(got));
      } else {
        auto& slot = p[i].fd == fds_[0] ? fds_[0] : fds_[1];
        ::close(slot);
        slot = -1;
      }
    }
    return true;
  }

  int pid_ = -1;
  int fds_[2] = {-1, -1};
  int status_ = unknown;
  std::string out_, err_;
};

struct ctl_result {
  int status = -1;
  std::string out, err;

  boost::json::value json() const {
    INFO("stdout: " << out << "\nstderr: " << err);
    boost::json::error_code ec;
    auto v = boost::json::parse(out, ec);
    REQUIRE_FALSE(ec);
    return v;
  }
};

ctl_result run_ctl(const std::vector<std::string>& args, const std::map<std::string, std::string>& env = {}) {
  ctl_process p(args, env);
  ctl_result r;
  r.status = p.finish();
  r.out = p.out();
  r.err = p.err();
  return r;
}

std::string url_of(std::uint16_t port) { return "http://127.0.0.1:" + std::to_string(port); }

// A commercectl run as an operator makes it: stdin and stderr on a terminal (a pseudo-terminal),
// stdout on a pipe. `answer` and a newline are typed once a question ("[y/N] ") shows.
struct terminal_run {
  int status = -1;
  std::string out;       // stdout
  std::string terminal;  // what the terminal showed: stderr, and the answer echoed
};

terminal_run run_ctl_on_terminal(std::vector<std::string> args, const std::string& answer) {
  const int master = ::posix_openpt(O_RDWR | O_NOCTTY | O_CLOEXEC);
  REQUIRE(master >= 0);
  REQUIRE(::grantpt(master) == 0);
  REQUIRE(::unlockpt(master) == 0);
  const std::string terminal_name = ::ptsname(master);
  int out_pipe[2];
  REQUIRE(::pipe2(out_pipe, O_CLOEXEC) == 0);
  auto entries = child_environment({});
  const auto binary = commercectl_binary();
  args.insert(args.begin(), binary);
  const pid_t pid = ::fork();
  REQUIRE(pid >= 0);
  if (pid == 0) {
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::setsid();
    const int tty = ::open(terminal_name.c_str(), O_RDWR);
    ::dup2(tty, STDIN_FILENO);
    ::dup2(tty, STDERR_FILENO);
    ::dup2(out_pipe[1], STDOUT_FILENO);
    exec_program(binary, std::move(args), std::move(entries));
  }
  ::close(out_pipe[1]);
  terminal_run r;
  int fds[2] = {out_pipe[0], master};
  bool answered = false;
  const auto deadline = std::chrono::steady_clock::now() + 60s;
  while ((fds[0] >= 0 || fds[1] >= 0) && std::chrono::steady_clock::now() < deadline) {
    pollfd p[2];
    int n = 0;
    for (const int fd : fds)
      if (fd >= 0) p[n++] = {fd, POLLIN, 0};
    if (::poll(p, static_cast<nfds_t>(n), 50) <= 0) continue;
    for (int i = 0; i < n; ++i) {
      if (!(p[i].revents & (POLLIN | POLLHUP | POLLERR))) continue;
      char chunk[4096];
      const auto got = ::read(p[i].fd, chunk, sizeof chunk);
      auto& slot = p[i].fd == fds[0] ? fds[0] : fds[1];
      if (got <= 0) {  // the pipe's end, or EIO once the terminal's last user is gone
        if (slot != master) ::close(slot);
        slot = -1;
        continue;
      }
      (slot == master ? r.terminal : r.out).append(chunk, static_cast<std::size_t>(got));
    }
    if (!answered && r.terminal.find("[y/N] ") != std::string::npos) {
      const auto typed = answer + "\n";
      REQUIRE(::write(master, typed.data(), typed.size()) == static_cast<ssize_t>(typed.size()));
      answered = true;
    }
  }
  if (fds[0] >= 0) ::close(fds[0]);
  ::close(master);
  int status = 0;
  if (::waitpid(pid, &status, fds[0] >= 0 ? WNOHANG : 0) != pid) {
    ::kill(pid, SIGKILL);
    ::waitpid(pid, &status, 0);
    return r;  // status -1: it did not end
  }
  r.status = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return r;
}

// Runs commercectl against `port` as the admin: `args` after --url and --token.
ctl_result ctl(std::uint16_t port, std::vector<std::string> args) {
  args.insert(args.begin(), {"--url", url_of(port), "--token", "test-admin-token"});
  return run_ctl(args);
}

// Expects exit status `status`; says what it printed when not.
#define CHECK_EXIT(result, expected)                                              \
  do {                                                                            \
    const auto& r_ = (result);                                                    \
    INFO("stdout: " << r_.out << "\nstderr: " << r_.err);                         \
    CHECK(r_.status == (expected));                                               \
  } while (false)

std::string str(const boost::json::value& v) { return std::string(v.as_string()); }

bool has_line_starting(const std::string& text, const std::string& start, const std::string& containing = "") {
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);)
    if (line.rfind(start, 0) == 0 && line.find(containing) != std::string::npos) return true;
  return false;
}

// The cell of a table (headings, then rows, columns aligned) under `heading`, in the row that
// starts with `row_start`: "" when there is no such row or heading.
std::string cell_under(const std::string& table, const std::string& heading, const std::string& row_start) {
  std::istringstream in(table);
  std::string headings;
  std::getline(in, headings);
  const auto at = headings.find(heading);
  if (at == std::string::npos) return "";
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(row_start, 0) != 0 || line.size() <= at) continue;
    const auto end = line.find("  ", at);
    return line.substr(at, end == std::string::npos ? std::string::npos : end - at);
  }
  return "";
}

void wait_ready(api_node& n) {
  REQUIRE(eventually([&] { return n.call("GET", "/readyz").status == 200; }));
}

}  // namespace

// --- usage, help, exit statuses ----------------------------------------------------------------

TEST_CASE("commercectl: --help on the tool and on every verb exits 0", "[e2e][commercectl]") {
  const auto top = run_ctl({"--help"});
  CHECK_EXIT(top, 0);
  CHECK(top.out.find("usage: commercectl") != std::string::npos);
  CHECK(run_ctl({"-h"}).status == 0);
  const std::vector<std::vector<std::string>> verbs{
      {"status"},        {"actors"},          {"cluster"},          {"get"},
      {"events"},        {"audit"},           {"tail"},             {"dead-letters"},
      {"dead-letters", "list"}, {"dead-letters", "retry"}, {"dead-letters", "discard"}, {"dead-letters", "retry-all"},
      {"dead-letters", "discard-all"}, {"campaigns"}, {"campaigns", "list"}, {"campaigns", "get"},
      {"campaigns", "activate"}, {"campaigns", "pause"}, {"campaigns", "rollback"}, {"campaigns", "audit"},
      {"jobs"},          {"jobs", "list"},    {"jobs", "get"},      {"jobs", "audit"},
      {"reviews"},       {"reviews", "list"}, {"reviews", "approve"}, {"reviews", "reject"},
      {"profiles"},      {"profiles", "get"}, {"profiles", "find"}, {"alerts"},
      {"alerts", "list"}, {"alerts", "get"},  {"alerts", "ack"}};
  for (auto words : verbs) {
    std::string name;
    for (const auto& w : words) name += w + " ";
    INFO(name);
    CHECK(top.out.find(words.size() == 2 ? name.substr(0, name.size() - 1) : words[0]) != std::string::npos);
    words.push_back("--help");
    const auto r = run_ctl(words);
    CHECK_EXIT(r, 0);
    CHECK(r.out.find("usage: commercectl " + words[0]) != std::string::npos);
  }
  // A verb that changes something says that it needs a reason.
  CHECK(run_ctl({"dead-letters", "retry", "--help"}).out.find("--reason") != std::string::npos);
  CHECK(run_ctl({"--version"}).status == 0);
}

TEST_CASE("commercectl: usage errors exit 2 with a usage line, before any call", "[e2e][commercectl]") {
  // Port 9 (discard) answers nothing: had any of these called it, the status would be 1.
  const std::vector<std::string> nowhere{"--url", "http://127.0.0.1:9", "--token", "t"};
  auto usage = [&](std::vector<std::string> args, const std::string& says) {
    args.insert(args.begin(), nowhere.begin(), nowhere.end());
    const auto r = run_ctl(args);
    INFO("args: " << args.back() << "\nstdout: " << r.out << "\nstderr: " << r.err);
    CHECK(r.status == 2);
    CHECK(r.err.find(says) != std::string::npos);
    CHECK(r.err.find("usage: commercectl") != std::string::npos);
    CHECK(r.out.empty());
  };
  usage({}, "no verb");
  usage({"frobnicate"}, "unknown verb 'frobnicate'");
  usage({"dead-letters"}, "dead-letters needs one of: list, retry, discard");
  usage({"dead-letters", "resurrect", "1"}, "unknown verb 'dead-letters resurrect'");
  usage({"get", "product"}, "needs ID");
  usage({"get", "product", "A", "B"}, "unexpected argument 'B'");
  usage({"get", "widget", "W1"}, "unknown KIND 'widget'");
  usage({"-o", "yaml", "status"}, "-o takes table or json");
  usage({"status", "-o"}, "-o needs a value");
  usage({"dead-letters", "list", "--bogus", "1"}, "takes no option --bogus");
  usage({"status", "--dry-run"}, "takes no option --dry-run");
  usage({"events", "product", "A", "--limit", "zero"}, "--limit must be a whole number");
  usage({"profiles", "find"}, "needs an identifier");
  usage({"profiles", "find", "--email", "a@b.io", "--phone", "+14155550100"}, "one identifier at a time");
  usage({"-x", "status"}, "unknown option -x");
  usage({"status", "--yes"}, "takes no option --yes");
  usage({"--idempotency-key=", "dead-letters", "retry", "7", "--reason", "r"}, "--idempotency-key must be");
  usage({"--token-file", "/nonexistent/token", "status"}, "--token or --token-file, not both");
  // Bulk actions ask first; with nobody to ask (stdin is not a terminal) --yes is required.
  usage({"dead-letters", "retry-all", "--reason", "r"}, "pass --yes");
  usage({"dead-letters", "discard-all", "--target", "cart", "--reason", "r"}, "review with --dry-run");
  // Safe by construction: a change without a reason is refused before it is sent.
  for (const auto& change : std::vector<std::vector<std::string>>{{"dead-letters", "retry", "7"},
                                                                  {"dead-letters", "discard", "7"},
                                                                  {"dead-letters", "retry-all"},
                                                                  {"dead-letters", "discard-all", "--target", "cart"},
                                                                  {"campaigns", "activate", "c1"},
                                                                  {"campaigns", "pause", "c1"},
                                                                  {"campaigns", "rollback", "c1"},
                                                                  {"reviews", "approve", "r1"},
                                                                  {"reviews", "reject", "r1"},
                                                                  {"alerts", "ack", "a1"}})
    usage(change, "give --reason");
  usage({"dead-letters", "retry", "7", "--reason", "line\nbreak"}, "--reason must be one line");
  usage({"dead-letters", "retry", "7", "--reason", std::string(501, 'x')}, "at most 500 bytes");
  const auto bad_url = run_ctl({"--url", "ftp://example.com", "status"});
  CHECK_EXIT(bad_url, 2);
  CHECK(bad_url.err.find("http://host:port") != std::string::npos);
  const auto no_token_file = run_ctl({"--url", "http://127.0.0.1:9", "--token-file", "/nonexistent/token", "status"});
  CHECK_EXIT(no_token_file, 2);
  CHECK(no_token_file.err.find("cannot read --token-file /nonexistent/token") != std::string::npos);
  // The help says why a token file is better than --token.
  const auto help = run_ctl({"--help"});
  CHECK(help.out.find("--token-file F") != std::string::npos);
  CHECK(help.out.find("Prefer $COMMERCECTL_TOKEN") != std::string::npos);
  CHECK(run_ctl({"dead-letters", "retry-all", "--help"}).out.find("[--yes]") != std::string::npos);
}

TEST_CASE("commercectl: a node that cannot be reached is a refusal (1) naming the URL", "[e2e][commercectl]") {
  const auto port = free_port();  // nothing listens there
  const auto r = run_ctl({"--url", url_of(port), "status"});
  CHECK_EXIT(r, 1);
  CHECK(r.err.find("could not reach " + url_of(port)) != std::string::npos);
  // From the environment as well.
  const auto from_env = run_ctl({"actors"}, {{"COMMERCECTL_URL", url_of(port)}});
  CHECK_EXIT(from_env, 1);
  CHECK(from_env.err.find("could not reach " + url_of(port)) != std::string::npos);
}

// --- the node and its entities -----------------------------------------------------------------

TEST_CASE("commercectl: status, actors, cluster, get and events, as tables and as JSON", "[e2e][commercectl]") {
  api_node n;
  wait_ready(n);
  n.product("MUG", 5);
  const auto port = n.node.port();

  const auto status = ctl(port, {"status"});
  CHECK_EXIT(status, 0);
  CHECK(has_line_starting(status.out, "health", "ok"));
  CHECK(has_line_starting(status.out, "ready", "ready ("));
  CHECK(has_line_starting(status.out, "shards", "256"));
  const auto status_json = ctl(port, {"status", "-o", "json"});
  CHECK_EXIT(status_json, 0);
  const auto s = status_json.json();
  CHECK(s.at("health").at("status") == "ok");
  CHECK(s.at("ready").at("status") == "ready");
  CHECK(s.at("cluster").at("shards").at("count") == 256);

  const auto actors = ctl(port, {"actors"});
  CHECK_EXIT(actors, 0);
  CHECK(has_line_starting(actors.out, "ID", "RESTARTS"));
  CHECK(has_line_starting(actors.out, "commerced"));
  CHECK(has_line_starting(actors.out, "  storage"));  // children indented under their supervisor
  CHECK(has_line_starting(actors.out, "  gateway"));
  const auto tree = ctl(port, {"-o", "json", "actors"}).json();
  CHECK(tree.at("id") == "commerced");
  CHECK(tree.at("children").as_array().size() >= 10);

  const auto cluster = ctl(port, {"cluster"});
  CHECK_EXIT(cluster, 0);
  CHECK(has_line_starting(cluster.out, "shards", "256"));
  CHECK(has_line_starting(cluster.out, "ID", "STATUS"));
  const auto cluster_json = ctl(port, {"cluster", "-o", "json"}).json();
  CHECK(cluster_json.at("shards").at("count") == 256);
  CHECK(cluster_json.as_object().contains("self"));

  // get: key/value lines, money as amount and currency; the JSON is the API's.
  const auto product = ctl(port, {"get", "product", "MUG"});
  CHECK_EXIT(product, 0);
  CHECK(has_line_starting(product.out, "price", "1200 EUR"));
  CHECK(has_line_starting(product.out, "inventory.on_hand", "5"));
  const auto p = ctl(port, {"get", "product", "MUG", "-o", "json"}).json();
  CHECK(p.at("price").at("amount") == 1200);
  CHECK(p.at("price").at("currency") == "EUR");
  CHECK(p.at("inventory").at("on_hand") == 5);
  CHECK(ctl(port, {"get", "products", "MUG", "-o", "json"}).json().at("sku") == "MUG");  // the plural works too

  // What the node sends cannot drive the terminal: control characters in a table show escaped.
  REQUIRE(n.as_admin("PUT", "/v1/products/ESC",
                     R"({"name":"Red \u001b[31mMug\u0007\tx","price":{"amount":100,"currency":"EUR"}})")
              .status == 201);
  const auto escaped = ctl(port, {"get", "product", "ESC"});
  CHECK_EXIT(escaped, 0);
  CHECK(escaped.out.find('\x1b') == std::string::npos);
  CHECK(escaped.out.find('\x07') == std::string::npos);
  CHECK(has_line_starting(escaped.out, "name", "Red \\x1b[31mMug\\x07\\tx"));
  CHECK(ctl(port, {"get", "product", "ESC", "-o", "json"}).json().at("name") == "Red \x1b[31mMug\x07\tx");  // the JSON as sent

  const auto cart = n.cart();
  REQUIRE(n.call("PUT", "/v1/carts/" + cart + "/items/MUG", R"({"quantity":2})").status == 200);
  const auto c = ctl(port, {"get", "cart", cart, "-o", "json"}).json();
  CHECK(c.at("id") == cart.c_str());
  CHECK(c.at("items").at(0).at("quantity") == 2);
  const auto cart_table = ctl(port, {"get", "cart", cart});
  CHECK(has_line_starting(cart_table.out, "status", "open"));
  CHECK(cart_table.out.find("items (1):") != std::string::npos);  // the lines as a table under their name
  CHECK(has_line_starting(cart_table.out, "  SKU", "QUANTITY"));

  // events: the journal stream, oldest first.
  const auto events = ctl(port, {"events", "product", "MUG", "-o", "json"}).json().as_array();
  REQUIRE(events.size() >= 2);
  CHECK(events.at(0).at("version") == 1);
  CHECK(events.at(1).at("version") == 2);
  const auto from_two = ctl(port, {"events", "product", "MUG", "--from", "2", "-o", "json"}).json().as_array();
  REQUIRE(!from_two.empty());
  CHECK(from_two.at(0).at("version") == 2);
  const auto event_table = ctl(port, {"events", "cart", cart});
  CHECK_EXIT(event_table, 0);
  CHECK(has_line_starting(event_table.out, "VERSION", "TYPE"));
  CHECK(has_line_starting(event_table.out, "1 "));

  // Refused calls: 1, with the problem's code.
  const auto unknown = ctl(port, {"get", "product", "NOPE"});
  CHECK_EXIT(unknown, 1);
  CHECK(unknown.err.find("not_found") != std::string::npos);
  CHECK(unknown.out.empty());
  const auto no_order = ctl(port, {"get", "order", "ord_nope", "-o", "json"});
  CHECK_EXIT(no_order, 1);
  CHECK(no_order.err.find("not_found") != std::string::npos);
  const auto wrong_token = run_ctl({"--url", url_of(port), "--token", "wrong", "actors"});
  CHECK_EXIT(wrong_token, 1);
  CHECK(wrong_token.err.find("forbidden") != std::string::npos);
  const auto no_token = run_ctl({"--url", url_of(port), "cluster"});
  CHECK_EXIT(no_token, 1);
  CHECK(no_token.err.find("unauthorized") != std::string::npos);

  // COMMERCECTL_URL and COMMERCECTL_TOKEN, and flags over them.
  const std::map<std::string, std::string> env{{"COMMERCECTL_URL", url_of(port)}, {"COMMERCECTL_TOKEN", "test-admin-token"}};
  const auto from_env = run_ctl({"get", "product", "MUG", "-o", "json"}, env);
  CHECK_EXIT(from_env, 0);
  CHECK(from_env.json().at("sku") == "MUG");
  CHECK(run_ctl({"--token", "wrong", "actors"}, env).status == 1);
  CHECK(run_ctl({"--token", "test-admin-token", "actors"}, {{"COMMERCECTL_URL", url_of(port)}, {"COMMERCECTL_TOKEN", "x"}})
            .status == 0);
  // --token-file: the token from a file (its trailing newline dropped), over COMMERCECTL_TOKEN.
  char token_path[] = "/tmp/commercectl-token-XXXXXX";
  const int token_fd = ::mkstemp(token_path);
  REQUIRE(token_fd >= 0);
  const std::string token_text = "test-admin-token\n";
  REQUIRE(::write(token_fd, token_text.data(), token_text.size()) == static_cast<ssize_t>(token_text.size()));
  ::close(token_fd);
  const auto from_file = run_ctl({"--token-file", token_path, "get", "product", "MUG", "-o", "json"},
                                 {{"COMMERCECTL_URL", url_of(port)}, {"COMMERCECTL_TOKEN", "x"}});
  ::unlink(token_path);
  CHECK_EXIT(from_file, 0);
  CHECK(from_file.json().at("sku") == "MUG");
}

// --- dead letters and alerts -------------------------------------------------------------------

TEST_CASE("commercectl: dead letters listed, retried and discarded one by one, alerts listed and acknowledged",
          "[e2e][commercectl]") {
  parked_letters f;
  f.park({"NO1", "NO2"}, 2);
  const auto port = f.port();

  const auto list = ctl(port, {"dead-letters", "list"});
  CHECK_EXIT(list, 0);
  CHECK(has_line_starting(list.out, "ID", "TARGET"));
  CHECK(list.out.find("subscription/price_sync") != std::string::npos);
  const auto letters = ctl(port, {"dead-letters", "list", "-o", "json"}).json().at("items").as_array();
  REQUIRE(letters.size() == 2);
  for (const auto& l : letters) CHECK(l.at("status") == "pending");
  const auto first = std::to_string(letters.at(0).at("id").as_int64());
  const auto second = std::to_string(letters.at(1).at("id").as_int64());
  const auto one_page = ctl(port, {"dead-letters", "list", "--limit", "1", "-o", "json"}).json();
  CHECK(one_page.at("items").as_array().size() == 1);
  CHECK(one_page.at("next_cursor").is_string());
  CHECK(has_line_starting(ctl(port, {"dead-letters", "list", "--limit", "1"}).out, "more: --cursor"));

  f.heal();
  const auto retried = ctl(port, {"dead-letters", "retry", first, "--reason", "the platform takes it again", "-o", "json"});
  CHECK_EXIT(retried, 0);
  CHECK(retried.json().at("status") == "retried");
  CHECK(retried.json().at("delivery") == "accepted");
  const auto discarded = ctl(port, {"dead-letters", "discard", second, "--reason", "superseded"});
  CHECK_EXIT(discarded, 0);
  CHECK(has_line_starting(discarded.out, "status", "discarded"));
  const auto again = ctl(port, {"dead-letters", "retry", "999999", "--reason", "typo"});
  CHECK_EXIT(again, 1);
  CHECK(again.err.find("not_found") != std::string::npos);

  // The price sync raised an alert per refused SKU.
  boost::json::array alerts;
  REQUIRE(eventually([&] {
    alerts = ctl(port, {"alerts", "list", "--status", "open", "-o", "json"}).json().at("items").as_array();
    return alerts.size() == 2;
  }));
  CHECK(alerts.at(0).at("topic") == "price_sync_failed");
  const auto alert_table = ctl(port, {"alerts", "list"});
  CHECK(has_line_starting(alert_table.out, "ID", "TOPIC"));
  CHECK(alert_table.out.find("price_sync_failed") != std::string::npos);
  const auto alert_id = str(alerts.at(0).at("id"));
  CHECK(ctl(port, {"alerts", "get", alert_id, "-o", "json"}).json().at("id") == alert_id.c_str());
  CHECK(ctl(port, {"get", "alert", alert_id, "-o", "json"}).json().at("status") == "open");
  const auto acked = ctl(port, {"alerts", "ack", alert_id, "--reason", "platform fixed", "-o", "json"});
  CHECK_EXIT(acked, 0);
  CHECK(acked.json().at("status") == "acknowledged");
  CHECK(acked.json().at("note") == "platform fixed");  // the reason, when no --note is given
  const auto noted = ctl(port, {"alerts", "ack", str(alerts.at(1).at("id")), "--reason", "seen", "--note", "ticket 42"});
  CHECK_EXIT(noted, 0);
  CHECK(has_line_starting(noted.out, "note", "ticket 42"));
}

TEST_CASE("commercectl: retry-all and discard-all show a dry run, then act on exactly what it counted",
          "[e2e][commercectl][server-additions]") {
  parked_letters f;
  f.park({"NO1", "NO2", "NO3"}, 3);
  const auto port = f.port();

  // Filters: by target prefix, by status.
  CHECK(ctl(port, {"dead-letters", "list", "--target", "subscription/price_sync", "-o", "json"}).json().at("items").as_array().size() == 3);
  CHECK(ctl(port, {"dead-letters", "list", "--target", "cart", "-o", "json"}).json().at("items").as_array().empty());
  CHECK(ctl(port, {"dead-letters", "list", "--status", "retried", "-o", "json"}).json().at("items").as_array().empty());

  // A dry run needs no reason and changes nothing.
  const auto dry = ctl(port, {"dead-letters", "retry-all", "--target", "subscription", "--dry-run", "-o", "json"});
  CHECK_EXIT(dry, 0);
  CHECK(dry.json().at("count") == 3);
  CHECK(dry.json().at("sample").as_array().size() == 3);
  const auto dry_table = ctl(port, {"dead-letters", "discard-all", "--dry-run"});
  CHECK_EXIT(dry_table, 0);
  CHECK(dry_table.out.find("3 letters match") != std::string::npos);
  CHECK(dry_table.out.find("dry run: nothing was discarded") != std::string::npos);
  CHECK(has_line_starting(dry_table.out, "  ID", "TARGET"));  // the sample
  CHECK(json(f.n.as_admin("GET", "/admin/dead-letters?status=pending")).at("items").as_array().size() == 3);

  // The platform still refuses them: the bulk retry says so per letter, exits 1, and every
  // letter is pending again.
  const auto refused = ctl(port, {"dead-letters", "retry-all", "--reason", "too soon", "--yes", "-o", "json"});
  CHECK_EXIT(refused, 1);
  CHECK(refused.err.find("3 letters were not accepted (see the outcomes); 3 of them pending again") != std::string::npos);
  const auto refused_answer = refused.json();
  for (const auto& r : refused_answer.at("results").as_array()) {
    CHECK(std::string(r.at("outcome").as_string()).rfind("not_handled: ", 0) == 0);
    CHECK(r.at("pending") == true);
  }
  CHECK(json(f.n.as_admin("GET", "/admin/dead-letters?status=pending")).at("items").as_array().size() == 3);

  // Retry one letter by hand (the platform takes it), then discard the rest in bulk.
  f.heal();
  const auto one = std::to_string(json(f.n.as_admin("GET", "/admin/dead-letters")).at("items").at(0).at("id").as_int64());
  REQUIRE(ctl(port, {"dead-letters", "retry", one, "--reason", "one first"}).status == 0);
  // Not on a terminal there is nobody to ask: without --yes it is a usage error, and nothing is done.
  const auto unconfirmed = ctl(port, {"dead-letters", "discard-all", "--target", "subscription", "--reason", "sure?"});
  CHECK_EXIT(unconfirmed, 2);
  CHECK(unconfirmed.err.find("review with --dry-run, then pass --yes") != std::string::npos);
  CHECK(unconfirmed.out.empty());
  CHECK(json(f.n.as_admin("GET", "/admin/dead-letters?status=pending")).at("items").as_array().size() == 2);
  const auto discarded =
      ctl(port, {"dead-letters", "discard-all", "--target", "subscription", "--reason", "prices set since", "--yes"});
  CHECK_EXIT(discarded, 0);
  CHECK(discarded.out.find("2 letters match") != std::string::npos);
  CHECK(discarded.out.find("discarded 2 letters") != std::string::npos);
  CHECK(ctl(port, {"dead-letters", "list", "--status", "pending", "-o", "json"}).json().at("items").as_array().empty());
  CHECK(ctl(port, {"dead-letters", "list", "--status", "discarded", "-o", "json"}).json().at("items").as_array().size() == 2);

  // Nothing left: nothing done, and the JSON still has the answer's shape.
  const auto nothing = ctl(port, {"dead-letters", "retry-all", "--reason", "again", "-o", "json", "--yes"});
  CHECK_EXIT(nothing, 0);
  CHECK(nothing.json().at("count") == 0);
  CHECK(nothing.json().at("results").as_array().empty());
}

TEST_CASE("commercectl: on a terminal retry-all and discard-all ask before they act",
          "[e2e][commercectl][server-additions]") {
  parked_letters f;
  f.park({"NO1", "NO2"}, 2);
  const auto port = f.port();
  auto pending = [&] { return json(f.n.as_admin("GET", "/admin/dead-letters?status=pending")).at("items").as_array().size(); };
  const std::vector<std::string> discard_all{"--url", url_of(port), "--token", "test-admin-token", "dead-letters",
                                             "discard-all", "--reason", "obsolete prices"};

  // The dry run, the question; anything but yes does nothing, with status 0.
  const auto declined = run_ctl_on_terminal(discard_all, "n");
  INFO("stdout: " << declined.out << "\nterminal: " << declined.terminal);
  CHECK(declined.status == 0);
  CHECK(declined.out.find("2 letters match") != std::string::npos);
  CHECK(has_line_starting(declined.out, "  ID", "TARGET"));  // the sample
  CHECK(declined.terminal.find("Discard 2 letters? [y/N] ") != std::string::npos);
  CHECK(has_line_starting(declined.out, "nothing done"));
  CHECK(pending() == 2);

  // -o json: the dry run and the question on the terminal, declined: stdout holds the dry run.
  auto json_args = discard_all;
  json_args.insert(json_args.end(), {"-o", "json"});
  const auto declined_json = run_ctl_on_terminal(json_args, "");
  CHECK(declined_json.status == 0);
  CHECK(declined_json.terminal.find("2 letters match") != std::string::npos);
  CHECK(boost::json::parse(declined_json.out).at("dry_run") == true);
  CHECK(pending() == 2);

  // Yes acts.
  const auto accepted = run_ctl_on_terminal(discard_all, "yes");
  INFO("stdout: " << accepted.out << "\nterminal: " << accepted.terminal);
  CHECK(accepted.status == 0);
  CHECK(accepted.out.find("discarded 2 letters") != std::string::npos);
  CHECK(pending() == 0);
}

TEST_CASE("commercectl: every change is in the audit log with its reason, key and who made it",
          "[e2e][commercectl][server-additions]") {
  parked_letters f;
  f.park({"NO1", "NO2"}, 2);
  const auto port = f.port();
  f.heal();
  const auto letters = json(f.n.as_admin("GET", "/admin/dead-letters")).at("items").as_array();
  const auto first = std::to_string(letters.at(0).at("id").as_int64());
  const auto second = std::to_string(letters.at(1).at("id").as_int64());
  // Any text: the reason travels percent-encoded and comes back as written.
  const std::string reason = "platform is back: 100% — ticket #7";
  REQUIRE(ctl(port, {"dead-letters", "retry", first, "--reason", reason, "--idempotency-key", "ctl-test-key-1"}).status == 0);
  REQUIRE(ctl(port, {"dead-letters", "discard", second, "--reason", "done"}).status == 0);

  // The entry of the call made on `path`, once the log shows it.
  auto entry_of = [&](const std::string& path) {
    boost::json::value found;
    REQUIRE(eventually([&] {
      const auto audit = ctl(port, {"audit", "-o", "json"});
      if (audit.status != 0) return false;
      const auto page = audit.json();
      for (const auto& e : page.at("items").as_array())
        if (e.at("path") == path.c_str()) found = e;
      return found.is_object();
    }));
    return found;
  };
  const auto retried = entry_of("/admin/dead-letters/" + first + "/retry");
  CHECK(retried.at("who") == "admin");
  CHECK(retried.at("method") == "POST");
  CHECK(retried.at("reason") == reason.c_str());
  CHECK(retried.at("idempotency_key") == "ctl-test-key-1");
  CHECK(retried.at("status") == 200);
  const auto discarded = entry_of("/admin/dead-letters/" + second);
  CHECK(discarded.at("method") == "DELETE");
  CHECK(discarded.at("reason") == "done");
  CHECK(str(discarded.at("idempotency_key")).rfind("ctl-", 0) == 0);  // a fresh key of its own
  CHECK(discarded.at("idempotency_key") != "ctl-test-key-1");

  const auto newest = ctl(port, {"audit", "--limit", "1", "-o", "json"}).json();
  CHECK(newest.at("items").as_array().size() == 1);
  CHECK(newest.at("items").at(0).at("path") == ("/admin/dead-letters/" + second).c_str());  // newest first
  const auto table = ctl(port, {"audit", "--who", "admin"});
  CHECK_EXIT(table, 0);
  CHECK(has_line_starting(table.out, "AT", "REASON"));
  CHECK(table.out.find(reason) != std::string::npos);
  // Repeating a change with its key replays the first answer instead of acting twice.
  const auto replay = ctl(port, {"dead-letters", "retry", first, "--reason", reason, "--idempotency-key", "ctl-test-key-1", "-o", "json"});
  CHECK_EXIT(replay, 0);
  CHECK(replay.json().at("status") == "retried");
}

// --- campaigns and pricing jobs ----------------------------------------------------------------

TEST_CASE("commercectl: campaigns listed, activated, paused, rolled back and audited, pricing jobs read",
          "[e2e][commercectl]") {
  api_node n;
  n.product("MUG", 50);
  const auto port = n.node.port();
  const auto created = n.as_admin(
      "POST", "/v1/campaigns",
      R"({"name":"Scarce","skus":["MUG"],"trigger":{"inventory_below":10},"rule":{"type":"percent","percent":20}})");
  REQUIRE(created.status == 201);
  const auto id = str(json(created).at("id"));

  boost::json::array listed;
  REQUIRE(eventually([&] {  // the list is a read model
    listed = ctl(port, {"campaigns", "list", "-o", "json"}).json().at("items").as_array();
    return listed.size() == 1;
  }));
  CHECK(listed.at(0).at("id") == id.c_str());
  const auto table = ctl(port, {"campaigns", "list"});
  CHECK(has_line_starting(table.out, "ID", "TRIGGERED"));
  CHECK(has_line_starting(table.out, id, "Scarce"));
  CHECK(ctl(port, {"campaigns", "get", id, "-o", "json"}).json().at("status") == "draft");

  const auto active = ctl(port, {"campaigns", "activate", id, "--reason", "spring sale", "-o", "json"});
  CHECK_EXIT(active, 0);
  CHECK(active.json().at("status") == "active");
  const auto paused = ctl(port, {"campaigns", "pause", id, "--reason", "wrong week"});
  CHECK_EXIT(paused, 0);
  CHECK(has_line_starting(paused.out, "status", "paused"));
  REQUIRE(ctl(port, {"campaigns", "activate", id, "--reason", "right week"}).status == 0);

  // It fires on the crossing: the price goes up 20 %, audited.
  REQUIRE(n.as_admin("POST", "/v1/products/MUG/stock", R"({"delta":-45,"reason":"count"})").status == 200);
  REQUIRE(eventually([&] { return json(n.call("GET", "/v1/products/MUG")).at("price").at("amount") == 1440; }));
  // The campaign records the change after the price moved (its own write).
  const auto audited = [&] { return ctl(port, {"campaigns", "audit", id, "-o", "json"}).json().at("items").as_array(); };
  REQUIRE(eventually([&] { return audited().size() == 1; }));
  const auto audit = audited();
  CHECK(audit.at(0).at("new_price").at("amount") == 1440);
  const auto audit_table = ctl(port, {"campaigns", "audit", id});
  CHECK(has_line_starting(audit_table.out, "AT", "REASON"));
  CHECK(audit_table.out.find("1440 EUR") != std::string::npos);

  const auto rolled = ctl(port, {"campaigns", "rollback", id, "--reason", "customers complained", "-o", "json"});
  CHECK_EXIT(rolled, 0);
  CHECK(rolled.json().at("id") == id.c_str());
  REQUIRE(eventually([&] { return ctl(port, {"get", "campaign", id, "-o", "json"}).json().at("status") == "rolled_back"; }));
  CHECK(json(n.call("GET", "/v1/products/MUG")).at("price").at("amount") == 1200);
  CHECK(ctl(port, {"campaigns", "get", "cmp_nope"}).status == 1);

  // A pricing job, read by id, with its results and audit.
  const auto job = n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"Sale","skus":["MUG"],"rule":{"type":"percent","percent":-10}})");
  REQUIRE(job.status == 202);
  const auto job_id = str(json(job).at("id"));
  REQUIRE(eventually([&] { return ctl(port, {"jobs", "get", job_id, "-o", "json"}).json().at("status") == "completed"; }));
  const auto job_table = ctl(port, {"jobs", "get", job_id});
  CHECK_EXIT(job_table, 0);
  CHECK(has_line_starting(job_table.out, "progress.done", "1"));
  CHECK(job_table.out.find("results (1):") != std::string::npos);
  CHECK(ctl(port, {"get", "job", job_id, "-o", "json"}).json().at("id") == job_id.c_str());
  const auto job_audit = ctl(port, {"jobs", "audit", job_id, "-o", "json"}).json().at("items").as_array();
  REQUIRE(job_audit.size() == 1);
  CHECK(job_audit.at(0).at("sku") == "MUG");
  const auto events = ctl(port, {"events", "job", job_id, "-o", "json"});
  CHECK_EXIT(events, 0);
  CHECK(!events.json().as_array().empty());
}

TEST_CASE("commercectl: the list of pricing jobs, and entity events a page at a time",
          "[e2e][commercectl][server-additions]") {
  api_node n;
  n.product("MUG", 5);
  const auto port = n.node.port();
  const auto job = n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"Sale","skus":["MUG"],"rule":{"type":"percent","percent":-10}})");
  REQUIRE(job.status == 202);
  const auto job_id = str(json(job).at("id"));
  boost::json::array jobs;
  REQUIRE(eventually([&] {
    jobs = ctl(port, {"jobs", "list", "-o", "json"}).json().at("items").as_array();
    return jobs.size() == 1;
  }));
  CHECK(jobs.at(0).at("id") == job_id.c_str());
  // The table's columns are the summary's: once the job is done its one batch reads 1/1.
  std::string table;
  REQUIRE(eventually([&] {
    table = ctl(port, {"jobs", "list"}).out;
    return cell_under(table, "BATCHES", job_id) == "1/1";
  }));
  INFO(table);
  CHECK(has_line_starting(table, "ID", "CREATED AT"));
  CHECK(cell_under(table, "NAME", job_id) == "Sale");
  CHECK(cell_under(table, "STATUS", job_id) == "completed");
  CHECK(cell_under(table, "SKUS", job_id) == "1");
  CHECK(cell_under(table, "DRY RUN", job_id) == "false");
  CHECK(ctl(port, {"jobs", "list", "--status", "running", "-o", "json"}).json().at("items").as_array().empty());

  const auto page = ctl(port, {"events", "product", "MUG", "--limit", "1", "-o", "json"}).json().as_array();
  REQUIRE(page.size() == 1);
  CHECK(page.at(0).at("version") == 1);
}

// --- profiles and merge reviews ----------------------------------------------------------------

TEST_CASE("commercectl: profiles found and read, merge reviews listed, approved and rejected", "[e2e][commercectl]") {
  api_node n;
  const auto port = n.node.port();
  auto send = [&](const std::string& payload) {
    const auto r = n.as_admin("POST", "/v1/events", R"({"source":"api","type":"visit","payload":)" + payload + "}");
    INFO(r.body);
    REQUIRE(r.status == 201);
    return json(r).at("results").at(0);
  };
  // Two sets of four profiles, and for each an event naming all four: two reviews.
  for (const auto* suffix : {"1", "2"}) {
    const std::string s = suffix;
    send(R"({"email":"x)" + s + R"(@y.io"})");
    send(R"({"phone":"+1415555010)" + s + R"("})");
    send(R"({"loyalty_id":"L)" + s + R"("})");
    send(R"({"device_id":"d)" + s + R"("})");
    CHECK(send(R"({"email":"x)" + s + R"(@y.io","phone":"+1415555010)" + s + R"(","loyalty_id":"L)" + s +
               R"(","device_id":"d)" + s + R"("})")
              .at("match") == "review");
  }

  const auto found = ctl(port, {"profiles", "find", "--email", "x1@y.io", "-o", "json"});
  CHECK_EXIT(found, 0);
  const auto profile_id = str(found.json().at("id"));
  CHECK(found.json().at("identifiers").at("email").at(0) == "x1@y.io");
  const auto by_phone = ctl(port, {"profiles", "find", "--phone", "+14155550101", "-o", "json"});  // "+" travels encoded
  CHECK_EXIT(by_phone, 0);
  CHECK(by_phone.json().at("identifiers").at("phone").at(0) == "+14155550101");
  CHECK(ctl(port, {"profiles", "find", "--loyalty-id", "L2", "-o", "json"}).json().at("identifiers").at("loyalty_id").at(0) == "L2");
  const auto table = ctl(port, {"profiles", "get", profile_id});
  CHECK_EXIT(table, 0);
  CHECK(has_line_starting(table.out, "identifiers.email", "x1@y.io"));
  CHECK(ctl(port, {"get", "profile", profile_id, "-o", "json"}).json().at("id") == profile_id.c_str());
  const auto none = ctl(port, {"profiles", "find", "--email", "nobody@y.io"});
  CHECK_EXIT(none, 1);
  CHECK(none.err.find("not_found") != std::string::npos);
  const auto events = ctl(port, {"events", "profile", profile_id, "-o", "json"});
  CHECK_EXIT(events, 0);
  CHECK(!events.json().at("items").as_array().empty());

  boost::json::array pending;
  REQUIRE(eventually([&] {
    pending = ctl(port, {"reviews", "list", "--status", "pending", "-o", "json"}).json().at("items").as_array();
    return pending.size() == 2;
  }));
  const auto review_table = ctl(port, {"reviews", "list"});
  CHECK(has_line_starting(review_table.out, "ID", "CANDIDATES"));
  const auto first = str(pending.at(0).at("id"));
  const auto second = str(pending.at(1).at("id"));
  CHECK(ctl(port, {"get", "review", first, "-o", "json"}).json().at("status") == "pending");
  const auto approved = ctl(port, {"reviews", "approve", first, "--reason", "same customer", "-o", "json"});
  CHECK_EXIT(approved, 0);
  CHECK(approved.json().at("status") == "approved");
  const auto rejected = ctl(port, {"reviews", "reject", second, "--reason", "shared device"});
  CHECK_EXIT(rejected, 0);
  CHECK(has_line_starting(rejected.out, "status", "rejected"));
  // Deciding again is refused by the node: 1, with its code.
  const auto twice = ctl(port, {"reviews", "reject", first, "--reason", "changed my mind"});
  CHECK_EXIT(twice, 1);
  CHECK(twice.err.find("invalid_transition") != std::string::npos);
}

// --- tail ----------------------------------------------------------------------------------------

TEST_CASE("commercectl: tail prints events written after it started, and SIGINT ends it with 0", "[e2e][commercectl][live]") {
  api_node n;
  const auto port = n.node.port();
  {
    ctl_process tail({"--url", url_of(port), "--token", "test-admin-token", "tail", "-o", "json"});
    REQUIRE(tail.read_until([&] { return tail.err().find("following") != std::string::npos; }, 20s));
    n.product("TAILED", 0);
    boost::json::value created;
    auto saw_it = [&] {
      const auto& out = tail.out();
      std::istringstream lines(out.substr(0, out.rfind('\n') + 1));  // whole lines only
      for (std::string line; std::getline(lines, line);) {
        const auto e = boost::json::parse(line);  // every line is a JSON object
        if (e.at("stream_id") == "TAILED") created = e;
      }
      return created.is_object();
    };
    REQUIRE(tail.read_until(saw_it, 10s));
    CHECK(created.at("stream_type") == "product");
    CHECK(created.at("type") == "ProductCreated");
    CHECK(created.at("position").is_int64());
    CHECK(created.at("data").at("price").at("amount") == 1200);
    tail.signal(SIGINT);
    CHECK(tail.finish(10s) == 0);
  }
  {  // As lines for people, one stream only, ended by SIGTERM.
    ctl_process tail({"--url", url_of(port), "--token", "test-admin-token", "tail", "--stream", "ONLY"});
    REQUIRE(tail.read_until([&] { return tail.err().find("following") != std::string::npos; }, 20s));
    n.product("OTHER", 0);
    n.product("ONLY", 0);
    CHECK(tail.read_until([&] { return tail.out().find("product/ONLY v1  ProductCreated") != std::string::npos; }, 10s));
    tail.signal(SIGTERM);
    CHECK(tail.finish(10s) == 0);
    CHECK(tail.out().find("OTHER") == std::string::npos);
  }
  // A refused stream ends at once with 1.
  const auto refused = run_ctl({"--url", url_of(port), "--token", "wrong", "tail"});
  CHECK_EXIT(refused, 1);
  CHECK(refused.err.find("forbidden") != std::string::npos);
}

TEST_CASE("commercectl: tail reconnects after the node restarts and resumes where it left off", "[e2e][commercectl][live]") {
  scratch_database db;
  const auto port = free_port();
  const auto env = on(db, {{"COMMERCED_HTTP_PORT", std::to_string(port)},
                           {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
                           {"COMMERCED_MESSAGING_URL", "http://127.0.0.1:9"}});
  std::optional<node_process> node(std::in_place, env);
  auto put = [&](const std::string& sku) {
    REQUIRE(http_call(port, "PUT", "/v1/products/" + sku, R"({"name":"Mug","price":{"amount":100,"currency":"EUR"}})", admin)
                .status == 201);
  };
  ctl_process tail({"--url", url_of(port), "--token", "test-admin-token", "tail", "-o", "json"});
  REQUIRE(tail.read_until([&] { return tail.err().find("following") != std::string::npos; }, 20s));
  put("BEFORE");
  REQUIRE(tail.read_until([&] { return tail.out().find("\"BEFORE\"") != std::string::npos; }, 10s));

  node->stop();
  node.emplace(env);
  put("AFTER");
  CHECK(tail.read_until([&] { return tail.out().find("\"AFTER\"") != std::string::npos; }, 30s));
  CHECK(tail.err().find("reconnecting") != std::string::npos);
  tail.signal(SIGINT);
  CHECK(tail.finish(10s) == 0);
  // Each event once.
  std::multiset<std::string> streams;
  std::istringstream lines(tail.out());
  for (std::string line; std::getline(lines, line);) streams.insert(str(boost::json::parse(line).at("stream_id")));
  CHECK(streams.count("BEFORE") == 1);
  CHECK(streams.count("AFTER") == 1);
}
