#include "adapters/redis/stream_publisher.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "domain/time.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::adapters::redis {
namespace {

using protocols::stored_event;

// Redis's answer to an XADD whose id is not above the stream's last one: the event is there.
bool already_published(const redis_reply& r) {
  return r.is_error() && r.text.find("equal or smaller than the target stream top item") != std::string::npos;
}

struct publisher_state {
  stream_publisher_options options;
  std::unique_ptr<redis_connection> redis;
  metrics::counter* published = nullptr;
  metrics::counter* repeats = nullptr;
  metrics::counter* errors = nullptr;
  static inline const char* name = "stream_publisher";
};

using publisher_actor = protocols::stream_publisher_actor::stateful_pointer<publisher_state>;

std::vector<std::string> xadd(const stream_publisher_options& options, const stored_event& e) {
  return {"XADD",
          options.prefix + e.stream_type,
          "MAXLEN",
          "~",
          std::to_string(options.stream_maxlen),
          entry_id(e),
          "position",
          std::to_string(e.position),
          "stream_id",
          e.stream_id,
          "version",
          std::to_string(e.version),
          "type",
          e.event_type,
          "data",
          e.data,
          "at",
          domain::to_iso8601({e.recorded_at_ms})};
}

caf::result<void> publish(publisher_actor self, const std::vector<stored_event>& events) {
  auto& st = self->state;
  std::vector<std::vector<std::string>> commands;
  commands.reserve(events.size());
  for (const auto& e : events) commands.push_back(xadd(st.options, e));
  try {
    const auto replies = st.redis->pipeline(commands);
    for (std::size_t i = 0; i < replies.size(); ++i) {
      if (already_published(replies[i])) {
        st.repeats->add();
      } else if (replies[i].is_error()) {
        // Not skipped: the batch comes again until Redis takes it (the lag shows meanwhile).
        st.errors->add();
        log::warn("event not published to Redis", {{"stream", commands[i][1]}, {"id", commands[i][5]},
                                                    {"error", replies[i].text}});
        return caf::make_error(caf::sec::runtime_error, "Redis refused " + commands[i][5] + ": " + replies[i].text);
      } else {
        st.published->add();
      }
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
