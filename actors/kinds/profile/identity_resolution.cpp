#include "actors/kinds/profile/identity_resolution.hpp"

#include "actors/entity_client.hpp"
#include "actors/fan_in.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/secure.hpp"
#include "domain/identity_index.hpp"
#include "domain/merge_review.hpp"
#include "domain/profile_merge.hpp"

#include <caf/all.hpp>

#include <algorithm>
#include <map>
#include <functional>
#include <random>
#include <utility>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::entity_status;
using retry_atom = caf::atom_constant<caf::atom("retry")>;

// Events of a batch that share an identifier are resolved one after another, in the batch's
// order (racing each other they would only make profiles to merge again); up to this many such
// groups at a time.
constexpr std::size_t groups_in_flight = 64;
// With waits growing to 500 ms, about 15 s: long enough to wait out a merge that a crashed node
// left held until its saga resumes elsewhere (profile_merge's resume deadline).
constexpr int max_attempts = 40;

struct resolver_state {
  entity_regions regions;
  std::chrono::milliseconds timeout{};
  resolution_batch_ptr batch;
  caf::response_promise promise;
  std::vector<std::size_t> heads;       // the first event of each group, in batch order
  std::vector<std::size_t> after;       // per event: the next of its group (npos: the last)
  std::size_t next_group = 0, finished = 0;
  std::vector<char> merged_for;  // per event: a merge it asked for finished (its match is merged)
  std::minstd_rand jitter{std::random_device{}()};
  metrics::counter* conflicts = nullptr;
  static inline const char* name = "identity_resolver";
};
using resolver_actor = caf::stateful_actor<resolver_state>;

// One attempt at one event: what it read, what it chose.
struct attempt {
  std::size_t index = 0;
  int number = 0;
  std::vector<std::string> holders;           // per identifier of the event ("": nobody)
  std::map<std::string, std::string> active;  // holder → the active profile it became ("": gone)
  std::map<std::string, profile_state> profiles;  // the active profiles found
  std::map<std::string, std::int64_t> versions;   // … at the version read
  bool busy = false;  // one of them is held by a merge, or did not answer
  std::string target;
  std::int64_t target_version = 0;  // the event is attached only to the target as read
  match_kind match = match_kind::created;
  std::vector<std::string> review;  // the candidates, strongest first, when it goes to review
};
using attempt_ptr = std::shared_ptr<attempt>;

const incoming_event& event_of(resolver_actor* self, const attempt_ptr& a) { return self->state.batch->events[a->index]; }

std::string created_by(const incoming_event& e) { return "prof_" + secure::sha256_hex(e.event.event_id).substr(0, 24); }

protocols::command_metadata meta_of(const incoming_event& e) { return {"", e.event.event_id, "event/" + e.event.event_id}; }

template <class Decider>
entity_client<Decider> client(resolver_actor* self) {
  return {self, self->state.regions, self->state.timeout};
}

void start(resolver_actor* self, std::size_t index, int number);

void finish(resolver_actor* self, std::size_t index, resolution r) {
  auto& st = self->state;
  st.batch->results[index] = std::move(r);
  if (++st.finished == st.batch->events.size()) {
    st.promise.deliver(st.batch);
    return self->quit();
  }
  if (st.after[index] != std::string::npos) start(self, st.after[index], 0);
  else if (st.next_group < st.heads.size()) start(self, st.heads[st.next_group++], 0);
}

// Splits the batch into groups of events linked by shared identifiers (union-find).
void group(resolver_state& st) {
  const auto& events = st.batch->events;
  std::vector<std::size_t> parent(events.size());
  for (std::size_t i = 0; i < events.size(); ++i) parent[i] = i;
  const std::function<std::size_t(std::size_t)> root = [&](std::size_t i) {
    return parent[i] == i ? i : parent[i] = root(parent[i]);
  };
  std::map<std::string, std::size_t> first_with;
  for (std::size_t i = 0; i < events.size(); ++i)
    for (const auto& id : events[i].identifiers) {
      const auto [at, fresh] = first_with.emplace(index_key(id), i);
      if (!fresh) parent[root(i)] = root(at->second);
    }
  st.after.assign(events.size(), std::string::npos);
  std::map<std::size_t, std::size_t> last_of;  // group root → its last event so far
  for (std::size_t i = 0; i < events.size(); ++i) {
    const auto r = root(i);
    const auto [at, fresh] = last_of.emplace(r, i);
    if (fresh) st.heads.push_back(i);
    else st.after[std::exchange(at->second, i)] = i;
  }
}

