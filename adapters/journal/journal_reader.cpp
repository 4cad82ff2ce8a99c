#include "adapters/journal/journal_reader.hpp"

#include "common/log.hpp"

#include <caf/all.hpp>

#include <limits>

namespace commerce::adapters {
namespace {

// Runs a read; a failure becomes an error answer instead of killing the reader.
template <class Read>
auto guarded(Read read) -> caf::result<decltype(read())> {
  try {
    return read();
  } catch (const std::exception& e) {
    log::warn("journal read failed", {{"error", e.what()}});
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

caf::behavior journal_reader(caf::event_based_actor*, std::shared_ptr<journal> store) {
  return {
      [store](protocols::load_atom, const std::string& type, const std::string& id, std::int64_t from_version,
              bool use_snapshot) {
        return guarded([&] {
          protocols::recovered_stream out;
          if (use_snapshot) out.from_snapshot = store->load_snapshot(type, id);
          const auto from = out.from_snapshot ? out.from_snapshot->version + 1 : from_version;
          out.events = store->read_stream(type, id, from, std::numeric_limits<std::size_t>::max());
          return out;
        });
      },
      [store](protocols::read_atom, const checkpoint& after, std::uint64_t limit) {
        return guarded([&] { return store->read_all(after, limit); });
      },
      [store](protocols::load_atom, const std::string& subscription) {
        return guarded([&] { return store->load_checkpoint(subscription).value_or(checkpoint{}); });
      },
      [store](protocols::due_atom, std::int64_t until_ms, std::uint64_t limit) {
        return guarded([&] { return store->due_timers(until_ms, limit); });
      },
  };
}

}  // namespace

caf::actor spawn_journal_reader(caf::actor_system& system, std::shared_ptr<journal> store) {
  return system.spawn<caf::detached>(journal_reader, std::move(store));
}

}  // namespace commerce::adapters
