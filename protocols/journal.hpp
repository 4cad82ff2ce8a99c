// The journal protocol: what entity actors, timers and subscriptions send to the storage side.
//
// The journal writer (all writes; appends are group-committed):
//   request(writer, t, append_atom, append_request)            -> append_result
//   send(writer, save_atom, snapshot)                            best effort, an older one never wins
//   request(writer, t, save_atom, subscription, checkpoint)     -> () once saved
//   send(writer, clear_atom, due_timer)                          only if still due at that time
// The journal readers (blocking reads on threads of their own):
//   request(reader, t, load_atom, stream_type, stream_id, from_version, use_snapshot) -> recovered_stream
//   request(reader, t, read_atom, checkpoint, limit)             -> std::vector<stored_event>
//   request(reader, t, read_atom, stream_type, stream_id, from_version, limit)
//                                                                -> std::vector<stored_event> (a page of one stream)
//   request(reader, t, load_atom, subscription)                  -> checkpoint ({0, 0} when none)
//   request(reader, t, head_atom, checkpoint)                    -> journal_head (how far behind it is)
//   request(reader, t, locate_atom, position)                    -> checkpoint of that event ({0, 0}: none)
//   request(reader, t, due_atom, until_ms, limit)                -> std::vector<due_timer>
//   request(reader, t, ping_atom)                                -> () once PostgreSQL answers
// A reader that cannot reach the store answers with an error (sec::runtime_error).
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace commerce::protocols {

using append_atom = caf::atom_constant<caf::atom("append")>;
using save_atom = caf::atom_constant<caf::atom("save")>;
using clear_atom = caf::atom_constant<caf::atom("clear")>;
using load_atom = caf::atom_constant<caf::atom("load")>;
using read_atom = caf::atom_constant<caf::atom("read")>;
using due_atom = caf::atom_constant<caf::atom("due")>;
using ping_atom = caf::atom_constant<caf::atom("ping")>;
using head_atom = caf::atom_constant<caf::atom("head")>;
using locate_atom = caf::atom_constant<caf::atom("locate")>;

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
  invalid,              // refused as given (text PostgreSQL cannot store: \u0000 in JSON, invalid
                        // UTF-8); nothing stored, and the same request will never be taken
  fenced,               // cluster: this node does not own the stream's shard at its epoch (any
                        // more); nothing stored, its owner must take the command
};

struct append_result {
  append_status status = append_status::appended;
  std::int64_t version = 0;
};

// An event as stored.
struct stored_event {
  std::int64_t position = 0;  // global order
  std::string stream_type;
  std::string stream_id;
  std::int64_t version = 0;  // 1 for a stream's first event
  std::string event_type;
  int schema_version = 1;
  std::string data;
  std::string metadata;
  std::int64_t recorded_at_ms = 0;
  std::int64_t transaction_id = 0;  // filled by read_all only
};

// An entity's state as of `version`, as JSON in the state's own schema version.
struct snapshot {
  std::string stream_type;
  std::string stream_id;
  std::int64_t version = 0;
  int schema_version = 1;
  std::string data;
};

// What an entity recovers from: the latest snapshot (if asked for and present) and the events
// after it.
struct recovered_stream {
  std::optional<snapshot> from_snapshot;
  std::vector<stored_event> events;
};

// Where a subscription has got to in the global order. Events are delivered in
// (transaction_id, position) order: positions are taken when a transaction writes but become
// visible when it commits, so position alone would skip an event committed late.
struct checkpoint {
  std::int64_t transaction_id = 0;
  std::int64_t position = 0;
};

// Where the global order ends now, as read_all sees it (the last event it could return;
// {0, 0} for an empty journal), and how far a subscription at some checkpoint is behind: the
// events after that checkpoint (counted up to a cap) and when the first of them in reading
// order, the next to handle, was recorded (0 when there are none).
struct journal_head {
  checkpoint head;
  std::int64_t behind = 0;
  std::int64_t oldest_unread_ms = 0;
};

