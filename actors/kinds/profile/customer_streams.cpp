#include "actors/kinds/profile/customer_streams.hpp"

#include "domain/event_codec.hpp"
#include "domain/merge_review.hpp"
#include "domain/profile.hpp"
#include "domain/profile_merge.hpp"

#include <boost/json.hpp>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::stored_event;

template <class Event, class Variant>
Event decoded(const stored_event& e) {
  return std::get<Event>(decode_event<Variant>(e.event_type, e.schema_version, boost::json::parse(e.data)));
}

boost::json::object event_head(const stored_event& e, const customer_event& event) {
  return {{"event_id", event.event_id}, {"profile_id", e.stream_id}, {"source", to_string(event.source)},
          {"type", event.type}, {"occurred_at", to_iso8601(event.occurred_at)}};
}

std::string raw(const stored_event& e) {
  const auto attached = decoded<event_attached, profile_event>(e);
  auto out = event_head(e, attached.event);
  boost::json::error_code ec;
  auto payload = boost::json::parse(attached.event.payload, ec);
  out["payload"] = ec ? boost::json::value(nullptr) : std::move(payload);
  return boost::json::serialize(out);
}

std::string normalized(const stored_event& e) {
  const auto attached = decoded<event_attached, profile_event>(e);
  auto out = event_head(e, attached.event);
  boost::json::array ids;
  for (const auto& id : attached.identifiers) ids.push_back({{"type", to_string(id.type)}, {"value", id.value}});
  out["identifiers"] = std::move(ids);
  if (is_purchase(attached.event)) out["total"] = {{"amount", attached.event.total.amount}, {"currency", attached.event.total.currency}};
  return boost::json::serialize(out);
}

boost::json::array strings(const std::vector<std::string>& items) {
  boost::json::array out;
  for (const auto& s : items) out.push_back(boost::json::value(s));
  return out;
}

std::string merge_request(const stored_event& e) {
  const auto r = decoded<merge_requested, profile_merge_event>(e);
  return boost::json::serialize(boost::json::object{
      {"kind", "merge"}, {"merge_id", e.stream_id}, {"base", r.base}, {"absorbed", strings(r.absorbed)}, {"cause", r.cause}});
}

std::string review_request(const stored_event& e) {
  const auto r = decoded<review_opened, merge_review_event>(e);
  return boost::json::serialize(boost::json::object{{"kind", "review"}, {"review_id", e.stream_id},
                                                    {"candidates", strings(r.candidates)}, {"cause", r.event_id},
                                                    {"reason", r.reason}});
}

}  // namespace

std::vector<protocols::stream_route> customer_stream_routes() {
  return {{std::string(event_attached::type_name), "events.raw", raw},
          {std::string(event_attached::type_name), "events.normalized", normalized},
          {std::string(merge_requested::type_name), "profiles.merge_requests", merge_request},
          {std::string(review_opened::type_name), "profiles.merge_requests", review_request}};
}

}  // namespace commerce::actors
