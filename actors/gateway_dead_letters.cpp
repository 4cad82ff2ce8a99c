// The dead-letter office's routes (admin token):
//   GET    /admin/dead-letters?target=&message_type=&status=&limit=&cursor=   a filtered page
//   GET    /admin/dead-letters/count?target=&message_type=&status=            how many match
//   POST   /admin/dead-letters/{id}/retry · DELETE /admin/dead-letters/{id}  one letter
//   POST   /admin/dead-letters/bulk                                            the filtered set
// `target` is a prefix of the letter's target ("cart", "subscription/price_sync"). Filters and
// counts are the office's SQL, so no answer reads more than a page of letters.
//
// A letter changes only from pending (protocols/dead_letters.hpp): of two operators acting on
// one letter, the second is answered 409 not_pending. A retry claims the letter (pending →
// retried), delivers it, and puts it back to pending when the delivery did not reach its
// target, or (the subscription does it) when a subscription's handler did not finish it, so a
// retry that failed can be made again.
//
// A bulk action acts on exactly the set its dry run showed: the dry run answers how many
// pending letters match and the highest id among them (`through_id`); the action names both,
// and the office claims the matching pending letters up to that id in one transaction only if
// there are still exactly that many (409 filter_changed, nothing done, otherwise). A letter
// parked since is not swept along, and two operators' bulk actions never take the same letter.
#include "actors/gateway_call.hpp"
#include "actors/kinds/kind_module.hpp"
#include "actors/subscription.hpp"
#include "protocols/dead_letters.hpp"

#include <boost/json.hpp>

#include <algorithm>
#include <functional>
#include <limits>
#include <variant>

namespace commerce::actors {
namespace {

using protocols::dead_letter;

boost::json::object letter_json(const dead_letter& l) {
  boost::json::error_code ec;
  auto payload = boost::json::parse(l.payload, ec);
  return {{"id", l.id},
          {"target", l.target},
          {"message_type", l.message_type},
          {"payload", ec ? boost::json::value(l.payload) : payload},
          {"reason", l.reason},
          {"attempts", l.attempts},
          {"first_failed_at", domain::to_iso8601({l.first_failed_ms})},
          {"last_failed_at", domain::to_iso8601({l.last_failed_ms})},
          {"status", l.status}};
}

const char* status_name(protocols::entity_status s) {
  using protocols::entity_status;
  switch (s) {
    case entity_status::accepted: return "accepted";
    case entity_status::rejected: return "rejected";
    case entity_status::conflict: return "conflict";
    case entity_status::storage_unavailable: return "storage_unavailable";
    case entity_status::faulted: return "faulted";
    case entity_status::precondition_failed: return "precondition_failed";
    case entity_status::not_owner: return "not_owner";
    case entity_status::owner_lost: return "owner_lost";
  }
  return "unknown";
}

using protocols::letter_filter;

boost::json::object filter_json(const letter_filter& f) {
  return {{"target", f.target}, {"message_type", f.message_type}, {"status", f.status}};
}

const std::vector<std::string_view> letter_statuses{"pending", "retried", "discarded"};

std::optional<domain::rejection> bad_status(const std::string& status) {
  if (status.empty() || std::find(letter_statuses.begin(), letter_statuses.end(), status) != letter_statuses.end())
    return std::nullopt;
  return domain::invalid_field("status", "must be pending, retried or discarded");
}

// The filter of a list or count, from its query string; false after answering 422.
bool read_query_filter(const call_ptr& call, letter_filter& filter) {
  const auto& target = call->request.target;
  filter.target = query_param(target, "target");
  filter.message_type = query_param(target, "message_type");
  filter.status = query_param(target, "status");
  if (auto why = bad_status(filter.status)) {
    call->respond(rejection_response(*why));
    return false;
  }
  return true;
}

// The office now; while it restarts none, and the call is answered 503 here: a request to no
// actor fails as sec::invalid_argument, which office_failure would take for an unknown id.
std::optional<protocols::dead_letter_office_actor> running_office(const call_ptr& call) {
  auto office = call->services().dead_letters.get();
  if (!office) call->respond(unavailable("the dead-letter office is restarting"));
  return office ? std::optional(std::move(office)) : std::nullopt;
}

// The office answers an unknown id with sec::invalid_argument.
http_response office_failure(const call_ptr& call, std::int64_t id, const caf::error& e) {
  if (e == caf::sec::invalid_argument) return problem(404, "not_found", "Not found", "no dead letter " + std::to_string(id));
  return unavailable(call->self->system().render(e));
}

http_response not_pending(const dead_letter& l) {
  return problem(409, "not_pending", "Conflict",
                 "dead letter " + std::to_string(l.id) + " is " + l.status + " already (another operator acted on it)",
                 {{"letter", letter_json(l)}});
}

std::function<void(caf::error&)> answer_failure(const call_ptr& call) {
  return [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); };
}

void list_dead_letters(const call_ptr& call) {
  letter_filter filter;
  std::size_t limit = 0;
  if (!read_query_filter(call, filter) || !read_page_limit(call, limit)) return;
  const auto office = running_office(call);
  if (!office) return;
  const auto after = parse_integer(query_param(call->request.target, "cursor")).value_or(0);
  call->self
      ->request(*office, call->options().request_timeout, caf::get_atom::value, filter, after,
                static_cast<std::uint64_t>(limit + 1))
      .then(
          [call, limit](std::vector<dead_letter>& letters) {
            const bool more = letters.size() > limit;
            if (more) letters.pop_back();
            boost::json::array items;
            for (const auto& l : letters) items.push_back(letter_json(l));
            boost::json::object body{{"items", std::move(items)}};
            body["next_cursor"] = more ? boost::json::value(std::to_string(letters.back().id)) : boost::json::value(nullptr);
            call->respond(json_response(200, body));
          },
          answer_failure(call));
}

void count_dead_letters(const call_ptr& call) {
  letter_filter filter;
  if (!read_query_filter(call, filter)) return;
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, protocols::tally_atom::value, filter)
      .then(
          [call, filter](std::int64_t count, std::int64_t) {
            call->respond(json_response(200, {{"count", count}, {"filter", filter_json(filter)}}));
          },
          answer_failure(call));
}

