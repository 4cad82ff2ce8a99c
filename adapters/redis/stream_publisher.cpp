#include "adapters/redis/stream_publisher.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/time.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::adapters::redis {
namespace {

using protocols::stored_event;

// Adds a batch's events in order, in one script, and stops at the first that Redis refuses for
// any reason but "already there": a pipeline would go on past it, and a later event of the same
// stream then put above it would make the refused one look published when delivered again.
// KEYS: each event's stream; ARGV: the cap, then per event its id and its six fields.
// Returns {events added, events already there, the 1-based index of the refused one or 0, why}.
constexpr const char* publish_script = R"lua(
local added, repeats = 0, 0
for i = 1, #KEYS do
  local a = 1 + (i - 1) * 7
  local r = redis.pcall('XADD', KEYS[i], 'MAXLEN', '~', ARGV[1], ARGV[a + 1], 'position', ARGV[a + 2],
                        'stream_id', ARGV[a + 3], 'version', ARGV[a + 4], 'type', ARGV[a + 5],
                        'data', ARGV[a + 6], 'at', ARGV[a + 7])
  if type(r) == 'table' and r.err then
    if not string.find(r.err, 'equal or smaller than the target stream top item', 1, true) then
      return {added, repeats, i, r.err}
    end
    repeats = repeats + 1
  else
    added = added + 1
  end
end
return {added, repeats, 0, ''}
)lua";

struct publisher_state {
  stream_publisher_options options;
  std::unique_ptr<redis_connection> redis;
  metrics::counter* published = nullptr;
  metrics::counter* repeats = nullptr;
  metrics::counter* errors = nullptr;
  static inline const char* name = "stream_publisher";
};

using publisher_actor = protocols::stream_publisher_actor::stateful_pointer<publisher_state>;

// One XADD of the script: an event into one stream, with the data that stream holds.
struct entry {
  std::string stream;
  const stored_event* event;
  std::string data;
};

std::vector<entry> entries_of(const stream_publisher_options& options, const std::vector<stored_event>& events) {
  std::vector<entry> out;
  for (const auto& e : events) {
    out.push_back({options.prefix + e.stream_type, &e, e.data});
    for (const auto& route : options.routes) {
      if (route.event_type != e.event_type) continue;
      try {
        out.push_back({route.stream, &e, route.view(e)});
      } catch (const std::exception& ex) {
        // A view that cannot read the event is a bug of the view: the event goes as it is
        // rather than holding up every stream behind it.
        log::error("stream view failed", {{"stream", route.stream}, {"position", e.position}, {"error", ex.what()}});
        out.push_back({route.stream, &e, e.data});
      }
    }
  }
  return out;
}

std::vector<std::string> eval_of(const stream_publisher_options& options, const std::vector<entry>& entries) {
  std::vector<std::string> args{"EVAL", publish_script, std::to_string(entries.size())};
  args.reserve(3 + entries.size() * 8 + 1);
  for (const auto& x : entries) args.push_back(x.stream);
  args.push_back(std::to_string(options.stream_maxlen));
  for (const auto& x : entries) {
    const auto& e = *x.event;
    args.push_back(entry_id(e));
    args.push_back(std::to_string(e.position));
    args.push_back(e.stream_id);
    args.push_back(std::to_string(e.version));
    args.push_back(e.event_type);
    args.push_back(x.data);
    args.push_back(domain::to_iso8601({e.recorded_at_ms}));
  }
  return args;
}

caf::result<void> publish(publisher_actor self, const std::vector<stored_event>& events) {
  auto& st = self->state;
  try {
    const auto entries = entries_of(st.options, events);
    const auto reply = st.redis->command(eval_of(st.options, entries));
    if (reply.is_error() || reply.elements.size() != 4) {
      st.errors->add();
      return caf::make_error(caf::sec::runtime_error, "Redis refused the batch: " + reply.text);
    }
    st.published->add(static_cast<std::uint64_t>(reply.elements[0].integer));
    st.repeats->add(static_cast<std::uint64_t>(reply.elements[1].integer));
    if (const auto refused = reply.elements[2].integer; refused > 0) {
      // Not skipped: the batch comes again until Redis takes it (the lag shows meanwhile).
      st.errors->add();
      const auto& x = entries[static_cast<std::size_t>(refused - 1)];
      const auto& e = *x.event;
      log::warn("event not published to Redis", {{"stream", x.stream}, {"id", entry_id(e)},
                                                  {"error", reply.elements[3].text}});
      return caf::make_error(caf::sec::runtime_error, "Redis refused " + entry_id(e) + ": " + reply.elements[3].text);
    }
    return {};
  } catch (const redis_unavailable& e) {
    st.errors->add();
    return caf::make_error(caf::sec::runtime_error, e.what());
  }
}

protocols::stream_publisher_actor::behavior_type stream_publisher(publisher_actor self,
                                                                  stream_publisher_options options) {
  auto& st = self->state;
  auto& registry = metrics::registry::global();
  st.published = &registry.get_counter("commerce_redis_published_total", "Journal events added to Redis Streams");
  st.repeats = &registry.get_counter("commerce_redis_already_published_total",
                                     "Journal events delivered again that Redis already held (counted as done)");
  st.errors = &registry.get_counter("commerce_redis_errors_total", "Redis calls that failed or were refused");
  st.redis = std::make_unique<redis_connection>(options.redis);
  st.options = std::move(options);
  return {
      [self](protocols::deliver_atom, const std::vector<stored_event>& events) { return publish(self, events); },
      [self](protocols::ping_atom) -> caf::result<void> {
        try {
          const auto pong = self->state.redis->command({"PING"});
          if (pong.is_error()) return caf::make_error(caf::sec::runtime_error, "Redis: " + pong.text);
          return {};
        } catch (const redis_unavailable& e) {
          self->state.errors->add();
          return caf::make_error(caf::sec::runtime_error, e.what());
        }
      },
  };
}

}  // namespace

std::string entry_id(const stored_event& e) {
  return std::to_string(e.transaction_id) + "-" + std::to_string(e.position);
}

protocols::stream_publisher_actor spawn_stream_publisher(caf::actor_system& system, stream_publisher_options options) {
  return system.spawn<caf::detached>(stream_publisher, std::move(options));
}

}  // namespace commerce::adapters::redis
