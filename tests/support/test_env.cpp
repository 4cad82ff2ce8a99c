#include "support/test_env.hpp"

#include "adapters/postgres/connection.hpp"

#include <catch2/catch.hpp>

#include <atomic>
#include <cstdlib>
#include <unistd.h>

namespace commerce::test {

std::string required_env(const char* name) {
  const char* value = std::getenv(name);
  if (!value || !*value) FAIL(name << " is not set: run the suites through scripts/test");
  return value;
}

namespace {
std::string admin_conninfo(const std::string& port) {
  return "host=127.0.0.1 port=" + port + " user=commerce dbname=postgres";
}
}  // namespace

scratch_database::scratch_database() : port_(required_env("COMMERCE_TEST_PG_PORT")) {
  static std::atomic<int> counter{0};
  name_ = "test_" + std::to_string(::getpid()) + "_" + std::to_string(counter++);
  adapters::postgres::connection admin(admin_conninfo(port_));
  admin.exec("DROP DATABASE IF EXISTS " + name_);
  admin.exec("CREATE DATABASE " + name_);
}

scratch_database::~scratch_database() {
  try {
    adapters::postgres::connection admin(admin_conninfo(port_));
    admin.exec("DROP DATABASE IF EXISTS " + name_ + " WITH (FORCE)");
  } catch (...) {
    // A leftover scratch database is harmless; the test's own outcome matters more.
  }
}

std::string scratch_database::conninfo() const {
  return "host=127.0.0.1 port=" + port_ + " user=commerce dbname=" + name_;
}

}  // namespace commerce::test