// Whether a delivery's outcome means it never reached its target: the letter goes back to
// pending. Any other outcome (accepted, or the target's own refusal) counts as delivered.
bool undelivered(const std::string& outcome) {
  return outcome == "not_owner" || outcome == "storage_unavailable" || outcome == "not_redeliverable" ||
         outcome == "target_restarting";
}

// How a redelivery went: what the target answered, and whether the letter is pending again.
struct redelivery {
  std::string outcome;
  bool pending = false;
};

// Delivers a claimed letter again to its target (its kind's region, or a subscription) and
// says how that went: "accepted", the entity's status, or why it was not taken. A delivery
// that never reached its target puts the letter back to pending here; a subscription whose
// handler did not finish the event does so itself ("not_handled: …"), even if this call has
// stopped waiting.
void redeliver(const call_ptr& call, const protocols::dead_letter_office_actor& office, const dead_letter& letter,
               std::function<void(redelivery)> done) {
  auto finish = [call, office, id = letter.id, done](std::string outcome) {
    if (!undelivered(outcome)) return done({std::move(outcome), false});
    call->self->request(office, call->options().request_timeout, protocols::release_atom::value, id)
        .then([done, outcome](protocols::letter_change&) { done({outcome, true}); },
              [done, outcome](caf::error&) { done({outcome + " (and it could not be put back to pending)", false}); });
  };
  const auto slash = letter.target.find('/');
  const auto kind = letter.target.substr(0, slash);
  const auto& services = call->services();
  auto failed = [finish, call](caf::error& e) {
    // The target did not take it (gone, or restarting); a timeout may have delivered it.
    finish(e == caf::sec::request_receiver_down || e == caf::sec::invalid_argument
               ? "target_restarting"
               : "unknown: " + call->self->system().render(e));
  };
  if (kind == "subscription") {
    const auto found = services.subscriptions.find(letter.target.substr(slash + 1));
    if (found == services.subscriptions.end()) return finish("not_redeliverable");
    const auto subscription = found->second.get();
    if (!subscription) return finish("target_restarting");
    call->self->request(subscription, call->options().request_timeout, protocols::retry_atom::value, letter)
        .then(
            [done](std::string& outcome) {
              const bool released = outcome.rfind(retry_not_handled, 0) == 0;
              done({std::move(outcome), released});
            },
            failed);
    return;
  }
  const auto region = services.regions.of(kind);
  if (!region) return finish("not_redeliverable");
  call->self->request(region, call->options().request_timeout, protocols::retry_atom::value, letter)
      .then([finish](protocols::entity_status status) { finish(status_name(status)); }, failed);
}