// Resolves the event again after a short wait that grows with its attempts.
void again(resolver_actor* self, const attempt_ptr& a, const char* why) {
  auto& st = self->state;
  st.conflicts->add();
  if (a->number + 1 >= max_attempts) {
    log::warn("identity resolution gave up", {{"event", event_of(self, a).event.event_id}, {"why", why}});
    return finish(self, a->index, {"", match_kind::created, rejection{"unavailable", std::string("not resolved: ") + why, {}}});
  }
  const auto base_ms = std::min(500, 5 << std::min(a->number, 7));
  const auto wait = std::chrono::milliseconds(base_ms / 2 + static_cast<int>(st.jitter() % static_cast<unsigned>(base_ms)));
  self->delayed_send(self, wait, retry_atom::value, a->index, a->number + 1);
}

void choose(resolver_actor* self, const attempt_ptr& a);
void claim_and_attach(resolver_actor* self, const attempt_ptr& a, bool create_first);

// Follows `id`'s merged_into until an active profile; `done("")` when it does not exist (the
// profile this event would create, not created yet). A profile that does not answer, or a
// chain too long, makes the attempt busy: a value is never taken from a holder not read.
template <class Done>
void follow(resolver_actor* self, const attempt_ptr& a, std::string id, std::size_t hops, Done done) {
  client<profile_decider>(self).read(
      id,
      [self, a, hops, done](protocols::entity_reply<profile_decider>& r) mutable {
        if (r.status != entity_status::accepted || (r.state.status == profile_status::merged && hops >= max_merge_hops)) {
          a->busy = true;
          return done(std::string());
        }
        if (!r.state.exists) return done(std::string());
        if (r.state.status == profile_status::merged) return follow(self, a, r.state.merged_into, hops + 1, done);
        if (!r.state.lock.empty()) a->busy = true;
        auto id = r.state.id;
        a->versions[id] = r.version;
        a->profiles[id] = std::move(r.state);
        done(id);
      },
      [a, done](caf::error&) mutable {
        a->busy = true;
        done(std::string());
      });
}

void start(resolver_actor* self, std::size_t index, int number) {
  auto a = std::make_shared<attempt>();
  a->index = index;
  a->number = number;
  const auto& ids = self->state.batch->events[index].identifiers;
  a->holders.resize(ids.size());
  auto failed = std::make_shared<bool>(false);
  for_each_index(
      ids.size(),
      [self, a, failed, &ids](std::size_t k, auto finished) {
        client<identity_index_decider>(self).read(
            index_key(ids[k]),
            [a, k, failed, finished](protocols::entity_reply<identity_index_decider>& r) mutable {
              if (r.status != entity_status::accepted) *failed = true;
              a->holders[k] = r.state.holder;
              finished(true);
            },
            [failed, finished](caf::error&) mutable {
              *failed = true;
              finished(true);
            });
      },
      [self, a, failed](bool) {
        if (*failed) return again(self, a, "the identity index did not answer");
        // The profile this event creates is named after it: if an earlier attempt (or an earlier
        // send of the same event, before a crash) created it, it holds the event, so it counts
        // among the candidates, never left beside them with the event twice. (An event whose id
        // was made for it here, on its first attempt, cannot have made one yet.)
        std::vector<std::string> distinct;
        if (event_of(self, a).maybe_resent || a->number > 0) distinct.push_back(created_by(event_of(self, a)));
        for (const auto& h : a->holders)
          if (!h.empty() && std::find(distinct.begin(), distinct.end(), h) == distinct.end()) distinct.push_back(h);
        for_each_index(
            distinct.size(),
            [self, a, distinct](std::size_t k, auto finished) {
              follow(self, a, distinct[k], 0, [a, holder = distinct[k], finished](std::string active) mutable {
                a->active[holder] = std::move(active);
                finished(true);
              });
            },
            [self, a](bool) {
              if (a->busy) return again(self, a, "a profile is being merged or did not answer");
              choose(self, a);
            });
      });
}

std::vector<merge_candidate> in_order(const attempt_ptr& a) {
  std::vector<merge_candidate> candidates;
  for (const auto& [id, p] : a->profiles) candidates.push_back({id, strength_of(p.identifiers), p.created_at});
  return in_merge_order(std::move(candidates));
}

