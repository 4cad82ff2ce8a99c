#include "adapters/postgres/lazy_connection.hpp"

#include <stdexcept>
#include <vector>

namespace commerce::adapters::postgres {

lazy_connection::lazy_connection(std::string conninfo, std::string owner)
    : conninfo_(std::move(conninfo)), owner_(std::move(owner)) {}

result_ptr lazy_connection::run(const std::string& sql, std::initializer_list<const char*> params) {
  if (!conn_ || PQstatus(conn_.get()) != CONNECTION_OK) {
    conn_.reset(PQconnectdb(conninfo_.c_str()));
    if (PQstatus(conn_.get()) != CONNECTION_OK) {
      const std::string why = PQerrorMessage(conn_.get());
      conn_.reset();
      throw std::runtime_error(owner_ + " cannot reach PostgreSQL: " + why);
    }
    route_notices_to_log(conn_.get());
  }
  std::vector<const char*> values(params);
  result_ptr r(PQexecParams(conn_.get(), sql.c_str(), static_cast<int>(values.size()), nullptr, values.data(), nullptr,
                            nullptr, 0));
  if (!succeeded(r.get())) throw std::runtime_error(owner_ + ": " + PQerrorMessage(conn_.get()));
  return r;
}

}  // namespace commerce::adapters::postgres
