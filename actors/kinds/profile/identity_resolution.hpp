// Identity resolution: each incoming customer event goes to the one active profile its
// identifiers lead to (API.md, Customer data platform). Per event:
//   1. read who holds each identifier in the index, and follow each holder's merged_into to the
//      active profile it became;
//   2. none → a new profile; one → that one; two or three → a merge saga of them (base: the
//      strongest, then the oldest), waited for; more, or a merge past a type's cap → the
//      strongest, and a merge review for an operator;
//   3. claim in the index every identifier the profile does not hold yet, naming the holder
//      it was read from, then attach the event with them.
// A claim refused (someone took the value meanwhile), a profile merged or held by a merge
// meanwhile, a merge aborted or no answer in time: the event resolves again from step 1, after
// a short jittered wait (counted in commerce_cdp_index_conflicts_total). So whatever arrives
// concurrently, on whichever nodes, no value is held by two profiles.
#pragma once

#include "actors/entity_regions.hpp"
#include "common/metrics.hpp"
#include "domain/identity.hpp"
#include "domain/profile.hpp"
#include "domain/rejection.hpp"

#include <caf/allowed_unsafe_message_type.hpp>
#include <caf/fwd.hpp>

#include <chrono>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace commerce::actors {

struct incoming_event {
  domain::customer_event event;
  std::vector<domain::identifier> identifiers;
  // Its id was given (not made here), so an earlier send may have created its profile.
  bool maybe_resent = true;
};

struct resolution {
  std::string profile_id;
  domain::match_kind match = domain::match_kind::created;
  std::optional<domain::rejection> error;  // not resolved within its attempts
};

// One request's events and, once resolved, their resolutions in the same order.
struct resolution_batch {
  std::vector<incoming_event> events;
  std::vector<resolution> results;
};
using resolution_batch_ptr = std::shared_ptr<resolution_batch>;

}  // namespace commerce::actors

// Node-local: a batch is resolved on the node that took the request.
CAF_ALLOW_UNSAFE_MESSAGE_TYPE(commerce::actors::resolution_batch_ptr)

namespace commerce::actors {

// commerce_cdp_merges_total{kind}: auto, review, approved or unmerged.
metrics::counter& cdp_merges(const char* kind);

// An actor that resolves one batch and quits:
//   request(resolver, t, resolution_batch_ptr) -> resolution_batch_ptr (its results filled in)
caf::actor spawn_resolver(caf::actor_system& system, entity_regions regions, std::chrono::milliseconds ask_timeout);

}  // namespace commerce::actors
