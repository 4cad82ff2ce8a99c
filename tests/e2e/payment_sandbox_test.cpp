// The sandbox payment provider as the node will meet it: a separate process over HTTP, with
// exactly the tokens of API.md and its charges kept across its own restart.
#include "e2e/sandbox_process.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <chrono>
#include <optional>
#include <cstdio>
#include <unistd.h>

using namespace commerce::test;


TEST_CASE_METHOD(sandbox_process, "the sandbox charges tok_ok once per idempotency key", "[e2e][sandbox]") {
  const auto first = charge("order-1/pay", "tok_ok");
  REQUIRE(first.status == 200);
  const auto body = boost::json::parse(first.body);
  CHECK(body.at("status") == "succeeded");
  CHECK(body.at("amount") == 1999);
  CHECK(body.at("idempotency_key") == "order-1/pay");
  CHECK(charge("order-1/pay", "tok_ok").body == first.body);  // replayed, not charged again
  CHECK(charge("order-2/pay", "tok_ok").status == 200);
  CHECK(charges().size() == 2);
}

TEST_CASE_METHOD(sandbox_process, "tok_declined is 402, tok_flaky fails twice per key, tok_slow takes its time",
                 "[e2e][sandbox]") {
  const auto declined = charge("d", "tok_declined");
  CHECK(declined.status == 402);
  CHECK(boost::json::parse(declined.body).at("error").at("code") == "card_declined");
  CHECK(charge("d", "tok_declined").status == 402);

  CHECK(charge("f", "tok_flaky").status == 503);
  CHECK(charge("f", "tok_flaky").status == 503);
  CHECK(charge("f", "tok_flaky").status == 200);
  CHECK(charge("f", "tok_flaky").status == 200);  // the answer is kept now
  CHECK(charge("g", "tok_flaky").status == 503);  // counted per key

  const auto started = std::chrono::steady_clock::now();
  CHECK(charge("s", "tok_slow").status == 200);
  CHECK(std::chrono::steady_clock::now() - started >= std::chrono::milliseconds(300));
  CHECK(charges().size() == 2);  // f and s; declines and 503s charge nothing
  CHECK(charge("x", "tok_unknown").status == 400);
}

TEST_CASE_METHOD(sandbox_process, "refunds never exceed the charge, and everything survives a restart", "[e2e][sandbox]") {
  const auto id = std::string(boost::json::parse(charge("p", "tok_ok", 1000).body).at("id").as_string());
  const auto refund = [&](const std::string& key, const std::string& body) {
    return http_call(process->port(), "POST", "/v1/refunds", body, {{"Idempotency-Key", key}});
  };
  CHECK(refund("r1", R"({"charge":")" + id + R"(","amount":400})").status == 200);
  CHECK(refund("r1", R"({"charge":")" + id + R"(","amount":400})").status == 200);  // replayed: once
  CHECK(refund("r2", R"({"charge":")" + id + R"(","amount":700})").status == 400);
  CHECK(refund("r3", R"({"charge":")" + id + R"("})").status == 200);  // the rest: 600
  CHECK(refund("r4", R"({"charge":"ch_nope"})").status == 404);
  CHECK(charges().at(0).at("amount_refunded") == 1000);

  CHECK(process->stop() == 0);
  start();
  const auto after = charges();
  REQUIRE(after.size() == 1);
  CHECK(after.at(0).at("amount_refunded") == 1000);
  CHECK(charge("p", "tok_ok", 1000).status == 200);  // the key is remembered too
  CHECK(charges().size() == 1);
}

TEST_CASE_METHOD(sandbox_process, "the sandbox takes each message once per idempotency key, also across a restart",
                 "[e2e][sandbox]") {
  const auto send = [&](const std::string& key, const std::string& body) {
    return http_call(port, "POST", "/v1/messages", body, key.empty() ? std::map<std::string, std::string>{}
                                                                     : std::map<std::string, std::string>{{"Idempotency-Key", key}});
  };
  const std::string confirmation = R"({"to":"ann@example.com","template":"order_confirmation","data":{"order_id":"o1"}})";
  const auto first = send("o1/order_confirmation", confirmation);
  REQUIRE(first.status == 200);
  CHECK(send("o1/order_confirmation", confirmation).body == first.body);  // replayed, not sent again
  CHECK(send("", confirmation).status == 400);
  CHECK(send("o2/x", R"({"template":"order_shipped"})").status == 400);  // no recipient
  REQUIRE(messages().size() == 1);
  CHECK(messages().at(0).at("idempotency_key") == "o1/order_confirmation");
  CHECK(messages().at(0).at("data").at("order_id") == "o1");

  start();
  CHECK(send("o1/order_confirmation", confirmation).body == first.body);
  CHECK(messages().size() == 1);
}
