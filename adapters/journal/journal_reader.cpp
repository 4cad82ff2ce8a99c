#include "adapters/journal/journal_reader.hpp"

#include "adapters/answer_or_error.hpp"

#include <caf/all.hpp>

#include <limits>

namespace commerce::adapters {
namespace {

constexpr const char* read_failed = "journal read failed";

protocols::journal_reader_actor::behavior_type journal_reader(protocols::journal_reader_actor::pointer,
                                                              std::shared_ptr<journal> store) {
  return {
      [store](protocols::load_atom, const std::string& type, const std::string& id, std::int64_t from_version,
              bool use_snapshot) {
        return answer_or_error(read_failed, [&] {
          protocols::recovered_stream out;
          if (use_snapshot) out.from_snapshot = store->load_snapshot(type, id);
          const auto from = out.from_snapshot ? out.from_snapshot->version + 1 : from_version;
          out.events = store->read_stream(type, id, from, std::numeric_limits<std::size_t>::max());
          return out;
        });
      },
      [store](protocols::read_atom, const checkpoint& after, std::uint64_t limit) {
        return answer_or_error(read_failed, [&] { return store->read_all(after, limit); });
      },
      [store](protocols::read_atom, const std::string& type, const std::string& id, std::int64_t from_version,
              std::uint64_t limit) {
        return answer_or_error(read_failed, [&] { return store->read_stream(type, id, from_version, limit); });
      },
      [store](protocols::head_atom, const checkpoint& after) {
        // A cap keeps the count cheap however far behind a subscription is.
        return answer_or_error(read_failed, [&] { return store->head(after, 100'000); });
      },
      [store](protocols::locate_atom, std::int64_t position) {
        return answer_or_error(read_failed, [&] { return store->locate(position).value_or(checkpoint{}); });
      },
      [store](protocols::load_atom, const std::string& subscription) {
        return answer_or_error(read_failed, [&] { return store->load_checkpoint(subscription).value_or(checkpoint{}); });
      },
      [store](protocols::due_atom, std::int64_t until_ms, std::uint64_t limit) {
        return answer_or_error(read_failed, [&] { return store->due_timers(until_ms, limit); });
      },
      [store](protocols::ping_atom) {
        return answer_or_error(read_failed, [&] {
          store->ping();
        });
      },
  };
}

}  // namespace

protocols::journal_reader_actor spawn_journal_reader(caf::actor_system& system, std::shared_ptr<journal> store) {
  return system.spawn<caf::detached>(journal_reader, std::move(store));
}

}  // namespace commerce::adapters
