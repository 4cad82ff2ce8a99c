#include "adapters/postgres/dead_letter_office.hpp"

#include "adapters/answer_or_error.hpp"
#include "adapters/postgres/lazy_connection.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "protocols/dead_letters.hpp"

#include <caf/all.hpp>

#include <chrono>
#include <memory>
#include <stdexcept>

namespace commerce::adapters::postgres {
namespace {

using protocols::dead_letter;

constexpr const char* columns =
    "id, target, message_type, payload::text, reason, attempts, "
    "(extract(epoch FROM first_failed_at) * 1000)::bigint, (extract(epoch FROM last_failed_at) * 1000)::bigint, status";

const std::string add_sql =
    "INSERT INTO dead_letters (target, message_type, payload, reason, attempts, first_failed_at, last_failed_at) "
    "VALUES ($1, $2, $3::jsonb, $4, $5, timestamptz 'epoch' + $6::bigint * interval '1 millisecond', "
    "timestamptz 'epoch' + $7::bigint * interval '1 millisecond') RETURNING id";
const std::string list_sql = std::string("SELECT ") + columns + " FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2";
const std::string mark_sql = std::string("UPDATE dead_letters SET status = $2 WHERE id = $1 RETURNING ") + columns;

class dead_letter_store {
 public:
  explicit dead_letter_store(std::string conninfo) : db_(std::move(conninfo), "dead-letter office") {}

  std::int64_t add(const dead_letter& d) {
    // A sender that names no time (a subscription's parked delivery) failed just now.
    const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                            std::chrono::system_clock::now().time_since_epoch()).count();
    const auto last_ms = d.last_failed_ms ? d.last_failed_ms : now_ms;
    const auto attempts = std::to_string(d.attempts), first = std::to_string(d.first_failed_ms ? d.first_failed_ms : last_ms),
               last = std::to_string(last_ms);
    auto r = db_.run(add_sql, {d.target.c_str(), d.message_type.c_str(), d.payload.c_str(), d.reason.c_str(),
                           attempts.c_str(), first.c_str(), last.c_str()});
    return std::stoll(PQgetvalue(r.get(), 0, 0));
  }

  std::vector<dead_letter> list(std::int64_t after_id, std::uint64_t limit) {
    const auto after = std::to_string(after_id), max = std::to_string(limit);
    auto r = db_.run(list_sql, {after.c_str(), max.c_str()});
    std::vector<dead_letter> out;
    for (int row = 0; row < PQntuples(r.get()); ++row) out.push_back(letter(r.get(), row));
    return out;
  }

  dead_letter mark(std::int64_t id, const char* status) {
    const auto key = std::to_string(id);
    auto r = db_.run(mark_sql, {key.c_str(), status});
    if (PQntuples(r.get()) == 0) throw std::invalid_argument("no dead letter " + key);
    return letter(r.get(), 0);
  }

 private:
  static dead_letter letter(const PGresult* r, int row) {
    auto text = [&](int column) { return std::string(PQgetvalue(r, row, column)); };
    return {std::stoll(text(0)), text(1), text(2), text(3), text(4), std::stoi(text(5)),
            std::stoll(text(6)), std::stoll(text(7)), text(8)};
  }

  lazy_connection db_;
};

constexpr const char* office_failed = "dead-letter office failed";

protocols::dead_letter_office_actor::behavior_type dead_letter_office(protocols::dead_letter_office_actor::pointer,
                                                                      std::shared_ptr<dead_letter_store> store) {
  auto& parked = metrics::registry::global().get_counter("commerce_dead_letters_total",
                                                          "Messages parked in the dead-letter office");
  return {
      [store, &parked](caf::put_atom, const dead_letter& d) {
        return answer_or_error(office_failed, [&] {
          const auto id = store->add(d);
          parked.add();
          log::warn("dead letter", {{"id", id}, {"target", d.target}, {"message_type", d.message_type},
                                    {"reason", d.reason}, {"attempts", d.attempts}});
          return id;
        });
      },
      [store](caf::get_atom, std::int64_t after_id, std::uint64_t limit) {
        return answer_or_error(office_failed, [&] { return store->list(after_id, limit); });
      },
      [store](protocols::retry_atom, std::int64_t id) { return answer_or_error(office_failed, [&] { return store->mark(id, "retried"); }); },
      [store](caf::delete_atom, std::int64_t id) { return answer_or_error(office_failed, [&] { return store->mark(id, "discarded"); }); },
  };
}

}  // namespace

protocols::dead_letter_office_actor spawn_dead_letter_office(caf::actor_system& system, std::string conninfo) {
  return system.spawn<caf::detached>(dead_letter_office, std::make_shared<dead_letter_store>(std::move(conninfo)));
}

}  // namespace commerce::adapters::postgres