void retry_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, protocols::retry_atom::value, *id)
      .then(
          [call, office = *office](protocols::letter_change& claimed) {
            if (!claimed.changed) return call->respond(not_pending(claimed.letter));
            redeliver(call, office, claimed.letter, [call, letter = claimed.letter](redelivery r) {
              if (r.pending)
                return call->respond(unavailable("dead letter " + std::to_string(letter.id) + " was not taken (" +
                                                 r.outcome + "); it is pending again: retry it later"));
              auto body = letter_json(letter);
              body["delivery"] = r.outcome;
              call->respond(json_response(200, body));
            });
          },
          [call, id = *id](caf::error& e) { call->respond(office_failure(call, id, e)); });
}

void discard_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, caf::delete_atom::value, *id)
      .then(
          [call](protocols::letter_change& c) {
            if (!c.changed) return call->respond(not_pending(c.letter));
            call->respond(json_response(200, letter_json(c.letter)));
          },
          [call, id = *id](caf::error& e) { call->respond(office_failure(call, id, e)); });
}

// The most letters one bulk action takes: it answers once every one was delivered again, one
// after the other, so a larger set is narrowed by its filter first.
constexpr std::int64_t max_bulk_letters = 1'000;
constexpr std::uint64_t bulk_sample_size = 5;

struct bulk_request {
  std::string action;  // retry | discard
  letter_filter filter;
  bool dry_run = true;
  std::int64_t expected_count = 0;
};

// The body: {"action", "filter": {"target"?, "message_type"?, "status"?: "pending"},
// "dry_run"?: true, "through_id"?, "expected_count"?}. Only pending letters are acted on.
std::variant<bulk_request, http_response> read_bulk_request(const std::string& text) {
  bulk_request out;
  body_reader body(text, {"action", "filter", "dry_run", "through_id", "expected_count"});
  out.action = body.text("action", 16);
  const auto filter = body.object("filter", false);
  const auto through = body.optional_integer("through_id", 0, std::numeric_limits<std::int64_t>::max());
  const auto expected = body.optional_integer("expected_count", 1, max_bulk_letters);
  if (body.error()) return *body.error();
  if (out.action != "retry" && out.action != "discard")
    return rejection_response(domain::invalid_field("action", "must be retry or discard"));
  for (const auto& [key, value] : filter) {
    if (!value.is_string()) return rejection_response(domain::invalid_field("filter." + std::string(key), "must be a string"));
    const std::string text_value(value.as_string());
    if (key == "target") out.filter.target = text_value;
    else if (key == "message_type") out.filter.message_type = text_value;
    else if (key == "status") {
      if (text_value != "pending" && !text_value.empty())
        return rejection_response(domain::invalid_field("filter.status", "a bulk action takes pending letters only"));
    } else
      return rejection_response(domain::invalid_field("filter." + std::string(key), "is not a filter of dead letters"));
  }
  out.filter.status = "pending";
  const auto parsed = boost::json::parse(text);  // checked by the gateway: an object
  const auto* dry_run = parsed.as_object().if_contains("dry_run");
  if (dry_run && !dry_run->is_bool()) return rejection_response(domain::invalid_field("dry_run", "must be true or false"));
  out.dry_run = !dry_run || dry_run->as_bool();
  if (!out.dry_run) {
    if (!through || !expected)
      return rejection_response(domain::invalid_field(
          !through ? "through_id" : "expected_count", "is required to act: take it from the dry run's answer"));
    out.filter.through_id = *through;
    out.expected_count = *expected;
  }
  return out;
}

http_response too_many(std::int64_t count) {
  return problem(422, "too_many_letters", "Too many letters",
                 std::to_string(count) + " letters match, more than the " + std::to_string(max_bulk_letters) +
                     " one action takes: narrow the filter (target, message_type)");
}

