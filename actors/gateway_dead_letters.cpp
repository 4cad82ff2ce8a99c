// The dead-letter office's routes (admin token):
//   GET    /admin/dead-letters?target=&message_type=&status=&limit=&cursor=   a filtered page
//   GET    /admin/dead-letters/count?target=&message_type=&status=            how many match
//   POST   /admin/dead-letters/{id}/retry · DELETE /admin/dead-letters/{id}  one letter
//   POST   /admin/dead-letters/bulk                                            the filtered set
// `target` is a prefix of the letter's target ("cart", "subscription/price_sync").
//
// A bulk action acts on exactly the set its dry run showed: the dry run answers how many pending
// letters match and the highest id among them (`through_id`); the action names both, acts only
// on matching letters up to that id (a letter parked since is not swept along), and is refused
// 409 `filter_changed`, doing nothing, when that set no longer has the count the operator saw.
#include "actors/gateway_call.hpp"
#include "actors/kinds/kind_module.hpp"
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

struct letter_filter {
  std::string target;  // prefix
  std::string message_type;
  std::string status;
  std::int64_t through_id = std::numeric_limits<std::int64_t>::max();

  bool matches(const dead_letter& l) const {
    return l.id <= through_id && l.target.compare(0, target.size(), target) == 0 &&
           (message_type.empty() || l.message_type == message_type) && (status.empty() || l.status == status);
  }
  boost::json::object json() const {
    return {{"target", target}, {"message_type", message_type}, {"status", status}};
  }
};

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

// Reads the office in id order from after `after`, a page of 200 at a time, handing each
// matching letter to `take` until it returns false or `max_pages` were read; then `done(last
// id read, whether the office has more)`. How lists stay bounded however many letters there are.
struct letter_scan : std::enable_shared_from_this<letter_scan> {
  call_ptr call;
  protocols::dead_letter_office_actor office;
  letter_filter filter;
  std::function<bool(const dead_letter&)> take;
  std::function<void(std::int64_t last_id, bool more)> done;
  std::size_t max_pages = std::numeric_limits<std::size_t>::max();

  static constexpr std::uint64_t page = 200;

  void read_from(std::int64_t after) {
    call->self->request(office, call->options().request_timeout, caf::get_atom::value, after, page)
        .then(
            [self = shared_from_this(), after](std::vector<dead_letter>& letters) {
              auto last = after;
              for (const auto& l : letters) {
                last = l.id;
                if (self->filter.matches(l) && !self->take(l)) return self->done(last, true);
              }
              const bool more = letters.size() == page && last < self->filter.through_id;
              if (!more || --self->max_pages == 0) return self->done(last, more);
              self->read_from(last);
            },
            [self = shared_from_this()](caf::error& e) {
              self->call->respond(unavailable(self->call->self->system().render(e)));
            });
  }
};

void scan(const call_ptr& call, protocols::dead_letter_office_actor office, letter_filter filter, std::int64_t after,
          std::size_t max_pages, std::function<bool(const dead_letter&)> take,
          std::function<void(std::int64_t, bool)> done) {
  auto s = std::make_shared<letter_scan>();
  s->call = call;
  s->office = std::move(office);
  s->filter = std::move(filter);
  s->take = std::move(take);
  s->done = std::move(done);
  s->max_pages = max_pages;
  s->read_from(after);
}

