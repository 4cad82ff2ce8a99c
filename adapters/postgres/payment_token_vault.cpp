#include "adapters/postgres/payment_token_vault.hpp"

#include "adapters/answer_or_error.hpp"
#include "adapters/postgres/lazy_connection.hpp"
#include "protocols/payment_tokens.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::adapters::postgres {
namespace {

const std::string put_sql =
    "INSERT INTO payment_tokens (checkout_id, token) VALUES ($1, $2) ON CONFLICT (checkout_id) DO NOTHING";
const std::string get_sql = "SELECT token FROM payment_tokens WHERE checkout_id = $1";
const std::string delete_sql = "DELETE FROM payment_tokens WHERE checkout_id = $1";
const std::string purge_sql =
    "DELETE FROM payment_tokens WHERE created_at < now() - $1::bigint * interval '1 millisecond'";

class payment_tokens {
 public:
  payment_tokens(std::string conninfo, payment_token_vault_options options)
      : db_(std::move(conninfo), "payment token vault"), options_(options) {}

  void put(const std::string& checkout_id, const std::string& token) {
    db_.run(put_sql, {checkout_id.c_str(), token.c_str()});
  }

  std::string get(const std::string& checkout_id) {
    auto found = db_.run(get_sql, {checkout_id.c_str()});
    return PQntuples(found.get()) == 1 ? std::string(PQgetvalue(found.get(), 0, 0)) : std::string();
  }

  void forget(const std::string& checkout_id) { db_.run(delete_sql, {checkout_id.c_str()}); }

  void purge() {
    const auto retention = std::to_string(options_.retention.count());
    db_.run(purge_sql, {retention.c_str()});
  }

 private:
  lazy_connection db_;
  payment_token_vault_options options_;
};

using purge_atom = caf::atom_constant<caf::atom("purge")>;
constexpr const char* vault_failed = "payment token vault failed";

// The public interface plus the purge it sends itself.
using vault_interface = protocols::payment_token_vault_actor::extend<caf::reacts_to<purge_atom>>;

vault_interface::behavior_type payment_token_vault(vault_interface::pointer self, std::shared_ptr<payment_tokens> tokens,
                                                   payment_token_vault_options options) {
  self->delayed_send(self, options.purge_every, purge_atom::value);
  return {
      [tokens](caf::put_atom, const std::string& checkout_id, const std::string& token) {
        return answer_or_error(vault_failed, [&] { tokens->put(checkout_id, token); });
      },
      [tokens](caf::get_atom, const std::string& checkout_id) {
        return answer_or_error(vault_failed, [&] { return tokens->get(checkout_id); });
      },
      [tokens](caf::delete_atom, const std::string& checkout_id) {
        answer_or_error(vault_failed, [&] { tokens->forget(checkout_id); });
      },
      [self, tokens, options](purge_atom) {
        answer_or_error(vault_failed, [&] { tokens->purge(); });
        self->delayed_send(self, options.purge_every, purge_atom::value);
      },
  };
}

}  // namespace

protocols::payment_token_vault_actor spawn_payment_token_vault(caf::actor_system& system, std::string conninfo,
                                     payment_token_vault_options options) {
  return system.spawn<caf::detached>(payment_token_vault,
                                     std::make_shared<payment_tokens>(std::move(conninfo), options), options);
}

}  // namespace commerce::adapters::postgres
