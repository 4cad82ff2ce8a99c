#include "support/node_process.hpp"

#include "support/test_env.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <csignal>
#include <cstdlib>
#include <fstream>
#include <poll.h>
#include <sstream>
#include <stdexcept>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <vector>

extern char** environ;

namespace commerce::test {

node_process::node_process(const std::map<std::string, std::string>& overrides) {
  std::map<std::string, std::string> env = {{"COMMERCED_HTTP_PORT", "0"},
                                            {"COMMERCED_ADMIN_TOKEN", "test-admin-token"},
                                            {"COMMERCED_POSTGRES_PORT", required_env("COMMERCE_TEST_PG_PORT")},
                                            {"COMMERCED_REDIS_PORT", required_env("COMMERCE_TEST_REDIS_PORT")}};
  for (const auto& [k, v] : overrides) env[k] = v;
  start(required_env("COMMERCE_TEST_COMMERCED"), {}, env, "commerced listening");
}

void exec_program(const std::string& binary, std::vector<std::string> args, std::vector<std::string> env) {
  std::vector<char*> envp;
  for (auto& e : env) envp.push_back(e.data());
  envp.push_back(nullptr);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  ::execve(binary.c_str(), argv.data(), envp.data());
  ::_exit(127);
}

node_process::node_process(const std::string& binary, const std::vector<std::string>& args,
                           const std::string& ready_message) {
  start(binary, args, {}, ready_message);
}

void node_process::start(const std::string& binary, std::vector<std::string> args,
                         const std::map<std::string, std::string>& env, const std::string& ready_message) {
  std::vector<std::string> entries;
  for (char** e = environ; *e; ++e)
    if (std::string(*e).rfind("COMMERCED_", 0) != 0) entries.emplace_back(*e);
  for (const auto& [k, v] : env) entries.push_back(k + "=" + v);

  int pipe_fds[2];
  if (::pipe(pipe_fds) != 0) throw std::runtime_error("pipe failed");
  args.insert(args.begin(), binary);
  binary_ = binary;
  pid_ = ::fork();
  if (pid_ == 0) {
    // Dies with the test: a test that aborts must not leave a node holding ctest's output open.
    ::prctl(PR_SET_PDEATHSIG, SIGKILL);
    ::dup2(pipe_fds[1], STDERR_FILENO);
    ::close(pipe_fds[0]);
    exec_program(binary, std::move(args), std::move(entries));
  }
  ::close(pipe_fds[1]);
  log_fd_ = pipe_fds[0];
  const auto needle = "\"" + ready_message + "\"";
  try {
    read_log_until(needle, 20'000);
  } catch (...) {
    stop();  // a constructor that throws gets no destructor: reap the child here
    ::close(log_fd_);
    log_fd_ = -1;
    throw;
  }
  std::istringstream lines(log_);
  for (std::string line; std::getline(lines, line);)
    if (line.find(needle) != std::string::npos)
      port_ = static_cast<std::uint16_t>(boost::json::parse(line).at("port").as_int64());
  drainer_ = std::thread([this] {
    char chunk[4096];
    for (ssize_t n; (n = ::read(log_fd_, chunk, sizeof chunk)) > 0;) {
      std::lock_guard<std::mutex> lock(log_mutex_);
      log_.append(chunk, static_cast<std::size_t>(n));
    }
  });
}

std::string node_process::log() const {
  std::lock_guard<std::mutex> lock(log_mutex_);
  return log_;
}

node_process::~node_process() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
    pid_ = -1;
    collect_reports();
  }
  if (log_fd_ >= 0) ::close(log_fd_);
}

void node_process::collect_reports() {
  if (log_fd_ < 0) return;
  if (drainer_.joinable()) {
    drainer_.join();  // the child has exited: it reads to the end
  } else {
    char chunk[4096];
    for (ssize_t n; (n = ::read(log_fd_, chunk, sizeof chunk)) > 0;) log_.append(chunk, static_cast<std::size_t>(n));
  }
  const char* dir = std::getenv("COMMERCE_TEST_SANITIZER_DIR");
  if (!dir || !*dir) return;
  for (const char* marker : {"runtime error:", "ERROR: AddressSanitizer", "ERROR: LeakSanitizer"}) {
    const auto at = log_.find(marker);
    if (at == std::string::npos) continue;
    const auto name = binary_.substr(binary_.find_last_of('/') + 1);
    std::ofstream(std::string(dir) + "/child-" + name + "." + std::to_string(::getpid()) + "-" +
                  std::to_string(reinterpret_cast<std::uintptr_t>(this)))
        << log_.substr(log_.rfind('\n', at) == std::string::npos ? 0 : log_.rfind('\n', at) + 1);
    return;
  }
}

void node_process::read_log_until(const std::string& needle, int timeout_ms) {
  char chunk[4096];
  while (log_.find(needle) == std::string::npos) {
    pollfd p{log_fd_, POLLIN, 0};
    if (::poll(&p, 1, timeout_ms) <= 0) throw std::runtime_error("commerced did not log " + needle + ":\n" + log_);
    const auto n = ::read(log_fd_, chunk, sizeof chunk);
    if (n <= 0) throw std::runtime_error("commerced exited before logging " + needle + ":\n" + log_);
    log_.append(chunk, static_cast<std::size_t>(n));
  }
}

void node_process::terminate() {
  if (pid_ > 0) ::kill(pid_, SIGTERM);
}

int node_process::wait_exit(int timeout_ms) {
  if (pid_ <= 0) return -1;
  const auto until = std::chrono::steady_clock::now() + std::chrono::milliseconds(timeout_ms);
  int status = 0;
  while (::waitpid(pid_, &status, WNOHANG) == 0) {
    if (std::chrono::steady_clock::now() > until) return -1;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  collect_reports();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

int node_process::stop() {
  if (pid_ <= 0) return -1;
  terminate();
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  collect_reports();
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

}  // namespace commerce::test
