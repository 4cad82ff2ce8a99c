// The payment-token vault: where a checkout's card token waits between the request that gave it
// and the charge, so that it is never journaled (the journal keeps everything for good). The
// checkout journals nothing of the token; its id is the key.
//
//   request(vault, t, put_atom, checkout_id, token)  -> ()   the first token kept for an id wins
//   request(vault, t, get_atom, checkout_id)         -> std::string (empty: none, or gone)
//   send(vault, delete_atom, checkout_id)                    once the checkout is over
// A vault that cannot reach its store answers with an error (sec::runtime_error).
#pragma once

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <string>

namespace commerce::protocols {

using payment_token_vault_actor = caf::typed_actor<caf::reacts_to<caf::put_atom, std::string, std::string>,
                                                   caf::replies_to<caf::get_atom, std::string>::with<std::string>,
                                                   caf::reacts_to<caf::delete_atom, std::string>>;

}  // namespace commerce::protocols
