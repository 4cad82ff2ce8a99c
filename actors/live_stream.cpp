// One open live stream (live_events.hpp): an actor per answer, which catches up from the
// journal, then follows the hub.
#include "actors/live_events.hpp"

#include "api/api_json.hpp"
#include "common/log.hpp"
#include "common/problem.hpp"
#include "domain/time.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <atomic>
#include <variant>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::shared_ptr<commerce::http_stream>)

namespace commerce::actors {
namespace {

using protocols::checkpoint;
using protocols::stored_event;
using heartbeat_atom = caf::atom_constant<caf::atom("heartbeat")>;
using page_atom = caf::atom_constant<caf::atom("page")>;

constexpr std::chrono::seconds ask_timeout{10};
constexpr std::size_t catch_up_page = 100;
constexpr std::chrono::milliseconds drain_wait{50};
constexpr int max_drain_waits = 600;  // 30 s: a catching-up client that takes nothing is let go
constexpr std::size_t max_held = 10'000;  // hub deliveries kept while catching up

// Streams open on this node, for live_options::max_streams.
std::atomic<std::size_t> open_streams{0};

checkpoint place_of(const stored_event& e) { return {e.transaction_id, e.position}; }

bool before(const checkpoint& a, const checkpoint& b) {
  return std::pair(a.transaction_id, a.position) < std::pair(b.transaction_id, b.position);
}

std::string frame(std::int64_t id, const std::string& data) {
  return "id: " + std::to_string(id) + "\ndata: " + data + "\n\n";
}

std::string journal_event_json(const stored_event& e) {
  boost::json::object o;
  o["position"] = e.position;
  o["stream_type"] = e.stream_type;
  o["stream_id"] = e.stream_id;
  o["version"] = e.version;
  o["type"] = e.event_type;
  o["data"] = boost::json::parse(e.data);
  o["at"] = domain::to_iso8601({e.recorded_at_ms});
  return boost::json::serialize(o);
}

struct journal_follow {
  journal_filter filter;
  checkpoint at;  // the last event considered, sent or not
  bool wants(const stored_event& e) const {
    if (!filter.stream_id.empty() && e.stream_id != filter.stream_id) return false;
    return filter.types.empty() || filter.types.count(e.event_type) > 0 || filter.types.count(e.stream_type) > 0;
  }
};

struct entity_follow {
  std::string stream_type, stream_id;
  std::string what;  // for a 404: "product X"
  std::shared_ptr<live_fold> fold;
  std::int64_t version = 0;  // of the last event folded
};

struct stream_state {
  live_services services;
  live_options options;
  std::optional<std::int64_t> last_event_id;
  std::variant<journal_follow, entity_follow> follow;
  http_responder respond;  // until answered
  std::shared_ptr<http_stream> out;
  std::vector<std::string> unsent;  // frames ready before the stream was open
  checkpoint hub_place;             // the hub delivers every event after it
  bool following = false;           // caught up: hub deliveries are handled as they come
  std::vector<stored_event> held;   // hub deliveries while catching up (at most max_held)
  int drain_waits = 0;              // in a row, while catching up
  static inline const char* name = "live_stream";

