// What the integration and end-to-end suites need from scripts/test: where the test
// PostgreSQL runs, a fresh database per test, and the commerced binary. A suite run outside
// scripts/test fails with a message saying so rather than silently passing.
#pragma once

#include <string>

namespace commerce::test {

// The value of a variable scripts/test exports; fails the test when it is missing.
std::string required_env(const char* name);

// A database of its own for one test, created on construction and dropped on destruction.
class scratch_database {
 public:
  scratch_database();
  ~scratch_database();
  scratch_database(const scratch_database&) = delete;
  scratch_database& operator=(const scratch_database&) = delete;

  const std::string& name() const { return name_; }
  std::string port() const { return port_; }
  std::string conninfo() const;

 private:
  std::string port_;
  std::string name_;
};

}  // namespace commerce::test
