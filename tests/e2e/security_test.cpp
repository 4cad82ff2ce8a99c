// The gateway's edge (issue 14): who may call what, ids nobody can guess, the generated admin
// token kept out of the log, what every answer says about its type, bodies and headers checked
// before anything keeps them, and metric labels a client cannot multiply.
#include "e2e/api_fixture.hpp"

#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>
#include <sys/stat.h>
#include <unistd.h>

using namespace commerce::test;

namespace {

const std::string eur_cart = R"({"currency":"EUR"})";

std::size_t count_of(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE_METHOD(api, "every order call but reading one order needs the admin token", "[e2e][security][orders]") {
  const std::vector<std::pair<std::string, std::string>> admin_only{
      {"GET", "/v1/orders"},
      {"GET", "/v1/orders?customer_id=alice"},
      {"POST", "/v1/orders/ord_x_1/fulfil"},
      {"POST", "/v1/orders/ord_x_1/ship"},
      {"POST", "/v1/orders/ord_x_1/deliver"},
      {"POST", "/v1/orders/ord_x_1/cancel"},
      {"POST", "/v1/orders/ord_x_1/refund"}};
  for (const auto& [method, target] : admin_only) {
    INFO(method << " " << target);
    const auto none = call(method, target);
    check_problem(none, 401, "unauthorized");
    CHECK(none.headers.count("www-authenticate") == 1);
    check_problem(call(method, target, "", {{"Authorization", "Bearer wrong"}}), 403, "forbidden");
    // A wrong token of the right length, and one much longer, are refused alike.
    check_problem(call(method, target, "", {{"Authorization", "Bearer test-admin-tokex"}}), 403, "forbidden");
    check_problem(call(method, target, "", {{"Authorization", "Bearer " + std::string(300, 't')}}), 403, "forbidden");
    CHECK(call(method, target, "", admin).status != 401);
  }
  CHECK(as_admin("GET", "/v1/orders").status == 200);
  // The customer's own call stays open: an unknown order is 404, not 401.
  check_problem(call("GET", "/v1/orders/ord_x_1"), 404, "not_found");
}

TEST_CASE_METHOD(api, "cart ids carry 128 random bits", "[e2e][security][ids]") {
  const std::regex shape("cart_[0-9a-f]{32}");
  std::set<std::string> ids;
  for (int i = 0; i < 20; ++i) {
    const auto r = call("POST", "/v1/carts", eur_cart);
    REQUIRE(r.status == 201);
    const std::string id(json(r).at("id").as_string());
    CHECK(std::regex_match(id, shape));
    ids.insert(id);
  }
  CHECK(ids.size() == 20);
}

TEST_CASE("a generated admin token goes to a private file, never to the log", "[e2e][security][token]") {
  scratch_database db;
  char dir_template[] = "/tmp/commerced-token-XXXXXX";
  REQUIRE(::mkdtemp(dir_template) != nullptr);
  const std::string dir = dir_template;
  const std::string file = dir + "/var/admin_token";  // the var directory does not exist yet
  {
    node_process node({{"COMMERCED_POSTGRES_DATABASE", db.name()},
                       {"COMMERCED_ADMIN_TOKEN", ""},
                       {"COMMERCED_ADMIN_TOKEN_FILE", file}});
    struct stat st{};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
    std::ifstream in(file);
    std::string token;
    std::getline(in, token);
    CHECK(std::regex_match(token, std::regex("[0-9a-f]{32}")));

    CHECK(node.log().find(file) != std::string::npos);  // the log says where to look
    CHECK(node.log().find(token) == std::string::npos);
    CHECK(http_call(node.port(), "GET", "/admin/actors", "", {{"Authorization", "Bearer " + token}}).status == 200);
    CHECK(http_call(node.port(), "GET", "/admin/actors", "", {{"Authorization", "Bearer test-admin-token"}}).status == 403);
    CHECK(node.stop() == 0);
    CHECK(node.log().find(token) == std::string::npos);
  }
  // A file left with a wider mode is replaced by a private one, not written through.
  REQUIRE(::chmod(file.c_str(), 0644) == 0);
  {
    node_process node({{"COMMERCED_POSTGRES_DATABASE", db.name()},
                       {"COMMERCED_ADMIN_TOKEN", ""},
                       {"COMMERCED_ADMIN_TOKEN_FILE", file}});
    struct stat st{};
    REQUIRE(::stat(file.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0600);
  }
  std::remove(file.c_str());
  ::rmdir((dir + "/var").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE_METHOD(api, "every answer says nosniff", "[e2e][security][headers]") {
  CHECK(call("GET", "/healthz").headers.at("x-content-type-options") == "nosniff");
  CHECK(call("GET", "/metrics").headers.at("x-content-type-options") == "nosniff");
  CHECK(call("GET", "/no/such/route").headers.at("x-content-type-options") == "nosniff");
  CHECK(call("GET", "/admin/actors").headers.at("x-content-type-options") == "nosniff");  // 401
  CHECK(call("POST", "/v1/carts", "{oops").headers.at("x-content-type-options") == "nosniff");
  http_connection garbage(node.port());
  garbage.send_raw("NOT HTTP AT ALL\r\n\r\n");
  const auto bad = garbage.read_reply();
  CHECK(bad.status == 400);
  CHECK(bad.headers.at("x-content-type-options") == "nosniff");
}

TEST_CASE_METHOD(api, "a body that is not application/json is 415, a bodiless POST needs no type", "[e2e][security][media]") {
  for (const std::string type : {"text/plain", "application/x-www-form-urlencoded", "multipart/form-data; boundary=x"}) {
    INFO(type);
    const auto r = call("POST", "/v1/carts", eur_cart, {{"Content-Type", type}});
    check_problem(r, 415, "unsupported_media_type");
    CHECK(r.headers.at("x-content-type-options") == "nosniff");
  }
  check_problem(call("POST", "/v1/carts", eur_cart, {{"Content-Type", ""}}), 415, "unsupported_media_type");
  check_problem(call("PUT", "/v1/products/MUG", R"({"name":"Mug","price":{"amount":1,"currency":"EUR"}})",
                     {{"Content-Type", "text/plain"}, {"Authorization", "Bearer test-admin-token"}}),
                415, "unsupported_media_type");
  CHECK(call("POST", "/v1/carts", eur_cart, {{"Content-Type", "application/json; charset=utf-8"}}).status == 201);
  CHECK(call("POST", "/v1/carts", eur_cart, {{"Content-Type", "Application/JSON"}}).status == 201);

  // POST with no body and no Content-Type (curl -X POST): the media type is not in the way.
  auto headers = admin;
  headers["Content-Type"] = "";
  check_problem(call("POST", "/v1/orders/ord_nope_1/fulfil", "", headers), 404, "not_found");
  CHECK(call("POST", "/admin/dead-letters/999/retry", "", headers).status != 415);
  // A declared type that is not JSON is refused even without a body.
  headers["Content-Type"] = "text/plain";
  check_problem(call("POST", "/v1/orders/ord_nope_1/fulfil", "", headers), 415, "unsupported_media_type");
}

TEST_CASE_METHOD(api, "U+0000 and ill-formed UTF-8 are refused at the edge, naming the field", "[e2e][security][strings]") {
  auto nul = call("POST", "/v1/carts", R"({"currency":"EUR","email":"ann\u0000@example.com"})");
  check_problem(nul, 422, "validation_failed");
  CHECK(json(nul).at("field") == "email");
  auto in_key = call("POST", "/v1/carts", R"({"currency":"EUR","e\u0000":"x"})");
  check_problem(in_key, 422, "validation_failed");

  product("MUG", 5);
  const auto cart = this->cart();
  REQUIRE(call("PUT", "/v1/carts/" + cart + "/items/MUG", R"({"quantity":1})").status == 200);
  auto nested = call("POST", "/v1/carts/" + cart + "/checkout",
                     R"({"email":"ann@example.com","shipping_address":{"lines":["1 Main St","\u0000"],"city":"Berlin"},)"
                     R"("payment":{"token":"tok_ok"}})");
  check_problem(nested, 422, "validation_failed");
  CHECK(json(nested).at("field") == "shipping_address.lines[1]");
  CHECK(json(call("GET", "/v1/carts/" + cart)).at("status") == "open");  // nothing started

  // Raw bytes that are not UTF-8 (Latin-1 "é", a lone continuation byte).
  for (const std::string& body : {std::string("{\"currency\":\"EUR\",\"email\":\"ren\xe9@example.com\"}"),
                                 std::string("{\"currency\":\"EUR\",\"customer_id\":\"\x80\"}")}) {
    const auto r = call("POST", "/v1/carts", body);
    INFO(r.body);
    CHECK((r.status == 400 || r.status == 422));
    CHECK(r.headers.at("content-type") == "application/problem+json");
  }
  // Escaped, it is only text: a backslash and "u0000".
  CHECK(call("POST", "/v1/carts", R"({"currency":"EUR","customer_id":"\\u0000"})").status == 201);
  CHECK(call("POST", "/v1/carts", R"({"currency":"EUR","customer_id":"Zoë"})").status == 201);

  // The headers kept in the journal's metadata and the idempotency store: printable ASCII only.
  auto key = call("POST", "/v1/carts", eur_cart, {{"Idempotency-Key", "caf\xc3\xa9"}});
  check_problem(key, 422, "validation_failed");
  CHECK(json(key).at("field") == "Idempotency-Key");
  auto request_id = call("POST", "/v1/carts", eur_cart, {{"X-Request-Id", "req\t1"}});
  check_problem(request_id, 422, "validation_failed");
  CHECK(json(request_id).at("field") == "X-Request-Id");
  auto long_id = call("POST", "/v1/carts", eur_cart, {{"X-Request-Id", std::string(300, 'r')}});
  check_problem(long_id, 422, "validation_failed");
  CHECK(call("POST", "/v1/carts", eur_cart, {{"X-Request-Id", "req-1 (retry 2)"}, {"Idempotency-Key", "k-ok"}}).status == 201);

  // Nothing reached the journal: it still takes writes, and the product saw one reservation.
  CHECK(call("POST", "/v1/carts", eur_cart).status == 201);
  CHECK(inventory("MUG").at("reserved") == 1);
}

TEST_CASE_METHOD(api, "ids in the path that are not printable ASCII name nothing", "[e2e][security][strings]") {
  for (const std::string id : {std::string("cart_\xff\xfe"), std::string("ord_caf\xc3\xa9_1")}) {
    http_connection raw(node.port());
    raw.send_raw("GET /v1/carts/" + id + " HTTP/1.1\r\nHost: x\r\n\r\n");
    const auto r = raw.read_reply();
    INFO(r.body);
    CHECK((r.status == 404 || r.status == 400));  // Beast may refuse the bytes itself
    CHECK(r.headers.at("content-type") == "application/problem+json");
  }
  CHECK(call("POST", "/v1/carts", eur_cart).status == 201);
}

TEST_CASE_METHOD(api, "unknown methods and paths fold into fixed metric labels", "[e2e][security][metrics]") {
  const auto series = [&] {
    const auto text = call("GET", "/metrics").body;
    return count_of(text, "\ncommerce_http_requests_total{");
  };
  call("GET", "/metrics");
  call("GET", "/healthz");
  call("GET", "/nope/1");
  call("FOOBAR", "/healthz");
  call("BAZQUX", "/nope/2");
  const auto before = series();
  for (int i = 0; i < 5; ++i) {
    call("M" + std::to_string(i) + "X", "/healthz");
    call("GET", "/nope/" + std::to_string(i) + "/deeper");
  }
  call(std::string(10 * 1024, 'Q'), "/healthz");  // a 10 KiB method token
  const auto text = call("GET", "/metrics").body;
  CHECK(series() == before);
  CHECK(text.find("FOOBAR") == std::string::npos);
  CHECK(text.find("QQQQ") == std::string::npos);
  CHECK(text.find("/nope") == std::string::npos);
  CHECK(text.find(R"(method="other")") != std::string::npos);
  CHECK(text.find(R"(route="unmatched")") != std::string::npos);
}
