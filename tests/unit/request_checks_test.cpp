// The gateway's edge as plain code: media types, the headers kept in metadata, JSON strings
// PostgreSQL could not keep, metric labels; and the secrets helpers (common/secure.hpp).
#include "api/api_json.hpp"
#include "api/request_checks.hpp"
#include "common/secure.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <set>
#include <sys/stat.h>
#include <unistd.h>

using namespace commerce;
using namespace commerce::actors;

namespace {

http_request post(std::string body, std::vector<std::pair<std::string, std::string>> headers = {}) {
  return {"POST", "/v1/carts", std::move(headers), std::move(body)};
}

std::string field_of(const http_response& r) {
  return std::string(boost::json::parse(r.body).at("field").as_string());
}

std::string code_of(const http_response& r) { return std::string(boost::json::parse(r.body).at("code").as_string()); }

}  // namespace

TEST_CASE("JSON media types, with parameters and in any case", "[edge]") {
  CHECK(is_json_media_type("application/json"));
  CHECK(is_json_media_type("application/json; charset=utf-8"));
  CHECK(is_json_media_type(" Application/JSON ;charset=UTF-8"));
  CHECK(is_json_media_type("application/merge-patch+json"));
  CHECK_FALSE(is_json_media_type(""));
  CHECK_FALSE(is_json_media_type("text/plain"));
  CHECK_FALSE(is_json_media_type("text/json"));
  CHECK_FALSE(is_json_media_type("application/x-www-form-urlencoded"));
  CHECK_FALSE(is_json_media_type("application/jsonx"));
  CHECK_FALSE(is_json_media_type("application/+json"));
}

TEST_CASE("a body that is not declared JSON is 415, no body and no type passes", "[edge]") {
  CHECK_FALSE(refuse_media_type(post("")));
  CHECK_FALSE(refuse_media_type(post("{}", {{"content-type", "application/json"}})));
  for (const auto& refused : {refuse_media_type(post("{}")), refuse_media_type(post("{}", {{"content-type", "text/plain"}})),
                              refuse_media_type(post("a=1", {{"content-type", "application/x-www-form-urlencoded"}})),
                              refuse_media_type(post("", {{"content-type", "text/plain"}}))}) {
    REQUIRE(refused);
    CHECK(refused->status == 415);
    CHECK(refused->content_type == "application/problem+json");
    CHECK(code_of(*refused) == "unsupported_media_type");
  }
}

TEST_CASE("Idempotency-Key and X-Request-Id are printable ASCII, at most 255 bytes, once", "[edge]") {
  CHECK_FALSE(refuse_bad_metadata_headers(post("", {{"idempotency-key", "order-42 (retry)"}, {"x-request-id", "r~1"}})));
  CHECK_FALSE(refuse_bad_metadata_headers(post("", {{"idempotency-key", ""}})));  // empty: as if absent
  CHECK_FALSE(refuse_bad_metadata_headers(post("", {{"idempotency-key", std::string(255, 'k')}})));
  const std::vector<std::pair<std::string, std::string>> bad{
      {"idempotency-key", std::string("a\0b", 3)}, {"idempotency-key", "caf\xc3\xa9"}, {"idempotency-key", "tab\there"},
      {"x-request-id", "\x7f"}, {"x-request-id", "\xff"}, {"x-request-id", std::string(256, 'r')}};
  for (const auto& [name, value] : bad) {
    INFO(name << ": " << value);
    const auto refused = refuse_bad_metadata_headers(post("", {{name, value}}));
    REQUIRE(refused);
    CHECK(refused->status == 422);
    CHECK(code_of(*refused) == "validation_failed");
    CHECK(field_of(*refused) == (name == "x-request-id" ? "X-Request-Id" : "Idempotency-Key"));
  }
  const auto twice = refuse_bad_metadata_headers(post("", {{"x-request-id", "a"}, {"x-request-id", "b"}}));
  REQUIRE(twice);
  CHECK(field_of(*twice) == "X-Request-Id");
}