// Runs `then` once `retired` (if any) has stepped aside for the target.
template <class Then>
void after_retiring(resolver_actor* self, const attempt_ptr& a, const std::string& retired, Then then) {
  if (retired.empty()) return then();
  client<profile_decider>(self).command(
      retired, retire_profile{a->target}, meta_of(event_of(self, a)), a->versions[retired],
      [self, a, retired, then](protocols::entity_reply<profile_decider>& r) mutable {
        if (r.status != entity_status::accepted) return again(self, a, "the profile this event made changed meanwhile");
        // It may hold values it claimed but never listed: they are the target's to claim now.
        for (auto& [holder, active] : a->active)
          if (active == retired) active = a->target;
        then();
      },
      [self, a](caf::error&) { again(self, a, "the profile this event made did not answer"); });
}

void merge(resolver_actor* self, const attempt_ptr& a, const std::vector<merge_candidate>& ordered);

void choose(resolver_actor* self, const attempt_ptr& a) {
  const auto& e = event_of(self, a);
  const auto mine = created_by(e);
  // The profile an earlier attempt made for this event, if it won no identifier, is no
  // candidate: it steps aside for the profile the event resolves to.
  std::string retired;
  if (const auto it = a->profiles.find(mine); it != a->profiles.end() && it->second.identifiers.empty() && a->profiles.size() > 1) {
    retired = mine;
    a->profiles.erase(it);
  }
  a->match = match_for(a->profiles.size());
  if (a->match == match_kind::created) {
    a->target = mine;
    return claim_and_attach(self, a, true);
  }
  const auto ordered = in_order(a);
  a->target = ordered.front().id;
  std::vector<identifier> all = e.identifiers;
  for (const auto& [id, p] : a->profiles) all.insert(all.end(), p.identifiers.begin(), p.identifiers.end());
  std::sort(all.begin(), all.end());
  all.erase(std::unique(all.begin(), all.end()), all.end());
  if (a->match == match_kind::merged && over_cap(all)) a->match = match_kind::review;
  if (a->match == match_kind::review) {
    for (const auto& c : ordered) a->review.push_back(c.id);
    if (a->profiles.count(mine)) a->target = mine;  // it holds the event already
  }
  if (a->match != match_kind::merged)
    return after_retiring(self, a, retired, [self, a] { claim_and_attach(self, a, false); });
  after_retiring(self, a, retired, [self, a, ordered] { merge(self, a, ordered); });
}

// A merge saga of the candidates, waited for; then the event resolves again, now to the base.
void merge(resolver_actor* self, const attempt_ptr& a, const std::vector<merge_candidate>& ordered) {
  const auto& e = event_of(self, a);
  request_merge request{a->target, {}, e.event.event_id};
  for (std::size_t k = 1; k < ordered.size(); ++k) request.absorbed.push_back(ordered[k].id);
  const auto merge_id = "mrg_" + secure::random_hex(12);
  client<profile_merge_decider>(self).command(
      merge_id, std::move(request), meta_of(e), std::nullopt,
      [self, a, merge_id](protocols::entity_reply<profile_merge_decider>& r) {
        if (r.status != entity_status::accepted) return again(self, a, "the merge was not taken");
        client<profile_merge_decider>(self).watch(
            merge_id,
            [self, a](protocols::entity_reply<profile_merge_decider>& done) {
              if (done.state.status != merge_status::merged) return again(self, a, "the merge was aborted");
              cdp_merges("auto").add();
              self->state.merged_for[a->index] = 1;
              start(self, a->index, a->number);
            },
            [self, a](caf::error&) { again(self, a, "the merge did not finish in time"); });
      },
      [self, a](caf::error&) { again(self, a, "the merge was not taken"); });
}

void ask_for_review(resolver_actor* self, const attempt_ptr& a) {
  const auto& e = event_of(self, a);
  const auto reason = a->review.size() > max_auto_merge
                          ? "matched " + std::to_string(a->review.size()) + " profiles"
                          : std::string("a merge would hold more than ") + std::to_string(max_values_per_type) +
                                " values of one type";
  client<merge_review_decider>(self).command(
      "rev_" + secure::sha256_hex(e.event.event_id).substr(0, 24), domain::open_review{a->review, e.event.event_id, reason},
      meta_of(e), std::nullopt,
      [self, a](protocols::entity_reply<merge_review_decider>& r) {
        if (r.status != entity_status::accepted) return again(self, a, "the merge review was not opened");
        if (!r.events.empty())
          cdp_merges("review").add();
        finish(self, a->index, {a->target, match_kind::review, std::nullopt});
      },
      [self, a](caf::error&) { again(self, a, "the merge review did not answer"); });
}

