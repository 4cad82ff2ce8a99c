#include "adapters/postgres/idempotency_store.hpp"

#include "adapters/answer_or_error.hpp"
#include "adapters/postgres/lazy_connection.hpp"
#include "protocols/idempotency.hpp"

#include <caf/all.hpp>
#include <openssl/evp.h>
#include <openssl/rand.h>

#include <memory>

namespace commerce::adapters::postgres {
namespace {

using protocols::claim_outcome;
using protocols::idempotency_claim;
using protocols::stored_response;

// Takes a new key, or one whose retention is over, or a stale claim of the same request; the
// taker's owner token replaces the old one, so the old claimant can no longer store its answer.
const std::string claim_sql =
    "INSERT INTO idempotency_keys (key, request_hash, state, owner) VALUES ($1, $2, 'in_progress', $5) "
    "ON CONFLICT (key) DO UPDATE SET request_hash = EXCLUDED.request_hash, state = 'in_progress', status = NULL, "
    "content_type = NULL, headers = NULL, body = NULL, owner = EXCLUDED.owner, created_at = now(), updated_at = now() "
    "WHERE idempotency_keys.created_at < now() - $3::bigint * interval '1 millisecond' "
    "OR (idempotency_keys.state = 'in_progress' AND idempotency_keys.request_hash = EXCLUDED.request_hash "
    "AND idempotency_keys.updated_at < now() - $4::bigint * interval '1 millisecond') "
    "RETURNING 1";
const std::string find_sql =
    "SELECT request_hash, state, status, content_type, headers::text, body FROM idempotency_keys WHERE key = $1";
const std::string complete_sql =
    "UPDATE idempotency_keys SET state = 'completed', status = $3, content_type = $4, headers = $5::jsonb, "
    "body = $6, updated_at = now() WHERE key = $1 AND owner = $2 AND state = 'in_progress' RETURNING 1";
const std::string forget_sql = "DELETE FROM idempotency_keys WHERE key = $1 AND owner = $2 AND state = 'in_progress'";
const std::string purge_sql = "DELETE FROM idempotency_keys WHERE created_at < now() - $1::bigint * interval '1 millisecond'";

std::string sha256_hex(const std::string& text) {
  unsigned char digest[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  EVP_Digest(text.data(), text.size(), digest, &size, EVP_sha256(), nullptr);
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += hex[digest[i] >> 4];
    out += hex[digest[i] & 15];
  }
  return out;
}

// 128 random bits, hex: unguessable and, in practice, never the same twice.
std::string owner_token() {
  unsigned char bytes[16];
  if (RAND_bytes(bytes, sizeof bytes) != 1) throw std::runtime_error("no randomness for an idempotency claim");
  static const char* hex = "0123456789abcdef";
  std::string out;
  for (unsigned char b : bytes) {
    out += hex[b >> 4];
    out += hex[b & 15];
  }
  return out;
}

class idempotency_keys {
 public:
  idempotency_keys(std::string conninfo, idempotency_options options)
      : db_(std::move(conninfo), "idempotency store"), options_(options) {}

  idempotency_claim claim(const std::string& key, const std::string& fingerprint) {
    const auto hash = sha256_hex(fingerprint);
    const auto retention = std::to_string(options_.retention.count());
    const auto stale = std::to_string(options_.stale_after.count());
    // The row may vanish between the two statements (forgotten or purged): then claim again.
    const auto owner = owner_token();
    for (;;) {
      if (PQntuples(db_.run(claim_sql, {key.c_str(), hash.c_str(), retention.c_str(), stale.c_str(), owner.c_str()})
                        .get()) == 1)
        return {claim_outcome::started, {}, owner};
      auto found = db_.run(find_sql, {key.c_str()});
      if (PQntuples(found.get()) == 0) continue;
      auto text = [&](int column) { return std::string(PQgetvalue(found.get(), 0, column)); };
      if (text(0) != hash) return {claim_outcome::reused, {}};
      if (text(1) == "in_progress") return {claim_outcome::in_progress, {}};
      return {claim_outcome::replay, {std::stoi(text(2)), text(3), text(4), text(5)}};
    }
  }

  bool complete(const std::string& key, const std::string& owner, const stored_response& r) {
    const auto status = std::to_string(r.status);
    return PQntuples(db_.run(complete_sql, {key.c_str(), owner.c_str(), status.c_str(), r.content_type.c_str(),
                                            r.headers.c_str(), r.body.c_str()})
                         .get()) == 1;
  }

  void forget(const std::string& key, const std::string& owner) { db_.run(forget_sql, {key.c_str(), owner.c_str()}); }

  void purge() {
    const auto retention = std::to_string(options_.retention.count());
    db_.run(purge_sql, {retention.c_str()});
  }

 private:
  lazy_connection db_;
  idempotency_options options_;
};

using purge_atom = caf::atom_constant<caf::atom("purge")>;
constexpr const char* store_failed = "idempotency store failed";

// The public interface plus the purge it sends itself.
using store_interface = protocols::idempotency_store_actor::extend<caf::reacts_to<purge_atom>>;

store_interface::behavior_type idempotency_store(store_interface::pointer self, std::shared_ptr<idempotency_keys> keys,
                                                 idempotency_options options) {
  self->delayed_send(self, options.purge_every, purge_atom::value);
  return {
      [keys](protocols::claim_atom, const std::string& key, const std::string& fingerprint) {
        return answer_or_error(store_failed, [&] { return keys->claim(key, fingerprint); });
      },
      [keys](caf::put_atom, const std::string& key, const std::string& owner, const stored_response& response) {
        return answer_or_error(store_failed, [&] { return keys->complete(key, owner, response); });
      },
      [keys](caf::delete_atom, const std::string& key, const std::string& owner) {
        answer_or_error(store_failed, [&] { keys->forget(key, owner); });
      },
      [self, keys, options](purge_atom) {
        answer_or_error(store_failed, [&] { keys->purge(); });
        self->delayed_send(self, options.purge_every, purge_atom::value);
      },
  };
}

}  // namespace

protocols::idempotency_store_actor spawn_idempotency_store(caf::actor_system& system, std::string conninfo, idempotency_options options) {
  return system.spawn<caf::detached>(idempotency_store, std::make_shared<idempotency_keys>(std::move(conninfo), options),
                                     options);
}

}  // namespace commerce::adapters::postgres
