// The [postgres] connection settings reach the socket and the server: keepalives and the TCP
// user timeout on the socket, statement_timeout in the session.
#include "config/config.hpp"

#include "support/test_env.hpp"

#include <catch2/catch.hpp>

#include <libpq-fe.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>

#include <chrono>
#include <map>
#include <string>

namespace {

commerce::config::node_config test_config(const commerce::test::scratch_database& db,
                                          std::map<std::string, std::string> vars) {
  vars["COMMERCED_POSTGRES_HOST"] = "127.0.0.1";
  vars["COMMERCED_POSTGRES_PORT"] = db.port();
  vars["COMMERCED_POSTGRES_DATABASE"] = db.name();
  return commerce::config::load(std::nullopt, [vars](const std::string& name) -> std::optional<std::string> {
    auto it = vars.find(name);
    if (it == vars.end()) return std::nullopt;
    return it->second;
  });
}

int socket_option(int fd, int level, int name) {
  int value = -1;
  socklen_t size = sizeof value;
  REQUIRE(::getsockopt(fd, level, name, &value, &size) == 0);
  return value;
}

}  // namespace

TEST_CASE("a connection made from the configuration carries keepalives and timeouts", "[postgres][connection]") {
  commerce::test::scratch_database db;
  const auto config = test_config(db, {{"COMMERCED_POSTGRES_STATEMENT_TIMEOUT", "1s"}});
  PGconn* conn = PQconnectdb(config.postgres.conninfo().c_str());
  REQUIRE(PQstatus(conn) == CONNECTION_OK);
  const int fd = PQsocket(conn);
  CHECK(socket_option(fd, SOL_SOCKET, SO_KEEPALIVE) == 1);
  CHECK(socket_option(fd, IPPROTO_TCP, TCP_KEEPIDLE) == 10);
  CHECK(socket_option(fd, IPPROTO_TCP, TCP_KEEPINTVL) == 2);
  CHECK(socket_option(fd, IPPROTO_TCP, TCP_KEEPCNT) == 3);
  CHECK(socket_option(fd, IPPROTO_TCP, TCP_USER_TIMEOUT) == 10'000);

  PGresult* shown = PQexec(conn, "SHOW statement_timeout");
  CHECK(std::string(PQgetvalue(shown, 0, 0)) == "1s");
  PQclear(shown);

  // A statement stuck on the server (here: sleeping; in life: a lock wait) fails within the
  // timeout instead of holding its caller.
  const auto started = std::chrono::steady_clock::now();
  PGresult* slow = PQexec(conn, "SELECT pg_sleep(10)");
  const auto took = std::chrono::steady_clock::now() - started;
  CHECK(PQresultStatus(slow) == PGRES_FATAL_ERROR);
  CHECK(std::string(PQresultErrorField(slow, PG_DIAG_SQLSTATE)) == "57014");  // query_canceled
  CHECK(took < std::chrono::seconds(3));
  PQclear(slow);
  PQfinish(conn);
}
