// docs/openapi.json stays true to the router: the same paths and methods, and the bearer token
// required exactly where the gateway requires it.
#include "actors/gateway.hpp"

#include <boost/json.hpp>
#include <catch2/catch.hpp>

#include <set>
#include <tuple>

using namespace commerce::actors;

TEST_CASE("the OpenAPI document describes exactly the gateway's routes", "[openapi]") {
  const auto doc = boost::json::parse(openapi_document).as_object();
  CHECK(doc.at("openapi").as_string().starts_with("3."));

  std::set<std::tuple<std::string, std::string, bool>> documented, routed;
  for (const auto& [path, item] : doc.at("paths").as_object())
    for (const auto& [method, operation] : item.as_object()) {
      if (method == "parameters") continue;
      std::string upper(method);
      for (auto& c : upper) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
      const auto& op = operation.as_object();
      CHECK(op.contains("responses"));
      documented.emplace(upper, std::string(path), op.contains("security"));
    }
  for (const auto& r : gateway_route_summaries()) routed.emplace(r.method, r.pattern, r.admin);
  CHECK(documented == routed);
}