// A page of matching letters. At most 25 pages of the office are read for one answer, so a
// filter that matches little over a large office answers a short page with a cursor to go on.
void list_dead_letters(const call_ptr& call) {
  letter_filter filter;
  std::size_t limit = 0;
  if (!read_query_filter(call, filter) || !read_page_limit(call, limit)) return;
  const auto office = running_office(call);
  if (!office) return;
  const auto after = parse_integer(query_param(call->request.target, "cursor")).value_or(0);
  auto items = std::make_shared<boost::json::array>();
  scan(
      call, *office, filter, after, 25,
      [items, limit](const dead_letter& l) {
        if (items->size() == limit) return false;
        items->push_back(letter_json(l));
        return true;
      },
      [call, items, limit](std::int64_t last, bool more) {
        boost::json::object body{{"items", std::move(*items)}};
        // The cursor is where reading stops: after the last letter given when the page is full.
        const auto cursor = body["items"].as_array().size() == limit
                                ? body["items"].as_array().back().at("id").as_int64()
                                : last;
        body["next_cursor"] = more ? boost::json::value(std::to_string(cursor)) : boost::json::value(nullptr);
        call->respond(json_response(200, body));
      });
}

void count_dead_letters(const call_ptr& call) {
  letter_filter filter;
  if (!read_query_filter(call, filter)) return;
  const auto office = running_office(call);
  if (!office) return;
  auto count = std::make_shared<std::int64_t>(0);
  scan(
      call, *office, filter, 0, std::numeric_limits<std::size_t>::max(),
      [count](const dead_letter&) {
        ++*count;
        return true;
      },
      [call, count, filter](std::int64_t, bool) {
        call->respond(json_response(200, {{"count", *count}, {"filter", filter.json()}}));
      });
}

// Marks the letter retried, then delivers it again to its target's region and says how that
// went ("accepted", or the entity's status), through `done`.
void redeliver(const call_ptr& call, const protocols::dead_letter_office_actor& office, std::int64_t id,
               std::function<void(dead_letter&, std::string)> done, std::function<void(const caf::error&)> failed) {
  call->self->request(office, call->options().request_timeout, protocols::retry_atom::value, id)
      .then(
          [call, done, failed](dead_letter& letter) {
            const auto slash = letter.target.find('/');
            const auto kind = letter.target.substr(0, slash);
            const auto& services = call->services();
            auto delivered = [done, letter](std::string status) mutable { done(letter, std::move(status)); };
            auto lost = [failed](caf::error& e) { failed(e); };
            if (kind == "subscription") {
              const auto found = services.subscriptions.find(letter.target.substr(slash + 1));
              if (found != services.subscriptions.end())
                return call->self->request(found->second.get(), call->options().request_timeout, protocols::retry_atom::value, letter)
                    .then([delivered]() mutable { delivered("accepted"); }, lost);
            } else if (const auto region = services.regions.of(kind)) {
              return call->self->request(region, call->options().request_timeout, protocols::retry_atom::value, letter)
                  .then([delivered](protocols::entity_status status) mutable { delivered(status_name(status)); }, lost);
            }
            done(letter, "not_redeliverable");
          },
          [failed](caf::error& e) { failed(e); });
}

void retry_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  redeliver(
      call, *office, *id,
      [call](dead_letter& letter, std::string status) {
        if (status == "not_redeliverable")
          return call->respond(problem(409, "not_redeliverable", "Conflict", "no running target for " + letter.target));
        auto body = letter_json(letter);
        body["delivery"] = status;
        call->respond(json_response(200, body));
      },
      [call, id = *id](const caf::error& e) { call->respond(office_failure(call, id, e)); });
}

void discard_dead_letter(const call_ptr& call) {
  const auto id = parse_integer(call->param("id"));
  if (!id) return call->respond(problem(404, "not_found", "Not found", "no dead letter " + call->param("id")));
  const auto office = running_office(call);
  if (!office) return;
  call->self->request(*office, call->options().request_timeout, caf::delete_atom::value, *id)
      .then([call](dead_letter& letter) { call->respond(json_response(200, letter_json(letter))); },
            [call, id = *id](caf::error& e) { call->respond(office_failure(call, id, e)); });
}

// The most letters one bulk call acts on: a larger set is narrowed by its filter first.
constexpr std::size_t max_bulk_letters = 10'000;
constexpr std::size_t bulk_sample_size = 5;

