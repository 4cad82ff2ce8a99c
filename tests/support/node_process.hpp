// A commerced child process for end-to-end tests: started on a free port against a scratch
// database, its JSON log captured, stopped with SIGTERM (or killed) at the end.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <thread>
#include <string>
#include <vector>

namespace commerce::test {

// In a forked child: runs `binary` with `args` (argv[0] included) and `env` ("KEY=value"
// entries); exits 127 if it cannot.
[[noreturn]] void exec_program(const std::string& binary, std::vector<std::string> args,
                               std::vector<std::string> env);

class node_process {
 public:
  // Starts commerced with COMMERCED_* overrides added to the test defaults and waits for its
  // "commerced listening" line. Throws std::runtime_error (with the log) if it never comes.
  explicit node_process(const std::map<std::string, std::string>& env);
  // Any of the project's programs: started with `args`, ready once it logs `ready_message`
  // (a JSON line that also carries "port").
  node_process(const std::string& binary, const std::vector<std::string>& args, const std::string& ready_message);
  ~node_process();
  node_process(const node_process&) = delete;
  node_process& operator=(const node_process&) = delete;

  std::uint16_t port() const { return port_; }
  int pid() const { return pid_; }
  // Sends SIGTERM without waiting.
  void terminate();
  // Sends SIGTERM and waits; returns the exit status (or 128 + signal).
  int stop();
  // Waits for it to exit by itself; its exit status, or -1 if it still runs after `timeout_ms`.
  int wait_exit(int timeout_ms);
  // Everything it logged so far (its stderr is read all the time, so that a node that logs a lot
  // never blocks on a full pipe while a test is not looking).
  std::string log() const;

 private:
  void start(const std::string& binary, std::vector<std::string> args, const std::map<std::string, std::string>& env,
             const std::string& ready_message);
  void read_log_until(const std::string& needle, int timeout_ms);
  // After the child exited: reads the rest of its stderr and, under scripts/test --sanitize,
  // keeps any sanitizer report in it as a file of COMMERCE_TEST_SANITIZER_DIR (UBSan writes to
  // stderr whatever log_path says, and no test reads a child's stderr to its end).
  void collect_reports();
  std::string binary_;
  int pid_ = -1;
  int log_fd_ = -1;
  std::uint16_t port_ = 0;
  std::string log_;
  mutable std::mutex log_mutex_;
  std::thread drainer_;  // reads log_fd_ into log_ from start-up to the child's exit
};

}  // namespace commerce::test
