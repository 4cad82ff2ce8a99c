// The PostgreSQL idempotency store actor: claims carry an owner token, and only the claim's
// owner stores the answer or releases the claim.
#include "adapters/postgres/connection.hpp"
#include "adapters/postgres/idempotency_store.hpp"
#include "adapters/postgres/migrations.hpp"
#include "protocols/idempotency.hpp"

#include "support/test_env.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

using namespace commerce;
using protocols::claim_outcome;
using protocols::idempotency_claim;
using protocols::stored_response;

namespace {

struct store_fixture {
  test::scratch_database db;
  adapters::postgres::connection sql{db.conninfo()};
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  protocols::idempotency_store_actor store;
  std::unique_ptr<caf::scoped_actor> self;

  store_fixture() {
    adapters::postgres::migrate(sql);
    system = std::make_unique<caf::actor_system>(cfg);
    store = adapters::postgres::spawn_idempotency_store(*system, db.conninfo(), {});
    self = std::make_unique<caf::scoped_actor>(*system);
  }
  ~store_fixture() {
    caf::anon_send_exit(store, caf::exit_reason::user_shutdown);
    self.reset();
  }

  idempotency_claim claim(const std::string& key, const std::string& fingerprint = "POST /v1/carts\n{}") {
    idempotency_claim out;
    (*self)->request(store, std::chrono::seconds(5), protocols::claim_atom::value, key, fingerprint)
        .receive([&](idempotency_claim& c) { out = std::move(c); }, [&](caf::error& e) { FAIL(system->render(e)); });
    return out;
  }
  bool put(const std::string& key, const std::string& owner, const std::string& body) {
    bool kept = false;
    (*self)->request(store, std::chrono::seconds(5), caf::put_atom::value, key, owner,
                     stored_response{201, "application/json", "{}", body})
        .receive([&](bool k) { kept = k; }, [&](caf::error& e) { FAIL(system->render(e)); });
    return kept;
  }
  void forget(const std::string& key, const std::string& owner) {
    (*self)->send(store, caf::delete_atom::value, key, owner);
    claim("sync-" + key);  // the store answers in order: once this is back, the delete ran
  }
};

}  // namespace

TEST_CASE_METHOD(store_fixture, "a taken-over claim cannot overwrite the new owner's answer", "[postgres][idempotency]") {
  const auto first = claim("k");
  REQUIRE(first.outcome == claim_outcome::started);
  REQUIRE(first.owner.size() == 32);
  CHECK(claim("k").outcome == claim_outcome::in_progress);
  // The first request stalls until its claim goes stale; a retry takes it over.
  sql.exec("UPDATE idempotency_keys SET updated_at = now() - interval '5 minutes' WHERE key = 'k'");
  const auto second = claim("k");
  REQUIRE(second.outcome == claim_outcome::started);
  CHECK(second.owner != first.owner);

  CHECK_FALSE(put("k", first.owner, R"({"from":"first"})"));  // too late: not its claim any more
  CHECK(claim("k").outcome == claim_outcome::in_progress);
  CHECK(put("k", second.owner, R"({"from":"second"})"));
  const auto replay = claim("k");
  REQUIRE(replay.outcome == claim_outcome::replay);
  CHECK(replay.response.body == R"({"from":"second"})");
  CHECK_FALSE(put("k", first.owner, R"({"from":"first"})"));
  CHECK(claim("k").response.body == R"({"from":"second"})");
}

TEST_CASE_METHOD(store_fixture, "only the owner releases a claim", "[postgres][idempotency]") {
  const auto mine = claim("r");
  REQUIRE(mine.outcome == claim_outcome::started);
  forget("r", "someone-else");
  CHECK(claim("r").outcome == claim_outcome::in_progress);
  forget("r", mine.owner);
  CHECK(claim("r").outcome == claim_outcome::started);  // released: a retry runs again
}
