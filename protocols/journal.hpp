// The journal protocol: what entity actors send to the journal writer and what comes back.
//
//   request(writer, timeout, append_atom::value, append_request) -> append_result
//
// The writer batches the appends of many entities into one transaction (group commit) and
// answers each only once its events are durable.
#pragma once

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/atom.hpp>
#include <caf/meta/type_name.hpp>

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::protocols {

using append_atom = caf::atom_constant<caf::atom("append")>;

// An event on its way in. `data` and `metadata` are JSON texts (metadata: correlation_id,
// causation_id, command_id).
struct event_record {
  std::string event_type;
  int schema_version = 1;
  std::string data;
  std::string metadata = "{}";
};

// Sets (due_at_ms > 0) or clears (0) one of the stream's durable timers. It is written in the
// same transaction as the events, so a timer never outlives or misses the decision behind it.
struct timer_change {
  std::string name;
  std::int64_t due_at_ms = 0;
};

// Append `events` as versions expected_version+1 … only if the stream is at expected_version now.
struct append_request {
  std::string stream_type;
  std::string stream_id;
  std::int64_t expected_version = 0;
  std::vector<event_record> events;
  std::vector<timer_change> timers;
};

enum class append_status : std::uint8_t {
  appended,             // durable; `version` is the stream's new version
  conflict,             // another writer got there first; `version` is the actual one
  storage_unavailable,  // nothing stored; try again later (answer 503)
};

struct append_result {
  append_status status = append_status::appended;
  std::int64_t version = 0;
};

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, event_record& x) {
  return f(caf::meta::type_name("event_record"), x.event_type, x.schema_version, x.data, x.metadata);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, timer_change& x) {
  return f(caf::meta::type_name("timer_change"), x.name, x.due_at_ms);
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_request& x) {
  return f(caf::meta::type_name("append_request"), x.stream_type, x.stream_id, x.expected_version, x.events,
           x.timers);
}

inline std::string to_string(append_status s) {
  switch (s) {
    case append_status::appended: return "appended";
    case append_status::conflict: return "conflict";
    case append_status::storage_unavailable: return "storage_unavailable";
  }
  return "unknown";
}

template <class Inspector>
typename Inspector::result_type inspect(Inspector& f, append_result& x) {
  return f(caf::meta::type_name("append_result"), x.status, x.version);
}

}  // namespace commerce::protocols
