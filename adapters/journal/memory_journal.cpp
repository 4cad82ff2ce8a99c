#include "adapters/journal/memory_journal.hpp"

#include <boost/json/parse.hpp>

#include <algorithm>
#include <chrono>

namespace commerce::adapters {
namespace {

// What PostgreSQL would refuse: see refused_content, and jsonb takes valid JSON only.
bool storable(const append_request& request) {
  if (refused_content(request)) return false;
  for (const auto& e : request.events) {
    boost::json::error_code ec;
    boost::json::parse(e.data, ec);
    if (ec) return false;
    boost::json::parse(e.metadata, ec);
    if (ec) return false;
  }
  return true;
}

}  // namespace

append_result memory_journal::append_locked(const append_request& request, std::int64_t transaction) {
  auto& stream = streams_[{request.stream_type, request.stream_id}];
  const auto current = static_cast<std::int64_t>(stream.size());
  // A version taken by a still-open transaction is taken: PostgreSQL's unique index would make
  // the second writer wait and then fail, which is a conflict either way.
  if (current != request.expected_version) return {append_status::conflict, current};
  const auto now_ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                          std::chrono::system_clock::now().time_since_epoch()).count();
  for (const auto& e : request.events) {
    stream.push_back(events_.size());
    events_.push_back({static_cast<std::int64_t>(events_.size()) + 1, request.stream_type, request.stream_id,
                       static_cast<std::int64_t>(stream.size()), e.event_type, e.schema_version, e.data, e.metadata,
                       now_ms, transaction});
  }
  for (const auto& t : request.timers) {
    const timer_key key{request.stream_type, request.stream_id, t.name};
    if (t.due_at_ms > 0) timers_[key] = t.due_at_ms;
    else timers_.erase(key);
  }
  return {append_status::appended, static_cast<std::int64_t>(stream.size())};
}

std::vector<append_result> memory_journal::append(const std::vector<append_request>& batch) {
  std::lock_guard lock(mutex_);
  const auto transaction = next_transaction_++;
  std::vector<append_result> results;
  results.reserve(batch.size());
  for (const auto& request : batch)
    results.push_back(storable(request) ? append_locked(request, transaction) : append_result{append_status::invalid, 0});
  return results;
}

std::int64_t memory_journal::append_uncommitted(const append_request& request) {
  std::lock_guard lock(mutex_);
  const auto transaction = next_transaction_++;
  open_transactions_.insert(transaction);
  append_locked(request, transaction);
  return transaction;
}

void memory_journal::commit(std::int64_t transaction) {
  std::lock_guard lock(mutex_);
  open_transactions_.erase(transaction);
}

std::vector<stored_event> memory_journal::read_stream(const std::string& stream_type, const std::string& stream_id,
                                                      std::int64_t from_version, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<stored_event> out;
  auto it = streams_.find({stream_type, stream_id});
  if (it == streams_.end()) return out;
  for (auto version = std::max<std::int64_t>(from_version, 1);
       version <= static_cast<std::int64_t>(it->second.size()) && out.size() < limit; ++version) {
    const auto& e = events_[it->second[static_cast<std::size_t>(version - 1)]];
    if (!visible(e)) break;
    out.push_back(e);
    out.back().transaction_id = 0;  // as postgres_journal: only read_all reports it
  }
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

std::vector<stored_event> memory_journal::read_all(const checkpoint& after, std::size_t limit) {
  std::lock_guard lock(mutex_);
  const auto horizon = open_transactions_.empty() ? next_transaction_ : *open_transactions_.begin();
  auto key = [](const stored_event& e) { return std::pair(e.transaction_id, e.position); };
  std::vector<stored_event> out;
  for (const auto& e : events_)
    if (e.transaction_id < horizon && key(e) > std::pair(after.transaction_id, after.position)) out.push_back(e);
  std::sort(out.begin(), out.end(), [&](const auto& a, const auto& b) { return key(a) < key(b); });
  if (out.size() > limit) out.resize(limit);
  return out;
}

journal_head memory_journal::head(const checkpoint& after, std::size_t count_limit) {
  std::lock_guard lock(mutex_);
  const auto horizon = open_transactions_.empty() ? next_transaction_ : *open_transactions_.begin();
  auto key = [](const stored_event& e) { return std::pair(e.transaction_id, e.position); };
  journal_head out;
  const stored_event* first_unread = nullptr;  // in reading order
  for (const auto& e : events_) {
    if (e.transaction_id >= horizon) continue;
    if (key(e) > std::pair(out.head.transaction_id, out.head.position)) out.head = {e.transaction_id, e.position};
    if (key(e) <= std::pair(after.transaction_id, after.position)) continue;
    if (static_cast<std::size_t>(out.behind) < count_limit) ++out.behind;
    if (!first_unread || key(e) < key(*first_unread)) first_unread = &e;
  }
  if (first_unread) out.oldest_unread_ms = first_unread->recorded_at_ms;
  return out;
}

std::optional<checkpoint> memory_journal::locate(std::int64_t position) {
  std::lock_guard lock(mutex_);
  for (const auto& e : events_)
    if (e.position == position && visible(e)) return checkpoint{e.transaction_id, e.position};
  return std::nullopt;
}

std::optional<checkpoint> memory_journal::load_checkpoint(const std::string& subscription) {
  std::lock_guard lock(mutex_);
  auto it = checkpoints_.find(subscription);
  if (it == checkpoints_.end()) return std::nullopt;
  return it->second;
}

void memory_journal::save_checkpoint(const std::string& subscription, const checkpoint& at) {
  std::lock_guard lock(mutex_);
  checkpoints_[subscription] = at;
}

std::vector<due_timer> memory_journal::due_timers(std::int64_t until_ms, std::size_t limit) {
  std::lock_guard lock(mutex_);
  std::vector<due_timer> out;
  for (const auto& [key, due] : timers_)
    if (due <= until_ms) out.push_back({std::get<0>(key), std::get<1>(key), std::get<2>(key), due});
  std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.due_at_ms < b.due_at_ms; });
  if (out.size() > limit) out.resize(limit);
  return out;
}

void memory_journal::clear_timer(const due_timer& timer) {
  std::lock_guard lock(mutex_);
  auto it = timers_.find({timer.stream_type, timer.stream_id, timer.name});
  if (it != timers_.end() && it->second == timer.due_at_ms) timers_.erase(it);
}

}  // namespace commerce::adapters
