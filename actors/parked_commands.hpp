// A command as the dead-letter office keeps it, and back: the payload {"id", "command", "meta"}
// with the command in the journal's event-codec form, so an operator can read it and deliver it
// again once the cause is fixed. Also the command metadata's JSON, which events carry too.
#pragma once

#include "domain/event_codec.hpp"
#include "protocols/dead_letters.hpp"
#include "protocols/entity.hpp"

#include <boost/json.hpp>

#include <string>

namespace commerce::actors {
namespace detail {

inline boost::json::object metadata_object(const protocols::command_metadata& m) {
  boost::json::object out;
  if (!m.command_id.empty()) out["command_id"] = m.command_id;
  if (!m.correlation_id.empty()) out["correlation_id"] = m.correlation_id;
  if (!m.causation_id.empty()) out["causation_id"] = m.causation_id;
  return out;
}

inline protocols::command_metadata metadata_from(const boost::json::object& o) {
  const auto text = [&o](const char* key) {
    const auto* v = o.if_contains(key);
    return v && v->is_string() ? std::string(v->get_string()) : std::string();
  };
  return {text("command_id"), text("correlation_id"), text("causation_id")};
}

template <class Decider>
std::string target_of(const std::string& id) {
  return std::string(Decider::stream_type) + "/" + id;
}

// A command as the dead-letter office keeps it: payload {"id", "command", "meta"}.
template <class Decider>
protocols::dead_letter parked(const std::string& id, const typename Decider::command& command,
                              const protocols::command_metadata& meta, int attempts, std::int64_t first_failed_ms,
                              std::string reason, std::int64_t now_ms) {
  auto encoded = domain::encode_command(command);
  protocols::dead_letter letter;
  letter.target = target_of<Decider>(id);
  letter.message_type = std::move(encoded.type);
  letter.payload = boost::json::serialize(
      boost::json::object{{"id", id}, {"command", std::move(encoded.data)}, {"meta", metadata_object(meta)}});
  letter.reason = std::move(reason);
  letter.attempts = attempts;
  letter.first_failed_ms = first_failed_ms;
  letter.last_failed_ms = now_ms;
  return letter;
}

// The command back out of a dead letter, to deliver it again. Throws if the letter is not one.
template <class Decider>
protocols::entity_command<Decider> unparked(const protocols::dead_letter& letter) {
  const auto payload = boost::json::parse(letter.payload).as_object();
  protocols::entity_command<Decider> out{std::string(payload.at("id").as_string()),
                                         domain::decode_command<typename Decider::command>(letter.message_type,
                                                                                           payload.at("command")),
                                         {}};
  if (const auto* meta = payload.if_contains("meta"); meta && meta->is_object()) out.meta = metadata_from(meta->as_object());
  out.meta.causation_id = "dead-letter:" + std::to_string(letter.id);
  return out;
}

}  // namespace detail
}  // namespace commerce::actors