TEST_CASE("printable ASCII, with or without spaces", "[edge]") {
  CHECK(printable_ascii("cart_0f~!"));
  CHECK(printable_ascii("a b"));
  CHECK_FALSE(printable_ascii("a b", false));
  CHECK_FALSE(printable_ascii("caf\xc3\xa9"));
  CHECK_FALSE(printable_ascii(std::string("a\0", 2)));
  CHECK_FALSE(printable_ascii("\x7f"));
}

TEST_CASE("UTF-8 is checked strictly", "[edge]") {
  CHECK(valid_utf8(""));
  CHECK(valid_utf8("plain ASCII"));
  CHECK(valid_utf8("Zo\xc3\xab \xe2\x82\xac \xf0\x9f\x98\x80"));  // ë € 😀
  CHECK_FALSE(valid_utf8("\x80"));                  // a lone continuation byte
  CHECK_FALSE(valid_utf8("ren\xe9"));               // Latin-1
  CHECK_FALSE(valid_utf8("\xc0\xaf"));              // overlong '/'
  CHECK_FALSE(valid_utf8("\xe0\x80\xaf"));          // overlong
  CHECK_FALSE(valid_utf8("\xed\xa0\x80"));          // a UTF-16 surrogate
  CHECK_FALSE(valid_utf8("\xf4\x90\x80\x80"));      // past U+10FFFF
  CHECK_FALSE(valid_utf8("\xe2\x82"));              // cut short
}

TEST_CASE("JSON strings PostgreSQL cannot keep are refused, naming the field", "[edge]") {
  CHECK_FALSE(refuse_bad_json(R"({"a":"text","b":[1,"two",{"c":null}],"zoë":"\u00e9\ud83d\ude00"})"));
  CHECK_FALSE(refuse_bad_json(R"({"escaped":"\\u0000"})"));  // a backslash, then "u0000": only text

  const std::vector<std::pair<std::string, std::string>> cases{
      {R"({"email":"ann\u0000@example.com"})", "email"},
      {R"({"shipping_address":{"city":"Ber\u0000lin"}})", "shipping_address.city"},
      {R"({"shipping_address":{"lines":["1 Main St","\u0000"]}})", "shipping_address.lines[1]"},
      {R"({"a\u0000b":1})", "a\\u0000b"},
      {R"(["\u0000"])", "[0]"},
      {R"("\u0000")", "body"},
      {"{\"name\":\"ren\xe9\"}", "name"},  // raw Latin-1, if the parser lets it through
  };
  for (const auto& [body, field] : cases) {
    INFO(body);
    const auto refused = refuse_bad_json(body);
    REQUIRE(refused);
    CHECK(refused->content_type == "application/problem+json");
    if (refused->status == 400) {  // the parser itself refuses ill-formed UTF-8
      CHECK(code_of(*refused) == "invalid_json");
      continue;
    }
    CHECK(refused->status == 422);
    CHECK(code_of(*refused) == "validation_failed");
    CHECK(field_of(*refused) == field);
  }
  const auto unpaired = refuse_bad_json(R"({"s":"\ud800"})");  // a lone surrogate escape
  if (unpaired) CHECK((unpaired->status == 400 || unpaired->status == 422));

  const auto broken = refuse_bad_json("{not json");
  REQUIRE(broken);
  CHECK(broken->status == 400);
  CHECK(code_of(*broken) == "invalid_json");
}

TEST_CASE("body_reader refuses U+0000 too, before any field is read", "[edge]") {
  body_reader body(R"({"currency":"EUR","email":"a\u0000@b.c"})", {"currency", "email"});
  CHECK(body.text("currency", 3) == "");
  REQUIRE(body.error());
  CHECK(body.error()->status == 422);
  CHECK(field_of(*body.error()) == "email");
}

