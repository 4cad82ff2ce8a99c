#include "adapters/postgres/connection.hpp"

#include "adapters/postgres/libpq.hpp"
#include "common/log.hpp"

#include <thread>

namespace commerce::adapters::postgres {
namespace {

result_ptr checked(PGconn* conn, PGresult* raw, const std::string& sql) {
  result_ptr r(raw);
  if (!succeeded(r.get()))
    throw postgres_error("statement failed: " + std::string(PQerrorMessage(conn)) + " in: " + sql.substr(0, 200));
  return r;
}

}  // namespace

void route_notices_to_log(PGconn* conn) {
  PQsetNoticeProcessor(
      conn, [](void*, const char* message) { log::debug("postgres notice", {{"message", message}}); }, nullptr);
}

void connection::closer::operator()(pg_conn* c) const { PQfinish(c); }

connection::connection(const std::string& conninfo) : conn_(PQconnectdb(conninfo.c_str())) {
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK)
    throw postgres_error("cannot connect to PostgreSQL: " +
                         std::string(conn_ ? PQerrorMessage(conn_.get()) : "out of memory"));
  route_notices_to_log(conn_.get());
}

connection connection::wait_for(const std::string& conninfo, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  for (auto pause = std::chrono::milliseconds(50);; pause = std::min(pause * 2, std::chrono::milliseconds(1000))) {
    try {
      return connection(conninfo);
    } catch (const postgres_error&) {
      if (std::chrono::steady_clock::now() + pause > deadline) throw;
      std::this_thread::sleep_for(pause);
    }
  }
}

void connection::exec(const std::string& sql) { checked(conn_.get(), PQexec(conn_.get(), sql.c_str()), sql); }

std::string connection::query_value(const std::string& sql) {
  auto r = checked(conn_.get(), PQexec(conn_.get(), sql.c_str()), sql);
  if (PQntuples(r.get()) == 0 || PQgetisnull(r.get(), 0, 0)) return "";
  return PQgetvalue(r.get(), 0, 0);
}

}  // namespace commerce::adapters::postgres