// A durable timer that is due: the timer service sends it to its entity, then clears it.
struct due_timer {
  std::string stream_type;
  std::string stream_id;
  std::string name;
  std::int64_t due_at_ms = 0;
};

inline std::string to_string(append_status s) {
  switch (s) {
    case append_status::appended: return "appended";
    case append_status::conflict: return "conflict";
    case append_status::storage_unavailable: return "storage_unavailable";
    case append_status::invalid: return "invalid";
    case append_status::fenced: return "fenced";
  }
  return "unknown";
}

BOOST_DESCRIBE_STRUCT(event_record, (), (event_type, schema_version, data, metadata))
BOOST_DESCRIBE_STRUCT(timer_change, (), (name, due_at_ms))
BOOST_DESCRIBE_STRUCT(append_request, (), (stream_type, stream_id, expected_version, events, timers))
BOOST_DESCRIBE_STRUCT(append_result, (), (status, version))
BOOST_DESCRIBE_STRUCT(stored_event, (), (position, stream_type, stream_id, version, event_type, schema_version, data,
                                         metadata, recorded_at_ms, transaction_id))
BOOST_DESCRIBE_STRUCT(snapshot, (), (stream_type, stream_id, version, schema_version, data))
BOOST_DESCRIBE_STRUCT(recovered_stream, (), (from_snapshot, events))
BOOST_DESCRIBE_STRUCT(checkpoint, (), (transaction_id, position))
BOOST_DESCRIBE_STRUCT(journal_head, (), (head, behind, oldest_unread_ms))
BOOST_DESCRIBE_STRUCT(due_timer, (), (stream_type, stream_id, name, due_at_ms))
COMMERCE_WIRE_MESSAGE(event_record, "commerce.event_record")
COMMERCE_WIRE_MESSAGE(timer_change, "commerce.timer_change")
COMMERCE_WIRE_MESSAGE(append_request, "commerce.append_request")
COMMERCE_WIRE_MESSAGE(append_result, "commerce.append_result")
COMMERCE_WIRE_MESSAGE(stored_event, "commerce.stored_event")
COMMERCE_WIRE_MESSAGE(snapshot, "commerce.snapshot")
COMMERCE_WIRE_MESSAGE(recovered_stream, "commerce.recovered_stream")
COMMERCE_WIRE_MESSAGE(checkpoint, "commerce.checkpoint")
COMMERCE_WIRE_MESSAGE(journal_head, "commerce.journal_head")
COMMERCE_WIRE_MESSAGE(due_timer, "commerce.due_timer")

// The interfaces above as types, so that a message the actor does not take fails to compile.
using journal_writer_actor = caf::typed_actor<caf::replies_to<append_atom, append_request>::with<append_result>,
                                              caf::reacts_to<save_atom, snapshot>,
                                              caf::reacts_to<save_atom, std::string, checkpoint>,
                                              caf::reacts_to<clear_atom, due_timer>>;

using journal_reader_actor =
    caf::typed_actor<caf::replies_to<load_atom, std::string, std::string, std::int64_t, bool>::with<recovered_stream>,
                     caf::replies_to<read_atom, checkpoint, std::uint64_t>::with<std::vector<stored_event>>,
                     caf::replies_to<read_atom, std::string, std::string, std::int64_t, std::uint64_t>::with<
                         std::vector<stored_event>>,
                     caf::replies_to<load_atom, std::string>::with<checkpoint>,
                     caf::replies_to<head_atom, checkpoint>::with<journal_head>,
                     caf::replies_to<locate_atom, std::int64_t>::with<checkpoint>,
                     caf::replies_to<due_atom, std::int64_t, std::uint64_t>::with<std::vector<due_timer>>,
                     caf::reacts_to<ping_atom>>;

}  // namespace commerce::protocols

