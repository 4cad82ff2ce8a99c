// The idempotency-key protocol (API.md, Conventions): the gateway claims a POST's key before
// running it and stores the answer afterwards, so a repeat gets the first answer back.
//
//   request(store, t, claim_atom, key, fingerprint)              -> idempotency_claim
//   request(store, t, put_atom, key, owner, stored_response)     -> bool: true once durable;
//                                                                 false if the claim is no
//                                                                 longer `owner`'s (it went
//                                                                 stale and a retry took it
//                                                                 over): nothing stored
//   anon_send(store, delete_atom, key, owner)                     forget `owner`'s claim whose
//                                                                 request failed (5xx) or whose
//                                                                 answer could not be stored,
//                                                                 so that a retry runs again
// `fingerprint` is the request as the client sent it (method, target, body); the store keeps a
// hash of it. A claim left in progress longer than the store's stale limit (a node died while
// running it) may be claimed again. A storage failure comes back as sec::runtime_error.
#pragma once

#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <cstdint>
#include <string>

namespace commerce::protocols {

using claim_atom = caf::atom_constant<caf::atom("claim")>;

struct stored_response {
  int status = 0;
  std::string content_type;
  std::string headers = "{}";  // JSON object: name → value
  std::string body;
};

enum class claim_outcome : std::uint8_t {
  started,      // the key is new (or expired): run the request, then put its answer
  replay,       // the same request was answered: `response` is that answer
  reused,       // the key was used for a different request
  in_progress,  // the same key is being run right now
};

struct idempotency_claim {
  claim_outcome outcome = claim_outcome::started;
  stored_response response;
  std::string owner;  // when started: the claim's random token, for put and delete
};

BOOST_DESCRIBE_STRUCT(stored_response, (), (status, content_type, headers, body))
BOOST_DESCRIBE_STRUCT(idempotency_claim, (), (outcome, response, owner))
COMMERCE_WIRE_MESSAGE(stored_response, "commerce.stored_response")
COMMERCE_WIRE_MESSAGE(idempotency_claim, "commerce.idempotency_claim")

using idempotency_store_actor =
    caf::typed_actor<caf::replies_to<claim_atom, std::string, std::string>::with<idempotency_claim>,
                     caf::replies_to<caf::put_atom, std::string, std::string, stored_response>::with<bool>,
                     caf::reacts_to<caf::delete_atom, std::string, std::string>>;

}  // namespace commerce::protocols
