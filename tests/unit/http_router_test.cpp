#include "api/http_router.hpp"

#include <catch2/catch.hpp>

using namespace commerce::actors;
using router = http_router<int>;

TEST_CASE("routes match by method and pattern and capture parameters", "[router]") {
  router r;
  r.add("GET", "/v1/products/{sku}", 1);
  r.add("PUT", "/v1/products/{sku}", 2);
  r.add("GET", "/healthz", 3);
  r.add("PUT", "/v1/carts/{id}/items/{sku}", 4);

  auto found = r.find("PUT", "/v1/carts/c-1/items/MUG?x=1");
  REQUIRE(found.result == router::outcome::found);
  CHECK(found.matched->handler == 4);
  CHECK(found.params == path_params{{"id", "c-1"}, {"sku", "MUG"}});

  CHECK(r.find("GET", "/healthz").matched->handler == 3);
  CHECK(r.find("GET", "/v1/products/MUG").matched->handler == 1);
}

TEST_CASE("unknown paths are not_found, known paths with another method list what is allowed", "[router]") {
  router r;
  r.add("GET", "/v1/products/{sku}", 1);
  r.add("PUT", "/v1/products/{sku}", 2);
  CHECK(r.find("GET", "/v1/products").result == router::outcome::not_found);
  CHECK(r.find("GET", "/v1/products/").result == router::outcome::not_found);
  CHECK(r.find("GET", "/v1/products/a/b").result == router::outcome::not_found);
  auto wrong = r.find("DELETE", "/v1/products/MUG");
  CHECK(wrong.result == router::outcome::method_not_allowed);
  CHECK(wrong.allowed == "GET, PUT");
}

TEST_CASE("query parameters are found by name and percent-decoded", "[router]") {
  const std::string target = "/v1/products?category=home%20%26%20garden&limit=20&q=a+b&empty=&bad=100%";
  CHECK(query_param(target, "category") == "home & garden");
  CHECK(query_param(target, "limit") == "20");
  CHECK(query_param(target, "q") == "a b");
  CHECK(query_param(target, "empty").empty());
  CHECK(query_param(target, "bad") == "100%");  // a stray % is kept, not an error
  CHECK(query_param(target, "missing").empty());
  CHECK(query_param("/v1/products", "limit").empty());
}

TEST_CASE("integers in paths and queries are whole decimal numbers or nothing", "[router]") {
  CHECK(parse_integer("42") == 42);
  CHECK(parse_integer("-7") == -7);
  CHECK_FALSE(parse_integer(""));
  CHECK_FALSE(parse_integer("4x"));
  CHECK_FALSE(parse_integer("99999999999999999999"));
}