  ~stream_state() { --open_streams; }
};

using stream_actor = caf::stateful_actor<stream_state>*;

void fail(stream_actor self, http_response answer) {
  if (self->state.respond) std::exchange(self->state.respond, nullptr)(std::move(answer));
  self->quit();
}

void fail_unavailable(stream_actor self, const caf::error& e) {
  auto r = problem(503, "unavailable", "Service unavailable", self->system().render(e));
  r.headers.emplace_back("Retry-After", "1");
  fail(self, std::move(r));
}

// Sends (or keeps until the stream is open) one frame; false once the client is gone.
bool send_frame(stream_actor self, std::string text) {
  auto& st = self->state;
  if (!st.out) {
    st.unsent.push_back(std::move(text));
    return true;
  }
  if (st.out->write(std::move(text))) return true;
  self->quit();
  return false;
}

void handle_events(stream_actor self, const std::vector<stored_event>& events) {
  auto& st = self->state;
  if (auto* j = std::get_if<journal_follow>(&st.follow)) {
    for (const auto& e : events) {
      if (!before(j->at, place_of(e))) continue;
      j->at = place_of(e);
      if (j->wants(e) && !send_frame(self, frame(e.position, journal_event_json(e)))) return;
    }
    return;
  }
  auto& n = std::get<entity_follow>(st.follow);
  for (const auto& e : events) {
    if (e.stream_type != n.stream_type || e.stream_id != n.stream_id || e.version <= n.version) continue;
    if (e.version != n.version + 1) {  // cannot happen with the hub's order; the client resumes
      log::warn("live stream missed events; closing it", {{"stream", n.stream_id}, {"version", e.version}});
      return self->quit();
    }
    n.version = e.version;
    if (auto shown = n.fold->apply(e); shown && !send_frame(self, frame(e.position, *shown))) return;
  }
}

// Hub deliveries and caught-up events alike: each event is sent once, in order. One that
// cannot be shown (undecodable) ends the stream rather than skipping it silently.
void handle(stream_actor self, const std::vector<stored_event>& events) {
  try {
    handle_events(self, events);
  } catch (const std::exception& e) {
    log::warn("live stream: an event cannot be shown; closing the stream", {{"error", e.what()}});
    self->quit();
  }
}

void follow_hub(stream_actor self) {
  auto& st = self->state;
  st.following = true;
  auto held = std::move(st.held);
  handle(self, held);
}

// Opens the answer: the server hands over the stream, which this actor then writes.
void answer_with_stream(stream_actor self) {
  http_response r;
  r.content_type = "text/event-stream";
  r.headers.emplace_back("X-Accel-Buffering", "no");  // proxies: pass each event on at once
  r.stream = [me = caf::actor_cast<caf::actor>(self)](std::shared_ptr<http_stream> out) {
    // Closed when this actor ends, also if it ended before the stream reached it.
    me->attach_functor([weak = std::weak_ptr<http_stream>(out)] {
      if (auto s = weak.lock()) s->close();
    });
    caf::anon_send(me, std::move(out));
  };
  std::exchange(self->state.respond, nullptr)(std::move(r));
}

// A journal stream after Last-Event-ID reads the journal itself up to the hub's place, a page
// at a time, and waits while its client has not taken the pages before.
void catch_up(stream_actor self) {
  auto& st = self->state;
  auto& j = std::get<journal_follow>(st.follow);
  if (!before(j.at, st.hub_place)) return follow_hub(self);
  if (st.out->queued() > st.options.max_buffered / 2) {
    if (++st.drain_waits > max_drain_waits) return self->quit();
    self->delayed_send(self, drain_wait, page_atom::value);
    return;
  }
  st.drain_waits = 0;
  auto reader = st.services.reader.get();
  if (!reader) {
    self->delayed_send(self, std::chrono::seconds(1), page_atom::value);
    return;
  }
  self->request(reader, ask_timeout, protocols::read_atom::value, j.at, std::uint64_t{catch_up_page})
      .then(
          [self](std::vector<stored_event>& events) {
            handle(self, events);
            if (events.size() < catch_up_page) return follow_hub(self);
            self->send(self, page_atom::value);
          },
          [self](caf::error& e) {
            log::warn("live stream: catching up failed; closing it", {{"error", self->system().render(e)}});
            self->quit();
          });
}

void opened(stream_actor self, std::shared_ptr<http_stream> out) {
  auto& st = self->state;
  st.out = std::move(out);
  st.out->on_close([me = caf::actor_cast<caf::actor_addr>(self)] { caf::anon_send_exit(me, caf::exit_reason::user_shutdown); });
  if (!st.out->write("retry: 1000\n\n")) return self->quit();
  for (auto& text : std::exchange(st.unsent, {}))
    if (!send_frame(self, std::move(text))) return;
  self->delayed_send(self, st.options.heartbeat, heartbeat_atom::value);
  if (std::holds_alternative<journal_follow>(st.follow) && st.last_event_id) return catch_up(self);
  follow_hub(self);
}

// After joining: an entity's stream folds its events; a journal stream finds where to resume.
void start(stream_actor self) {
  auto& st = self->state;
  auto reader = st.services.reader.get();
  if (!reader) return fail_unavailable(self, caf::make_error(caf::sec::invalid_argument, "the journal reader is restarting"));
  if (auto* j = std::get_if<journal_follow>(&st.follow)) {
    if (!st.last_event_id) {
      j->at = st.hub_place;
      return answer_with_stream(self);
    }
    self->request(reader, ask_timeout, protocols::locate_atom::value, *st.last_event_id)
        .then(
            [self](const checkpoint& at) {
              if (at.position == 0)
                return fail(self, rejection_response(domain::invalid_field(
                                      "Last-Event-ID", "no event has this position; reconnect without it")));
              std::get<journal_follow>(self->state.follow).at = at;
              answer_with_stream(self);
            },
            [self](caf::error& e) { fail_unavailable(self, e); });
    return;
  }
  auto& n = std::get<entity_follow>(st.follow);
  self->request(reader, ask_timeout, protocols::load_atom::value, n.stream_type, n.stream_id, std::int64_t{1}, false)
      .then(
          [self](protocols::recovered_stream& stream) {
            auto& st = self->state;
            auto& n = std::get<entity_follow>(st.follow);
            if (stream.events.empty()) return fail(self, rejection_response(domain::not_found(n.what)));
            try {
              for (const auto& e : stream.events) {
                auto shown = n.fold->apply(e);
                n.version = e.version;
                if (shown && st.last_event_id && e.position > *st.last_event_id) send_frame(self, frame(e.position, *shown));
              }
            } catch (const std::exception& ex) {
              return fail(self, problem(500, "undecodable_event", "Internal error", ex.what()));
            }
            if (!st.last_event_id) send_frame(self, frame(stream.events.back().position, n.fold->current()));
            answer_with_stream(self);
          },
          [self](caf::error& e) { fail_unavailable(self, e); });
}

caf::behavior live_stream(stream_actor self, live_services services, live_options options,
                          std::variant<journal_follow, entity_follow> follow, std::string follows,
                          std::optional<std::int64_t> last_event_id, http_responder respond) {
  auto& st = self->state;
  st.services = std::move(services);
  st.options = options;
  st.follow = std::move(follow);
  st.last_event_id = last_event_id;
  st.respond = std::move(respond);
  self->set_down_handler([self](const caf::down_msg&) { self->quit(); });  // the hub stopped
  auto hub = st.services.hub.get();
  if (!hub) {
    fail_unavailable(self, caf::make_error(caf::sec::invalid_argument, "live streams are restarting"));
    return {};
  }
  self->monitor(hub);
  self->request(hub, ask_timeout, join_atom::value, std::move(follows), caf::actor_cast<caf::actor>(self))
      .then(
          [self](const checkpoint& place) {
            self->state.hub_place = place;
            start(self);
          },
          [self](caf::error& e) { fail_unavailable(self, e); });
  return {
      [self](std::shared_ptr<http_stream>& out) { opened(self, std::move(out)); },
      [self](protocols::deliver_atom, std::vector<stored_event>& events) {
        auto& st = self->state;
        if (st.following) return handle(self, events);
        st.held.insert(st.held.end(), events.begin(), events.end());
        if (st.held.size() > max_held && std::holds_alternative<journal_follow>(st.follow)) {
          // Catching up from the journal takes these too: it reads on as far as they go.
          st.hub_place = place_of(st.held.back());
          st.held.clear();
        }
      },
      [self](page_atom) { catch_up(self); },
      [self](heartbeat_atom) {
        if (!send_frame(self, ": heartbeat\n\n")) return;
        self->delayed_send(self, self->state.options.heartbeat, heartbeat_atom::value);
      },
  };
}

// Counts the stream in, or answers 503 when the node has as many open as it takes.
bool admit(const live_options& options, const http_responder& respond) {
  if (open_streams.fetch_add(1) < options.max_streams) return true;
  --open_streams;
  auto r = problem(503, "too_many_streams", "Service unavailable",
                   "this node has " + std::to_string(options.max_streams) + " live streams open; try again later");
  r.headers.emplace_back("Retry-After", "5");
  respond(std::move(r));
  return false;
}

}  // namespace

void open_journal_stream(caf::actor_system& system, const live_services& services, const live_options& options,
                         journal_filter filter, std::optional<std::int64_t> last_event_id, http_responder respond) {
  if (!admit(options, respond)) return;
  system.spawn(live_stream, services, options, journal_follow{std::move(filter), {}}, std::string(), last_event_id,
               std::move(respond));
}

void open_entity_stream(caf::actor_system& system, const live_services& services, const live_options& options,
                        std::string stream_type, std::string stream_id, std::string what,
                        std::shared_ptr<live_fold> fold, std::optional<std::int64_t> last_event_id,
                        http_responder respond) {
  if (!admit(options, respond)) return;
  auto follows = stream_type + "/" + stream_id;
  system.spawn(live_stream, services, options, entity_follow{std::move(stream_type), std::move(stream_id), std::move(what), std::move(fold), 0},
               std::move(follows), last_event_id, std::move(respond));
}

}  // namespace commerce::actors
