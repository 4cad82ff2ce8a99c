#include "config/config.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <fstream>
#include <map>
#include <unistd.h>

using namespace commerce::config;
using namespace std::chrono_literals;

namespace {

env_lookup fake_env(std::map<std::string, std::string> vars) {
  return [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  };
}

std::string write_file(const std::string& text) {
  char name[] = "/tmp/commerced-config-XXXXXX";
  const int fd = mkstemp(name);
  ::close(fd);
  std::ofstream(name) << text;
  return name;
}

}  // namespace

TEST_CASE("the compiled-in defaults are the documented ones", "[config]") {
  const auto c = load(std::nullopt, fake_env({}));
  CHECK(c.http.port == 8080);
  CHECK(c.http.address == "127.0.0.1");
  CHECK(c.http.body_limit == 1048576);
  CHECK(c.http.header_limit == 16384);
  CHECK(c.http.read_timeout == 10s);
  CHECK(c.http.max_connections == 10000);
  CHECK(c.http.shutdown_grace == 10s);
  CHECK(c.cart_reservation_ttl == 10min);
  CHECK(c.idempotency_retention == 24h);
  CHECK(c.admin_token.empty());
  CHECK(c.admin_token_file == "var/admin_token");
  CHECK(c.scheduler_max_threads == 2);
  CHECK(c.scheduler_moderate_sleep == 0us);
  CHECK(c.postgres.port == 55432);
}

TEST_CASE("a file overrides defaults and the environment overrides both", "[config]") {
  const auto file = write_file("[http]\nport = 9000\n# comment\n[cart]\nreservation_ttl = 30s\n");
  const auto c = load(file, fake_env({{"COMMERCED_HTTP_PORT", "18080"}, {"COMMERCED_CART_RESERVATION_TTL", "500ms"},
                                      {"COMMERCED_ADMIN_TOKEN", "secret"}}));
  CHECK(c.http.port == 18080);
  CHECK(c.cart_reservation_ttl == 500ms);
  CHECK(c.admin_token == "secret");
  const auto from_file = load(file, fake_env({}));
  CHECK(from_file.http.port == 9000);
  CHECK(from_file.cart_reservation_ttl == 30s);
  std::remove(file.c_str());
}

TEST_CASE("mistakes are errors that name the key and where it came from", "[config]") {
  CHECK_THROWS_WITH(load(std::nullopt, fake_env({{"COMMERCED_HTTP_PORT", "80a"}})),
                    Catch::Contains("COMMERCED_HTTP_PORT") && Catch::Contains("http.port"));
  CHECK_THROWS_WITH(load(std::nullopt, fake_env({{"COMMERCED_HTTP_PORT", "70000"}})), Catch::Contains("65535"));
  CHECK_THROWS_WITH(load(std::nullopt, fake_env({{"COMMERCED_CART_RESERVATION_TTL", "10"}})),
                    Catch::Contains("duration"));
  CHECK_THROWS_WITH(load(std::nullopt, fake_env({{"COMMERCED_LOG_LEVEL", "loud"}})), Catch::Contains("log.level"));
  CHECK_THROWS_WITH(load(std::nullopt, fake_env({{"COMMERCED_SCHEDULER_MAX_THREADS", "0"}})),
                    Catch::Contains("at least 1"));
  const auto typo = write_file("[http]\nprot = 1\n");
  CHECK_THROWS_WITH(load(typo, fake_env({})), Catch::Contains("unknown key 'http.prot'") && Catch::Contains(typo + ":2"));
  const auto no_section = write_file("port = 1\n");
  CHECK_THROWS_WITH(load(no_section, fake_env({})), Catch::Contains("outside of a [section]"));
  CHECK_THROWS_WITH(load(std::string("/nonexistent/commerced.conf"), fake_env({})), Catch::Contains("cannot read"));
  std::remove(typo.c_str());
  std::remove(no_section.c_str());
}

TEST_CASE("durations take us, ms, s, m and h", "[config]") {
  CHECK(parse_duration("250us") == 250us);
  CHECK(parse_duration("500ms") == 500ms);
  CHECK(parse_duration("30s") == 30s);
  CHECK(parse_duration("10m") == 10min);
  CHECK(parse_duration("1h") == 1h);
  for (const char* bad : {"", "10", "ms", "-5s", "5 s", "5d", "1.5s"}) CHECK_FALSE(parse_duration(bad).has_value());
}

TEST_CASE("PostgreSQL connections carry keepalives, TCP and statement timeouts", "[config][postgres]") {
  const auto c = load(std::nullopt, fake_env({}));
  CHECK(c.postgres.attempt_timeout == 5s);
  CHECK(c.postgres.keepalives_idle == 10s);
  CHECK(c.postgres.keepalives_interval == 2s);
  CHECK(c.postgres.keepalives_count == 3);
  CHECK(c.postgres.tcp_user_timeout == 10s);
  CHECK(c.postgres.statement_timeout == 30s);
  const auto conninfo = c.postgres.conninfo();
  for (const char* setting : {"connect_timeout=5", "keepalives=1", "keepalives_idle=10", "keepalives_interval=2",
                              "keepalives_count=3", "tcp_user_timeout=10000", "options='-c statement_timeout=30000'"}) {
    INFO(setting);
    CHECK(conninfo.find(std::string(" ") + setting) != std::string::npos);
  }
  const auto tuned = load(std::nullopt, fake_env({{"COMMERCED_POSTGRES_STATEMENT_TIMEOUT", "1500ms"},
                                                  {"COMMERCED_POSTGRES_KEEPALIVES_IDLE", "1500ms"},
                                                  {"COMMERCED_POSTGRES_TCP_USER_TIMEOUT", "0s"}}));
  CHECK(tuned.postgres.conninfo().find("statement_timeout=1500'") != std::string::npos);
  CHECK(tuned.postgres.conninfo().find("keepalives_idle=2 ") != std::string::npos);  // whole seconds, rounded up
  CHECK(tuned.postgres.conninfo().find("tcp_user_timeout") == std::string::npos);   // 0: the system's default
  // One more session setting goes into the same options (the vault's synchronous_commit).
  CHECK(tuned.postgres.conninfo("synchronous_commit=off").find("options='-c statement_timeout=1500 -c synchronous_commit=off'") !=
        std::string::npos);
  CHECK_THROWS_AS(load(std::nullopt, fake_env({{"COMMERCED_POSTGRES_KEEPALIVES_COUNT", "0"}})), config_error);
}

// Found by fuzz/config_fuzz.cpp: 12 digits of hours overflowed the microseconds (UB).
TEST_CASE("durations longer than ten years are refused, not overflowed", "[config]") {
  CHECK(parse_duration("87600h") == 87600h);
  CHECK(parse_duration("315360000s") == 87600h);
  for (const char* long_one : {"87601h", "999999999999h", "999999999999m", "315360000001s", "999999999999s"})
    CHECK_FALSE(parse_duration(long_one).has_value());
  CHECK(parse_duration("999999999999us") == 999999999999us);
  CHECK_FALSE(parse_duration("999999999999ms").has_value());
}
