#include "adapters/journal/memory_journal.hpp"

#include <algorithm>
#include <chrono>

namespace commerce::adapters {

std::vector<append_result> memory_journal::append(const std::vector<append_request>& batch) {
  std::lock_guard lock(mutex_);
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  std::vector<append_result> results;
  for (const auto& request : batch) {
    auto& stream = streams_[{request.stream_type, request.stream_id}];
    const auto current = static_cast<std::int64_t>(stream.size());
    if (current != request.expected_version) {
      results.push_back({append_status::conflict, current});
      continue;
    }
    for (const auto& e : request.events) {
      stream.push_back(events_.size());
      events_.push_back({static_cast<std::int64_t>(events_.size()) + 1, request.stream_type, request.stream_id,
                         static_cast<std::int64_t>(stream.size()), e.event_type, e.schema_version, e.data, e.metadata,
                         now_ms});
    }
    results.push_back({append_status::appended, static_cast<std::int64_t>(stream.size())});
  }
  return results;
}

std::vector<stored_event> memory_journal::read_stream(const std::string& stream_type, const std::string& stream_id,
                                                      std::int64_t from_version, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<stored_event> out;
  auto it = streams_.find({stream_type, stream_id});
  if (it == streams_.end()) return out;
  for (auto version = std::max<std::int64_t>(from_version, 1);
       version <= static_cast<std::int64_t>(it->second.size()) && out.size() < limit; ++version)
    out.push_back(events_[it->second[static_cast<std::size_t>(version - 1)]]);
  return out;
}

void memory_journal::save_snapshot(const snapshot& s) {
  std::lock_guard lock(mutex_);
  auto& slot = snapshots_[{s.stream_type, s.stream_id}];
  if (slot.version <= s.version) slot = s;
}

std::optional<snapshot> memory_journal::load_snapshot(const std::string& stream_type, const std::string& stream_id) {
  std::lock_guard lock(mutex_);
  auto it = snapshots_.find({stream_type, stream_id});
  if (it == snapshots_.end()) return std::nullopt;
  return it->second;
}

}  // namespace commerce::adapters
