// Customer profiles (admin token; API.md, Customer data platform):
//   POST /v1/events  · POST /v1/events/csv            ingestion (also the ingestion token)
//   GET  /v1/profiles/{id}                            the customer 360
//   GET  /v1/profiles?email=|phone=|…                 the active profile holding that identifier
//   GET  /v1/profiles/{id}/events?limit=&cursor=      the raw events attached, newest first
//   GET  /v1/profiles/{id}/merges                     its merge history
//   POST /v1/profiles/{id}/unmerge {"merge_id"}       undoes a merge
#include "actors/kinds/profile/identity_resolution.hpp"
#include "actors/kinds/profile/profile_lookup.hpp"
#include "api/customer_events.hpp"
#include "common/secure.hpp"
#include "domain/event_codec.hpp"
#include "domain/profile_merge.hpp"

#include <algorithm>
#include <deque>
#include <set>

namespace commerce::actors {
namespace {

using namespace domain;

boost::json::array summaries_json(const std::vector<event_summary>& events) {
  boost::json::array out;
  for (auto it = events.rbegin(); it != events.rend(); ++it)
    out.push_back({{"event_id", it->event_id}, {"source", to_string(it->source)}, {"type", it->type},
                   {"occurred_at", to_iso8601(it->occurred_at)}});
  return out;
}

boost::json::object identifiers_json(const std::vector<identifier>& ids) {
  boost::json::object out;
  for (const auto t : all_identifier_types) {
    boost::json::array values;
    for (const auto& id : ids)
      if (id.type == t) values.push_back(boost::json::value(id.value));
    if (!values.empty()) out[to_string(t)] = std::move(values);
  }
  return out;
}

// `currency`: of the lifetime value of a profile that has bought nothing yet (cdp.default_currency).
boost::json::object profile_view(const profile_state& s, std::int64_t version, const std::string& currency) {
  boost::json::object out{{"id", s.id}, {"status", to_string(s.status)}};
  if (s.status == profile_status::merged) out["merged_into"] = s.merged_into;
  out["identifiers"] = identifiers_json(s.identifiers);
  out["strength"] = strength_of(s.identifiers);
  out["lifetime_value"] = money_json(s.lifetime_value.currency.empty() ? money{0, currency} : s.lifetime_value);
  out["total_orders"] = s.total_orders;
  out["first_seen"] = to_iso8601(s.first_seen);
  out["last_seen"] = to_iso8601(s.last_seen);
  out["recent_events"] = summaries_json(s.recent_events);
  boost::json::array from;
  for (const auto& id : s.merged_from) from.push_back(boost::json::value(id));
  out["merged_from"] = std::move(from);
  out["version"] = version;
  return out;
}

void answer_profile(const call_ptr& call, const profile_reply& r) {
  call->respond(with_etag(json_response(200, profile_view(r.state, r.version, call->options().ingest.default_currency)), r.version));
}

// --- ingestion --------------------------------------------------------------------------------

metrics::counter& ingested(event_source source, std::string_view result) {
  return metrics::registry::global().get_counter("commerce_cdp_events_total", "Customer events ingested by source and result",
                                                 {{"source", std::string(to_string(source))}, {"result", std::string(result)}});
}

api::event_reading reading_of(const call_ptr& call) {
  const auto& ingest = call->options().ingest;
  return {ingest.rules, ingest.default_currency, system_now(), [] { return "evt_" + secure::random_hex(12); }};
}

// Resolves `events` and answers 201 with a result per event (and `extra` fields, the CSV's errors).
void resolve_and_answer(const call_ptr& call, std::vector<api::parsed_event> events, boost::json::object extra = {}) {
  auto batch = std::make_shared<resolution_batch>();
  for (auto& e : events) batch->events.push_back({std::move(e.event), std::move(e.identifiers), e.id_given});
  const auto resolver = spawn_resolver(call->self->system(), call->services().regions, std::chrono::seconds(5));
  // A batch of 1,000 waits for its merges: generous, and each event's own attempts are bounded.
  call->self->request(resolver, std::chrono::minutes(5), batch)
      .then(
          [call, extra](resolution_batch_ptr& done) mutable {
            boost::json::array results;
            for (std::size_t i = 0; i < done->events.size(); ++i) {
              const auto& e = done->events[i].event;
              const auto& r = done->results[i];
              boost::json::object one{{"event_id", e.event_id}};
              if (r.error) {
                one["error"] = {{"code", r.error->code}, {"detail", r.error->detail}};
                ingested(e.source, "failed").add();
              } else {
                one["profile_id"] = r.profile_id;
                one["match"] = to_string(r.match);
                ingested(e.source, to_string(r.match)).add();
              }
              results.push_back(std::move(one));
            }
            extra["results"] = std::move(results);
            call->respond(json_response(201, extra));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

void ingest(const call_ptr& call) {
  boost::json::error_code ec;
  const auto body = boost::json::parse(call->request.body, ec);
  if (ec) return call->respond(rejection_response(invalid_field("body", "must be a JSON event or {\"events\": [...]}")));
  auto read = api::read_events_body(body, reading_of(call));
  if (auto* why = std::get_if<rejection>(&read)) return call->respond(rejection_response(*why));
  resolve_and_answer(call, std::move(std::get<std::vector<api::parsed_event>>(read)));
}

void ingest_csv(const call_ptr& call) {
  const auto& type = call->request.header("content-type");
  if (type.rfind("text/csv", 0) != 0)
    return call->respond(problem(415, "unsupported_media_type", "Unsupported Media Type", "send the rows as text/csv"));
  auto read = api::read_events_csv(call->request.body, reading_of(call));
  if (auto* why = std::get_if<rejection>(&read)) return call->respond(rejection_response(*why));
  auto& rows = std::get<api::csv_events>(read);
  boost::json::array errors;
  for (const auto& e : rows.errors) errors.push_back({{"line", e.line}, {"detail", e.detail}});
  resolve_and_answer(call, std::move(rows.events), {{"errors", std::move(errors)}});
}

// --- reading ----------------------------------------------------------------------------------

void get(const call_ptr& call) {
  read_entity<profile_decider>(call, call->param("id"), "profile " + call->param("id"),
                               [call](profile_reply& r) { answer_profile(call, r); });
}

void find(const call_ptr& call) {
  std::optional<identifier> wanted;
  for (const auto t : all_identifier_types) {
    const auto raw = query_param(call->request.target, to_string(t));
    if (raw.empty()) continue;
    if (wanted) return call->respond(rejection_response(invalid_field(to_string(t), "one identifier at a time")));
    const auto value = normalize(t, raw, call->options().ingest.rules);
    if (!value) return call->respond(rejection_response(invalid_field(to_string(t), "is not a usable " + std::string(to_string(t)))));
    wanted = identifier{t, *value};
  }
  if (!wanted)
    return call->respond(rejection_response(
        invalid_field("query", "name one identifier: email, phone, whatsapp, loyalty_id, device_id, cookie_id or qr_id")));
  holder_of(call, index_key(*wanted), [call, key = index_key(*wanted)](std::optional<profile_reply> found) {
    if (!found) return call->respond(rejection_response(not_found("profile holding " + key)));
    answer_profile(call, *found);
  });
}

struct raw_event_row {
  boost::json::object json;
  timestamp at;
};

// Reads the attached events of `queue`'s profiles one stream after another, following the parts
// each took in by a merge that was not undone, then answers a page of them, newest first.
void collect_events(const call_ptr& call, std::shared_ptr<std::deque<std::string>> queue,
                    std::shared_ptr<std::vector<raw_event_row>> rows, std::size_t offset, std::size_t limit) {
  if (queue->empty()) {
    std::stable_sort(rows->begin(), rows->end(), [](const raw_event_row& a, const raw_event_row& b) { return b.at < a.at; });
    boost::json::array items;
    for (std::size_t i = offset; i < rows->size() && items.size() < limit; ++i) items.push_back((*rows)[i].json);
    boost::json::object out{{"items", std::move(items)}};
    out["next_cursor"] = offset + limit < rows->size() ? boost::json::value(std::to_string(offset + limit)) : nullptr;
    return call->respond(json_response(200, out));
  }
  const auto id = queue->front();
  queue->pop_front();
  const auto& readers = call->services().readers;
  const auto reader = readers[std::hash<std::string>{}(id) % readers.size()].get();
  call->self
      ->request(reader, call->options().request_timeout, protocols::load_atom::value,
                std::string(profile_decider::stream_type), id, std::int64_t{1}, false)
      .then(
          [call, queue, rows, offset, limit, id](protocols::recovered_stream& stream) {
            std::map<std::string, std::vector<std::string>> parts_by_merge;
            for (const auto& stored : stream.events) {
              profile_event e;
              try {
                e = decode_event<profile_event>(stored.event_type, stored.schema_version, boost::json::parse(stored.data));
              } catch (const std::exception& ex) {
                return call->respond(unavailable("profile " + id + " has an event this node cannot read: " + ex.what()));
              }
              if (const auto* a = std::get_if<event_attached>(&e)) {
                boost::json::error_code ec;
                auto payload = boost::json::parse(a->event.payload, ec);
                rows->push_back({{{"event_id", a->event.event_id},
                                  {"profile_id", id},
                                  {"source", to_string(a->event.source)},
                                  {"type", a->event.type},
                                  {"occurred_at", to_iso8601(a->event.occurred_at)},
                                  {"payload", ec ? boost::json::value(nullptr) : payload}},
                                 a->event.occurred_at});
              } else if (const auto* t = std::get_if<parts_taken_in>(&e)) {
                for (const auto& part : t->parts) parts_by_merge[t->merge_id].push_back(part.id);
              } else if (const auto* g = std::get_if<parts_given_back>(&e)) {
                parts_by_merge.erase(g->merge_id);
              }
            }
            for (const auto& [merge, parts] : parts_by_merge) queue->insert(queue->end(), parts.begin(), parts.end());
            collect_events(call, queue, rows, offset, limit);
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

void events(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  const auto cursor = query_param(call->request.target, "cursor");
  const auto offset = cursor.empty() ? std::optional<std::int64_t>(0) : parse_integer(cursor);
  if (!offset || *offset < 0) return call->respond(rejection_response(invalid_field("cursor", "must be a cursor this API gave")));
  read_entity<profile_decider>(call, call->param("id"), "profile " + call->param("id"), [call, limit, offset](profile_reply& r) {
    collect_events(call, std::make_shared<std::deque<std::string>>(1, r.state.id), std::make_shared<std::vector<raw_event_row>>(),
                   static_cast<std::size_t>(*offset), limit);
  });
}

void merges(const call_ptr& call) {
  read_entity<profile_decider>(call, call->param("id"), "profile " + call->param("id"), [call](profile_reply& r) {
    boost::json::array items;
    for (auto it = r.state.merges.rbegin(); it != r.state.merges.rend(); ++it) {
      boost::json::object one{{"merge_id", it->merge_id},
                              {"role", it->as_base ? "base" : "absorbed"},
                              {"base", it->base},
                              {"at", to_iso8601(it->at)},
                              {"undone", it->undone}};
      if (it->undone) one["undone_at"] = to_iso8601(it->undone_at);
      boost::json::array parts;
      for (const auto& part : it->parts)
        parts.push_back({{"profile_id", part.id},
                         {"identifiers", identifiers_json(part.identifiers)},
                         {"total_orders", part.total_orders},
                         {"events", part.event_ids.size()}});
      if (it->as_base) {
        one["held"] = identifiers_json(it->held.identifiers);  // the base's own, as the parts came in
        one["absorbed"] = std::move(parts);
      }
      items.push_back(std::move(one));
    }
    call->respond(json_response(200, boost::json::object{{"items", std::move(items)}}));
  });
}

boost::json::object merge_view(const profile_merge_state& m) {
  boost::json::array absorbed;
  for (const auto& id : m.absorbed) absorbed.push_back(boost::json::value(id));
  boost::json::object out{{"merge_id", m.id}, {"status", to_string(m.status)}, {"base", m.base}, {"absorbed", std::move(absorbed)}};
  if (!m.refusal.empty()) out["detail"] = m.refusal;
  return out;
}

void unmerge(const call_ptr& call) {
  boost::json::error_code ec;
  const auto body = boost::json::parse(call->request.body, ec);
  const auto* merge_id = !ec && body.is_object() ? body.as_object().if_contains("merge_id") : nullptr;
  if (!merge_id || !merge_id->is_string() || body.as_object().size() != 1)
    return call->respond(rejection_response(invalid_field("merge_id", "must name the merge to undo (the only field)")));
  const std::string id(merge_id->as_string());
  const auto profile = call->param("id");
  read_entity<profile_merge_decider>(call, id, "merge " + id, [call, id, profile](protocols::entity_reply<profile_merge_decider>& m) {
    const auto& absorbed = m.state.absorbed;
    if (m.state.base != profile && std::find(absorbed.begin(), absorbed.end(), profile) == absorbed.end())
      return call->respond(rejection_response(not_found("merge " + id + " of profile " + profile)));
    command_entity<profile_merge_decider>(call, id, request_unmerge{}, std::nullopt, [call, id](protocols::entity_reply<profile_merge_decider>& asked) {
      const bool first = !asked.events.empty();  // not an unmerge asked again
      client_of<profile_merge_decider>(call).watch(
          id,
          [call, first](protocols::entity_reply<profile_merge_decider>& done) {
            if (done.state.status != merge_status::unmerged) {
              auto why = invalid_transition("merge " + done.state.id, "merged", "unmerged");
              why.detail += ": " + done.state.refusal;
              return call->respond(rejection_response(why));
            }
            if (first)
              cdp_merges("unmerged").add();
            call->respond(json_response(200, merge_view(done.state)));
          },
          [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
    });
  });
}

}  // namespace

void add_profile_routes(gateway_routes& routes) {
  routes.add("POST", "/v1/events", {true, ingest, true, true});
  routes.add("POST", "/v1/events/csv", {true, ingest_csv, false, true});
  routes.add("GET", "/v1/profiles", {true, find});
  routes.add("GET", "/v1/profiles/{id}", {true, get});
  routes.add("GET", "/v1/profiles/{id}/events", {true, events});
  routes.add("GET", "/v1/profiles/{id}/merges", {true, merges});
  routes.add("POST", "/v1/profiles/{id}/unmerge", {true, unmerge});
}

}  // namespace commerce::actors
