// The journal in memory, for fast actor tests. Thread-safe; behaves as postgres_journal does.
#pragma once

#include "adapters/journal/journal.hpp"

#include <map>
#include <mutex>
#include <utility>

namespace commerce::adapters {

class memory_journal : public journal {
 public:
  std::vector<append_result> append(const std::vector<append_request>& batch) override;
  std::vector<stored_event> read_stream(const std::string& stream_type, const std::string& stream_id,
                                        std::int64_t from_version, std::size_t limit) override;
  void save_snapshot(const snapshot& s) override;
  std::optional<snapshot> load_snapshot(const std::string& stream_type, const std::string& stream_id) override;

 private:
  using stream_key = std::pair<std::string, std::string>;
  std::mutex mutex_;
  std::vector<stored_event> events_;                      // in position order
  std::map<stream_key, std::vector<std::size_t>> streams_;  // indexes into events_
  std::map<stream_key, snapshot> snapshots_;
};

}  // namespace commerce::adapters