TEST_CASE("metric method labels come from a fixed set", "[edge][metrics]") {
  for (const auto* m : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) CHECK(method_label(m) == m);
  CHECK(method_label("get") == "other");
  CHECK(method_label("PROPFIND") == "other");
  CHECK(method_label(std::string(16 * 1024, 'X')) == "other");
}

TEST_CASE("random ids: hex from the CSPRNG, never repeating", "[secure]") {
  const auto id = secure::random_hex(16);
  CHECK(id.size() == 32);
  CHECK(id.find_first_not_of("0123456789abcdef") == std::string::npos);
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) seen.insert(secure::random_hex(16));
  CHECK(seen.size() == 1000);
  CHECK(secure::random_hex(0).empty());
}

TEST_CASE("secrets compare by digest, whatever their lengths", "[secure]") {
  CHECK(secure::same_secret("test-admin-token", "test-admin-token"));
  CHECK_FALSE(secure::same_secret("test-admin-token", "test-admin-tokeN"));
  CHECK_FALSE(secure::same_secret("test-admin-token", "test-admin-token "));
  CHECK_FALSE(secure::same_secret("test-admin-token", ""));
  CHECK_FALSE(secure::same_secret("", "x"));
  CHECK(secure::same_secret("", ""));
  CHECK_FALSE(secure::same_secret(std::string("a\0b", 3), "a"));
}

TEST_CASE("a private file is created 0600 and replaces what was there", "[secure]") {
  char dir_template[] = "/tmp/commerce-secure-XXXXXX";
  REQUIRE(::mkdtemp(dir_template));
  const std::string dir = dir_template;
  const auto path = dir + "/var/admin_token";  // the var directory is created too
  const auto mode_of = [](const std::string& p) {
    struct stat st{};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode;
  };
  const auto read = [](const std::string& p) {
    std::ifstream in(p);
    return std::string(std::istreambuf_iterator<char>(in), {});
  };

  const auto old_umask = ::umask(0);  // even a permissive umask gives no one else access
  secure::write_private_file(path, "first\n");
  ::umask(old_umask);
  CHECK((mode_of(path) & 0777) == 0600);
  CHECK((mode_of(dir + "/var") & 0777) == 0700);
  CHECK(read(path) == "first\n");

  REQUIRE(::chmod(path.c_str(), 0644) == 0);
  secure::write_private_file(path, "second\n");
  CHECK((mode_of(path) & 0777) == 0600);
  CHECK(read(path) == "second\n");

  // A link planted at the path is replaced, not written through.
  const auto target = dir + "/elsewhere";
  std::ofstream(target) << "untouched";
  std::remove(path.c_str());
  REQUIRE(::symlink(target.c_str(), path.c_str()) == 0);
  secure::write_private_file(path, "third\n");
  CHECK(S_ISREG(mode_of(path)));
  CHECK(read(target) == "untouched");
  CHECK(read(path) == "third\n");

  CHECK_THROWS_WITH(secure::write_private_file(dir + "/no/such/dir/token", "x"), Catch::Contains("no/such/dir"));

  std::remove(path.c_str());
  std::remove(target.c_str());
  ::rmdir((dir + "/var").c_str());
  ::rmdir(dir.c_str());
}

TEST_CASE("every domain rejection code has its HTTP status in the one table", "[api]") {
  for (const auto code : domain::codes::all) {
    INFO(code);
    const auto* known = status_of_rejection(code);
    REQUIRE(known);
    CHECK((known->status == 404 || known->status == 409 || known->status == 422));
    CHECK(rejection_response({std::string(code), "why", {}}).status == known->status);
  }
  CHECK(status_of_rejection(domain::codes::insufficient_stock)->status == 409);
  CHECK(status_of_rejection(domain::codes::refund_exceeds_paid)->status == 422);
  // A code outside the table is a bug of ours, not the client's.
  CHECK(rejection_response({"made_up", "why", {}}).status == 500);
}
