// Merge reviews (admin token; API.md, Customer data platform):
//   GET  /v1/merge-reviews?status=&limit=&cursor=   · GET /v1/merge-reviews/{id}
//   POST /v1/merge-reviews/{id}/approve   merges the candidates (as they are now) and answers once merged
//   POST /v1/merge-reviews/{id}/reject
#include "actors/kinds/profile/identity_resolution.hpp"
#include "actors/kinds/profile/profile_lookup.hpp"
#include "common/secure.hpp"
#include "domain/merge_review.hpp"
#include "domain/profile_merge.hpp"

#include <algorithm>
#include <map>

namespace commerce::actors {
namespace {

using namespace domain;
using review_reply = protocols::entity_reply<merge_review_decider>;

boost::json::object review_view(const merge_review_state& s, std::int64_t version) {
  boost::json::array candidates;
  for (const auto& id : s.candidates) candidates.push_back(boost::json::value(id));
  boost::json::object out{{"id", s.id},           {"status", to_string(s.status)}, {"candidates", std::move(candidates)},
                          {"event_id", s.event_id}, {"reason", s.reason},          {"opened_at", to_iso8601(s.opened_at)},
                          {"version", version}};
  if (!s.merge_id.empty()) out["merge_id"] = s.merge_id;
  if (s.status != review_status::pending) out["decided_at"] = to_iso8601(s.decided_at);
  return out;
}

void answer(const call_ptr& call, const review_reply& r) {
  call->respond(with_etag(json_response(200, review_view(r.state, r.version)), r.version));
}

void list(const call_ptr& call) {
  std::size_t limit = 0;
  if (!read_page_limit(call, limit)) return;
  view_query<merge_review_decider> query;
  query.where = {{"exists", "true"}};
  if (const auto status = query_param(call->request.target, "status"); !status.empty()) {
    if (!review_status_from(status))
      return call->respond(rejection_response(invalid_field("status", "must be pending, approved or rejected")));
    query.where.push_back({"status", status});
  }
  respond_with_page(call, std::move(query), limit, review_view);
}

void get(const call_ptr& call) {
  read_entity<merge_review_decider>(call, call->param("id"), "merge review " + call->param("id"),
                                    [call](review_reply& r) { answer(call, r); });
}

// The active profiles the candidates lead to now (a candidate may have been merged since).
struct approval {
  std::string review;
  std::map<std::string, profile_state> active;
  std::size_t left = 0;
  std::optional<http_response> failure;  // the first candidate that did not answer
};

void approve_with(const call_ptr& call, const std::shared_ptr<approval>& a) {
  auto record = [call, a](std::string merge_id) {
    command_entity<merge_review_decider>(call, a->review, approve_review{std::move(merge_id)}, std::nullopt,
                                         [call](review_reply& r) { answer(call, r); });
  };
  if (a->active.size() < 2) return record("");  // they are one profile already
  std::vector<merge_candidate> candidates;
  for (const auto& [id, p] : a->active) candidates.push_back({id, strength_of(p.identifiers), p.created_at});
  candidates = in_merge_order(std::move(candidates));
  if (candidates.size() > max_merge_profiles) candidates.resize(max_merge_profiles);
  request_merge merge{candidates.front().id, {}, a->review};
  for (std::size_t i = 1; i < candidates.size(); ++i) merge.absorbed.push_back(candidates[i].id);
  const auto merge_id = "mrg_" + secure::random_hex(12);
  command_entity<profile_merge_decider>(call, merge_id, std::move(merge), std::nullopt, [call, merge_id, record](auto&) {
    client_of<profile_merge_decider>(call).watch(
        merge_id,
        [call, merge_id, record](protocols::entity_reply<profile_merge_decider>& done) {
          if (done.state.status != merge_status::merged) {
            auto why = invalid_transition("merge review", "pending", "approved");
            why.detail = "the profiles are busy (" + done.state.refusal + "); approve again";
            return call->respond(rejection_response(why));
          }
          cdp_merges("approved").add();
          record(merge_id);
        },
        [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
  });
}

void approve(const call_ptr& call) {
  read_entity<merge_review_decider>(call, call->param("id"), "merge review " + call->param("id"), [call](review_reply& r) {
    if (r.state.status == review_status::approved) return answer(call, r);
    if (r.state.status != review_status::pending)
      return call->respond(rejection_response(invalid_transition("merge review " + r.state.id, to_string(r.state.status), "approved")));
    auto a = std::make_shared<approval>();
    a->review = r.state.id;
    a->left = r.state.candidates.size();
    // The call is answered once, after every candidate was followed.
    auto one_done = [call, a] {
      if (--a->left > 0) return;
      if (a->failure) return call->respond(std::move(*a->failure));
      approve_with(call, a);
    };
    for (const auto& id : r.state.candidates)
      follow_to_active(
          call, id,
          [a, one_done](std::optional<profile_reply> found) {
            if (found) a->active.emplace(found->state.id, std::move(found->state));
            one_done();
          },
          [a, one_done](http_response failed) {
            if (!a->failure) a->failure = std::move(failed);
            one_done();
          });
  });
}

void reject(const call_ptr& call) {
  command_entity<merge_review_decider>(call, call->param("id"), reject_review{}, std::nullopt,
                                       [call](review_reply& r) { answer(call, r); });
}

}  // namespace

void add_merge_review_routes(gateway_routes& routes) {
  routes.add("GET", "/v1/merge-reviews", {true, list});
  routes.add("GET", "/v1/merge-reviews/{id}", {true, get});
  routes.add("POST", "/v1/merge-reviews/{id}/approve", {true, approve});
  routes.add("POST", "/v1/merge-reviews/{id}/reject", {true, reject});
}

}  // namespace commerce::actors
