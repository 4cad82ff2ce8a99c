// Live updates over server-sent events (API.md, "Streams and live updates"): the journal as it
// happens, and one entity's state on every change. Each event's `id` is its journal position,
// and a client that reconnects with `Last-Event-ID` misses nothing.
//
// The hub (one per node) reads the journal's global order — every poll_interval while any
// stream is open, every second otherwise, so that its place stays current — and hands each
// batch to the streams that follow it:
//   request(hub, t, join_atom, std::string follows, caf::actor stream) -> checkpoint
// `follows` is "<stream type>/<stream id>", or "" for every event. The answer comes at the end of
// the hub's next read (at once when it was idle), with the place that read reached: from then on
// the stream gets (deliver_atom, std::vector<stored_event>) with every matching event after that
// place, in order, until it stops (the hub monitors it).
//
// A stream (one actor per open answer) joins first, then reads what it must send from the
// journal itself (the entity's events, or the journal after Last-Event-ID up to the hub's
// place), then follows the hub; what it reads twice at that seam is skipped by version or
// place. It sends a comment line every `heartbeat` so that proxies keep a quiet stream open,
// and stops when its client leaves, when the server drops a reader too slow
// (http.stream_buffer_limit) or stops, or when the hub does (the client then resumes).
#pragma once

#include "actors/service_directory.hpp"
#include "common/http_message.hpp"
#include "protocols/journal.hpp"
#include "protocols/subscription.hpp"

#include <caf/actor.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <set>
#include <string>

namespace commerce::actors {

using join_atom = caf::atom_constant<caf::atom("join")>;

struct live_options {
  std::size_t max_streams = 5000;  // open at once on this node; more: 503 too_many_streams
  std::chrono::milliseconds heartbeat{15'000};
  std::size_t max_buffered = 1 << 20;  // a catching-up stream waits while this much is unsent
  std::chrono::milliseconds poll_interval{20};  // the hub's, while any stream is open
};

caf::actor spawn_live_hub(caf::actor_system& system, service<protocols::journal_reader_actor> reader,
                          std::chrono::milliseconds poll_interval);

struct live_services {
  service<protocols::journal_reader_actor> reader;
  service<caf::actor> hub;
};

// What one entity's stream shows: it is given the entity's events from its first, in order,
// and answers what a client sees after each one (nullopt: nothing shown changed). Throws on an
// event it cannot decode.
class live_fold {
 public:
  virtual ~live_fold() = default;
  virtual std::optional<std::string> apply(const protocols::stored_event& e) = 0;
  virtual std::string current() const = 0;  // what it shows now
};

// Which journal events a journal stream sends: those whose event type or stream type is in
// `types` (empty: any), of the stream `stream_id` (empty: any).
struct journal_filter {
  std::set<std::string, std::less<>> types;
  std::string stream_id;
};

// Opens a stream of the journal's events as JSON (position, stream_type, stream_id, version,
// type, data, at): those after `last_event_id`, or from now on. A position that is no event's
// is answered 422.
void open_journal_stream(caf::actor_system& system, const live_services& services, const live_options& options,
                         journal_filter filter, std::optional<std::int64_t> last_event_id, http_responder respond);

// Opens a stream of one entity's state, as `fold` renders it: after each of its events later
// than `last_event_id`, or now and after each change from now on. An entity without events is
// answered 404 with `what` ("product X").
void open_entity_stream(caf::actor_system& system, const live_services& services, const live_options& options,
                        std::string stream_type, std::string stream_id, std::string what,
                        std::shared_ptr<live_fold> fold, std::optional<std::int64_t> last_event_id,
                        http_responder respond);

}  // namespace commerce::actors
