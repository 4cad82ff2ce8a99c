// Finding the active profile a profile id or an identifier leads to, for the gateway's
// handlers: a merged profile's merged_into is followed until an active one (at most
// domain::max_merge_hops links).
#pragma once

#include "actors/gateway_call.hpp"
#include "domain/identity_index.hpp"
#include "domain/profile.hpp"

#include <functional>
#include <optional>
#include <string>

namespace commerce::actors {

using profile_reply = protocols::entity_reply<domain::profile_decider>;

using found_fn = std::function<void(std::optional<profile_reply>)>;
using failed_fn = std::function<void(http_response)>;

// `found(reply)` with the active profile `id` leads to; `found(nullopt)` when it leads to none;
// `failed(answer)` when a profile did not answer.
inline void follow_to_active(const call_ptr& call, std::string id, found_fn found, failed_fn failed, std::size_t hops = 0) {
  client_of<domain::profile_decider>(call).read(
      std::move(id),
      [call, found, failed, hops](profile_reply& r) {
        if (r.status != protocols::entity_status::accepted) return failed(entity_failure(r.status, r.rejection));
        if (!r.state.exists) return found(std::nullopt);
        if (r.state.status == domain::profile_status::active) return found(std::move(r));
        if (hops >= domain::max_merge_hops) return found(std::nullopt);
        follow_to_active(call, r.state.merged_into, found, failed, hops + 1);
      },
      [call, failed](caf::error& e) { failed(unavailable(call->self->system().render(e))); });
}

// As above, answering the call itself when a profile did not answer.
inline void follow_to_active(const call_ptr& call, std::string id, found_fn found) {
  follow_to_active(call, std::move(id), std::move(found), [call](http_response r) { call->respond(std::move(r)); });
}

// The active profile holding identifier `key` (domain::index_key), as follow_to_active.
inline void holder_of(const call_ptr& call, std::string key, std::function<void(std::optional<profile_reply>)> found) {
  client_of<domain::identity_index_decider>(call).read(
      std::move(key),
      [call, found](protocols::entity_reply<domain::identity_index_decider>& r) {
        if (r.status != protocols::entity_status::accepted) return call->respond(entity_failure(r.status, r.rejection));
        if (r.state.holder.empty()) return found(std::nullopt);
        follow_to_active(call, r.state.holder, found);
      },
      [call](caf::error& e) { call->respond(unavailable(call->self->system().render(e))); });
}

}  // namespace commerce::actors