struct bulk_request {
  std::string action;  // retry | discard
  letter_filter filter;
  bool dry_run = true;
  std::int64_t expected_count = 0;
};

// The body: {"action", "filter": {"target"?, "message_type"?}, "dry_run"?: true,
// "through_id"?, "expected_count"?}. Only pending letters are acted on.
std::variant<bulk_request, http_response> read_bulk_request(const std::string& text) {
  bulk_request out;
  body_reader body(text, {"action", "filter", "dry_run", "through_id", "expected_count"});
  out.action = body.text("action", 16);
  const auto filter = body.object("filter", false);
  const auto through = body.optional_integer("through_id", 0, std::numeric_limits<std::int64_t>::max());
  const auto expected = body.optional_integer("expected_count", 0, static_cast<std::int64_t>(max_bulk_letters));
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
  const auto* dry_run = boost::json::parse(text).as_object().if_contains("dry_run");
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

// Acts on the letters one after the other, so the office and the targets see one operator's
// retries as they would see them by hand, and answers with each letter's outcome.
void act_on_each(const call_ptr& call, protocols::dead_letter_office_actor office, std::string action,
                 std::shared_ptr<std::vector<std::int64_t>> ids, std::size_t next,
                 std::shared_ptr<boost::json::array> results) {
  if (next == ids->size())
    return call->respond(json_response(
        200, {{"action", action}, {"count", ids->size()}, {"results", std::move(*results)}}));
  const auto id = (*ids)[next];
  auto record = [=](std::string outcome) {
    results->push_back({{"id", id}, {"outcome", std::move(outcome)}});
    act_on_each(call, office, action, ids, next + 1, results);
  };
  auto failed = [=](const caf::error& e) { record("failed: " + call->self->system().render(e)); };
  if (action == "retry")
    return redeliver(call, office, id, [record](dead_letter&, std::string status) { record(std::move(status)); }, failed);
  call->self->request(office, call->options().request_timeout, caf::delete_atom::value, id)
      .then([record](dead_letter&) { record("discarded"); }, failed);
}

void bulk(const call_ptr& call) {
  auto read = read_bulk_request(call->request.body);
  if (auto* refused = std::get_if<http_response>(&read)) return call->respond(std::move(*refused));
  auto request = std::get<bulk_request>(std::move(read));
  const auto office = running_office(call);
  if (!office) return;
  auto ids = std::make_shared<std::vector<std::int64_t>>();
  auto sample = std::make_shared<boost::json::array>();
  scan(
      call, *office, request.filter, 0, std::numeric_limits<std::size_t>::max(),
      [ids, sample](const dead_letter& l) {
        ids->push_back(l.id);
        if (sample->size() < bulk_sample_size) sample->push_back(letter_json(l));
        return ids->size() <= max_bulk_letters;
      },
      [call, office = *office, request, ids, sample](std::int64_t, bool) {
        if (ids->size() > max_bulk_letters)
          return call->respond(problem(422, "too_many_letters", "Too many letters",
                                       "more than " + std::to_string(max_bulk_letters) +
                                           " letters match: narrow the filter (target, message_type)"));
        if (request.dry_run)
          return call->respond(json_response(200, {{"action", request.action},
                                                   {"filter", request.filter.json()},
                                                   {"dry_run", true},
                                                   {"count", ids->size()},
                                                   {"sample", std::move(*sample)},
                                                   {"through_id", ids->empty() ? 0 : ids->back()}}));
        if (static_cast<std::int64_t>(ids->size()) != request.expected_count) {
          auto r = problem(409, "filter_changed", "Conflict",
                           std::to_string(ids->size()) + " letters match now, not the " +
                               std::to_string(request.expected_count) +
                               " of the dry run (another operator acted on some): nothing was done; run the dry run again");
          return call->respond(std::move(r));
        }
        act_on_each(call, office, request.action, ids, 0, std::make_shared<boost::json::array>());
      });
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