// Attaches the event to the target only if it is still as it was read: a merge, an unmerge or
// another event in between could have moved a value the attach would list.
void attach(resolver_actor* self, const attempt_ptr& a, std::vector<identifier> held) {
  const auto& e = event_of(self, a);
  client<profile_decider>(self).command(
      a->target, attach_event{e.event, std::move(held)}, meta_of(e), a->target_version,
      [self, a](protocols::entity_reply<profile_decider>& r) {
        if (r.status != entity_status::accepted) return again(self, a, "the profile changed meanwhile");
        if (a->match == match_kind::review) return ask_for_review(self, a);
        const bool merged = a->match == match_kind::attached && self->state.merged_for[a->index];
        finish(self, a->index, {a->target, merged ? match_kind::merged : a->match, std::nullopt});
      },
      [self, a](caf::error&) { again(self, a, "the profile did not answer"); });
}

// Claims for the target every identifier it does not hold yet, then attaches the event with
// them. In review, a value another active profile holds stays with it.
void claim_and_attach(resolver_actor* self, const attempt_ptr& a, bool create_first) {
  const auto& e = event_of(self, a);
  if (create_first) {
    // The profile exists before it claims anything, so whoever meets its claims can follow them.
    return client<profile_decider>(self).command(
        a->target, attach_event{e.event, {}}, meta_of(e), std::int64_t{0},
        [self, a](protocols::entity_reply<profile_decider>& r) {
          if (r.status != entity_status::accepted) return again(self, a, "the new profile was not created");
          a->target_version = r.version;
          claim_and_attach(self, a, false);
        },
        [self, a](caf::error&) { again(self, a, "the new profile did not answer"); });
  }
  if (const auto it = a->versions.find(a->target); it != a->versions.end()) a->target_version = it->second;
  std::vector<std::size_t> to_claim;
  std::vector<identifier> held;
  for (std::size_t k = 0; k < e.identifiers.size(); ++k) {
    const auto& holder = a->holders[k];
    const auto it = a->active.find(holder);
    if (holder == a->target) held.push_back(e.identifiers[k]);
    else if (holder.empty() || (it != a->active.end() && it->second == a->target)) to_claim.push_back(k);
  }
  auto conflict = std::make_shared<bool>(false);
  auto claimed = std::make_shared<std::vector<identifier>>(held);
  for_each_index(
      to_claim.size(),
      [self, a, &e, to_claim, conflict, claimed](std::size_t n, auto finished) {
        const auto k = to_claim[n];
        const auto& id = e.identifiers[k];
        client<identity_index_decider>(self).command(
            index_key(id), claim_identifier{a->target, a->holders[k]}, meta_of(e), std::nullopt,
            [conflict, claimed, id, finished](protocols::entity_reply<identity_index_decider>& r) mutable {
              if (r.status == entity_status::accepted) claimed->push_back(id);
              else *conflict = true;
              finished(true);
            },
            [conflict, finished](caf::error&) mutable {
              *conflict = true;
              finished(true);
            });
      },
      [self, a, conflict, claimed](bool) {
        if (*conflict) return again(self, a, "an identifier was claimed meanwhile");
        attach(self, a, std::move(*claimed));
      });
}

caf::behavior resolver(resolver_actor* self, entity_regions regions, std::chrono::milliseconds timeout) {
  self->state.regions = std::move(regions);
  self->state.timeout = timeout;
  self->state.conflicts = &metrics::registry::global().get_counter(
      "commerce_cdp_index_conflicts_total", "Identity resolutions run again: a value claimed or a profile merged meanwhile");
  return {
      [self](resolution_batch_ptr batch) -> caf::result<resolution_batch_ptr> {
        auto& st = self->state;
        st.batch = std::move(batch);
        st.batch->results.assign(st.batch->events.size(), resolution{});
        st.merged_for.assign(st.batch->events.size(), 0);
        if (st.batch->events.empty()) {
          self->quit();
          return st.batch;
        }
        st.promise = self->make_response_promise();
        group(st);
        while (st.next_group < st.heads.size() && st.next_group < groups_in_flight) start(self, st.heads[st.next_group++], 0);
        return st.promise;
      },
      [self](retry_atom, std::size_t index, int number) { start(self, index, number); },
  };
}

}  // namespace

metrics::counter& cdp_merges(const char* kind) {
  return metrics::registry::global().get_counter("commerce_cdp_merges_total", "Profile merges by kind", {{"kind", kind}});
}

caf::actor spawn_resolver(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds ask_timeout) {
  return system.spawn(resolver, std::move(regions), ask_timeout);
}

}  // namespace commerce::actors