void dry_run(const call_ptr& call, const protocols::dead_letter_office_actor& office, const bulk_request& request) {
  call->self->request(office, call->options().request_timeout, protocols::tally_atom::value, request.filter)
      .then(
          [call, office, request](std::int64_t count, std::int64_t last) {
            if (count > max_bulk_letters) return call->respond(too_many(count));
            call->self
                ->request(office, call->options().request_timeout, caf::get_atom::value, request.filter, std::int64_t{0},
                          bulk_sample_size)
                .then(
                    [call, request, count, last](std::vector<dead_letter>& sample) {
                      boost::json::array letters;
                      for (const auto& l : sample) letters.push_back(letter_json(l));
                      call->respond(json_response(200, {{"action", request.action},
                                                        {"filter", filter_json(request.filter)},
                                                        {"dry_run", true},
                                                        {"count", count},
                                                        {"sample", std::move(letters)},
                                                        {"through_id", last}}));
                    },
                    answer_failure(call));
          },
          answer_failure(call));
}

// Delivers the claimed letters one after the other, so targets see one operator's retries as
// they would by hand, and answers with each letter's outcome.
void deliver_each(const call_ptr& call, protocols::dead_letter_office_actor office,
                  std::shared_ptr<std::vector<dead_letter>> letters, std::size_t next,
                  std::shared_ptr<boost::json::array> results) {
  if (next == letters->size())
    return call->respond(
        json_response(200, {{"action", "retry"}, {"count", letters->size()}, {"results", std::move(*results)}}));
  redeliver(call, office, (*letters)[next], [=](redelivery r) {
    results->push_back({{"id", (*letters)[next].id}, {"outcome", std::move(r.outcome)}, {"pending", r.pending}});
    deliver_each(call, office, letters, next + 1, results);
  });
}

void act(const call_ptr& call, const protocols::dead_letter_office_actor& office, const bulk_request& request) {
  const std::string to = request.action == "retry" ? "retried" : "discarded";
  call->self
      ->request(office, call->options().request_timeout, protocols::claim_atom::value, request.filter, to,
                request.expected_count)
      .then(
          [call, office, request](std::vector<dead_letter>& claimed) {
            if (claimed.empty())
              return call->self->request(office, call->options().request_timeout, protocols::tally_atom::value, request.filter)
                  .then(
                      [call, request](std::int64_t now, std::int64_t) {
                        call->respond(problem(409, "filter_changed", "Conflict",
                                              std::to_string(now) + " letters match now, not the " +
                                                  std::to_string(request.expected_count) +
                                                  " of the dry run (another operator acted on some): nothing was "
                                                  "done; run the dry run again",
                                              {{"count", now}}));
                      },
                      answer_failure(call));
            if (request.action == "retry")
              return deliver_each(call, office, std::make_shared<std::vector<dead_letter>>(std::move(claimed)), 0,
                                  std::make_shared<boost::json::array>());
            boost::json::array results;
            for (const auto& l : claimed) results.push_back({{"id", l.id}, {"outcome", "discarded"}});
            call->respond(json_response(200, {{"action", "discard"}, {"count", claimed.size()}, {"results", std::move(results)}}));
          },
          answer_failure(call));
}

void bulk(const call_ptr& call) {
  auto read = read_bulk_request(call->request.body);
  if (auto* refused = std::get_if<http_response>(&read)) return call->respond(std::move(*refused));
  const auto request = std::get<bulk_request>(std::move(read));
  const auto office = running_office(call);
  if (!office) return;
  if (request.dry_run) return dry_run(call, *office, request);
  act(call, *office, request);
}

}  // namespace

void add_dead_letter_routes(gateway_routes& routes) {
  routes.add("GET", "/admin/dead-letters", {true, list_dead_letters});
  routes.add("GET", "/admin/dead-letters/count", {true, count_dead_letters});
  routes.add("POST", "/admin/dead-letters/bulk", {true, bulk});
  routes.add("POST", "/admin/dead-letters/{id}/retry", {true, retry_dead_letter});
  routes.add("DELETE", "/admin/dead-letters/{id}", {true, discard_dead_letter});
}

}  // namespace commerce::actors
