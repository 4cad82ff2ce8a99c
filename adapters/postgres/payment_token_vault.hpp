// The payment-token vault on PostgreSQL (table payment_tokens, migration 0008): a detached actor
// (its calls block) implementing protocols/payment_tokens.hpp. Rows older than `retention`
// (a checkout that never finished, on a node that was lost) are purged every `purge_every`.
#pragma once

#include "protocols/payment_tokens.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <string>

namespace commerce::adapters::postgres {

struct payment_token_vault_options {
  std::chrono::milliseconds retention{std::chrono::hours(24)};
  std::chrono::milliseconds purge_every{std::chrono::minutes(10)};
};

protocols::payment_token_vault_actor spawn_payment_token_vault(caf::actor_system& system, std::string conninfo,
                                     payment_token_vault_options options);

}  // namespace commerce::adapters::postgres
