// Small libpq helpers shared by the adapters that speak to PostgreSQL directly.
#pragma once

#include <libpq-fe.h>

#include <memory>

namespace commerce::adapters::postgres {

struct result_deleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using result_ptr = std::unique_ptr<PGresult, result_deleter>;

// A statement that ran (with or without rows); null counts as failure.
inline bool succeeded(const PGresult* r) {
  const auto status = r ? PQresultStatus(r) : PGRES_FATAL_ERROR;
  return status == PGRES_COMMAND_OK || status == PGRES_TUPLES_OK;
}

// Server notices ("relation already exists, skipping") would otherwise go to stderr as plain
// text, between our JSON log lines; they go to the log at debug level instead.
void route_notices_to_log(PGconn* conn);

}  // namespace commerce::adapters::postgres
