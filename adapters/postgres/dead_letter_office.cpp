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
#include <tuple>

namespace commerce::adapters::postgres {
namespace {

using protocols::dead_letter;

// The columns of a letter, as letter() reads them; `of` qualifies them ("d." in a join).
std::string columns(const std::string& of = "") {
  return of + "id, " + of + "target, " + of + "message_type, " + of + "payload::text, " + of + "reason, " + of +
         "attempts, (extract(epoch FROM " + of + "first_failed_at) * 1000)::bigint, (extract(epoch FROM " + of +
         "last_failed_at) * 1000)::bigint, " + of + "status";
}

const std::string add_sql =
    "INSERT INTO dead_letters (target, message_type, payload, reason, attempts, first_failed_at, last_failed_at) "
    "VALUES ($1, $2, $3::jsonb, $4, $5, timestamptz 'epoch' + $6::bigint * interval '1 millisecond', "
    "timestamptz 'epoch' + $7::bigint * interval '1 millisecond') RETURNING id";
const std::string list_sql = "SELECT " + columns() + " FROM dead_letters WHERE id > $1 ORDER BY id LIMIT $2";
// letter_filter as SQL, its values in $1..$4 (target, message_type, status, through_id). The
// target is a prefix, compared as text (LIKE would read its % and _).
const std::string filter_sql =
    "($1 = '' OR left(target, length($1)) = $1) AND ($2 = '' OR message_type = $2) AND ($3 = '' OR status = $3) "
    "AND id <= $4::bigint";
const std::string filtered_sql =
    "SELECT " + columns() + " FROM dead_letters WHERE " + filter_sql + " AND id > $5 ORDER BY id LIMIT $6";
const std::string tally_sql = "SELECT count(*), coalesce(max(id), 0) FROM dead_letters WHERE " + filter_sql;
// Only from `$3`: of two operators changing one letter, the second changes nothing.
const std::string change_sql =
    "UPDATE dead_letters SET status = $2 WHERE id = $1 AND status = $3 RETURNING " + columns();
const std::string find_sql = "SELECT " + columns() + " FROM dead_letters WHERE id = $1";
// Every pending letter of the filter, locked, and changed only if there are exactly $6 of them.
const std::string claim_sql =
    "WITH chosen AS (SELECT id FROM dead_letters WHERE " + filter_sql +
    " AND status = 'pending' ORDER BY id FOR UPDATE), "
    "counted AS (SELECT count(*) AS n FROM chosen) "
    "UPDATE dead_letters d SET status = $5 FROM chosen, counted WHERE d.id = chosen.id AND counted.n = $6::bigint "
    "RETURNING " + columns("d.");

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
    return letters(db_.run(list_sql, {after.c_str(), max.c_str()}));
  }

  std::vector<dead_letter> list(const protocols::letter_filter& f, std::int64_t after_id, std::uint64_t limit) {
    const auto through = std::to_string(f.through_id), after = std::to_string(after_id), max = std::to_string(limit);
    return letters(db_.run(filtered_sql, {f.target.c_str(), f.message_type.c_str(), f.status.c_str(), through.c_str(),
                                          after.c_str(), max.c_str()}));
  }

  std::tuple<std::int64_t, std::int64_t> tally(const protocols::letter_filter& f) {
    const auto through = std::to_string(f.through_id);
    auto r = db_.run(tally_sql, {f.target.c_str(), f.message_type.c_str(), f.status.c_str(), through.c_str()});
    return {std::stoll(PQgetvalue(r.get(), 0, 0)), std::stoll(PQgetvalue(r.get(), 0, 1))};
  }

  // Moves letter `id` from status `from` to `to`; unchanged (and said so) when it was not in `from`.
  protocols::letter_change change(std::int64_t id, const char* from, const char* to) {
    const auto key = std::to_string(id);
    auto changed = letters(db_.run(change_sql, {key.c_str(), to, from}));
    if (!changed.empty()) return {true, std::move(changed.front())};
    auto found = letters(db_.run(find_sql, {key.c_str()}));
    if (found.empty()) throw std::invalid_argument("no dead letter " + key);
    return {false, std::move(found.front())};
  }

  std::vector<dead_letter> claim(const protocols::letter_filter& f, const std::string& to, std::int64_t expected) {
    const auto through = std::to_string(f.through_id), count = std::to_string(expected);
    return letters(db_.run(claim_sql, {f.target.c_str(), f.message_type.c_str(), f.status.c_str(), through.c_str(),
                                       to.c_str(), count.c_str()}));
  }

 private:
  template <class Result>
  static std::vector<dead_letter> letters(const Result& r) {
    std::vector<dead_letter> out;
    for (int row = 0; row < PQntuples(r.get()); ++row) out.push_back(letter(r.get(), row));
    return out;
  }

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
      [store](caf::get_atom, const protocols::letter_filter& f, std::int64_t after_id, std::uint64_t limit) {
        return answer_or_error(office_failed, [&] { return store->list(f, after_id, limit); });
      },
      [store](protocols::tally_atom, const protocols::letter_filter& f) -> caf::result<std::int64_t, std::int64_t> {
        try {
          const auto [count, last] = store->tally(f);
          return {count, last};
        } catch (const std::exception& e) {
          log::warn(office_failed, {{"error", e.what()}});
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
      [store](protocols::retry_atom, std::int64_t id) {
        return answer_or_error(office_failed, [&] { return store->change(id, "pending", "retried"); });
      },
      [store](caf::delete_atom, std::int64_t id) {
        return answer_or_error(office_failed, [&] { return store->change(id, "pending", "discarded"); });
      },
      [store](protocols::release_atom, std::int64_t id) {
        return answer_or_error(office_failed, [&] { return store->change(id, "retried", "pending"); });
      },
      [store](protocols::claim_atom, const protocols::letter_filter& f, const std::string& to, std::int64_t expected) {
        return answer_or_error(office_failed, [&] {
          if (to != "retried" && to != "discarded") throw std::invalid_argument("a claim moves letters to retried or discarded");
          return store->claim(f, to, expected);
        });
      },
  };
}

}  // namespace

protocols::dead_letter_office_actor spawn_dead_letter_office(caf::actor_system& system, std::string conninfo) {
  return system.spawn<caf::detached>(dead_letter_office, std::make_shared<dead_letter_store>(std::move(conninfo)));
}

}  // namespace commerce::adapters::postgres
