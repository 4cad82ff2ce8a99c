// What the operator console and commercectl stand on (API.md, "Operator console and CLI"): the
// audit log of admin changes, the Host check against DNS rebinding, the console's files and
// their security headers, dead letters by filter with bulk actions that act on exactly the set
// their dry run showed, paged entity history and the list of pricing jobs.
#include "e2e/api_fixture.hpp"
#include "e2e/parked_letters.hpp"

#include <regex>

using namespace commerce::test;

namespace {

const std::map<std::string, std::string> ana{{"Authorization", "Bearer ana-token"}};

std::map<std::string, std::string> with(std::map<std::string, std::string> headers,
                                        std::map<std::string, std::string> more) {
  headers.merge(more);
  return headers;
}

boost::json::array audit_items(api_node& n, const std::string& query = "") {
  return json(n.as_admin("GET", "/admin/audit" + query)).at("items").as_array();
}

// One request with the given Host header, on a fresh connection.
http_reply with_host(std::uint16_t port, const std::string& host, const std::string& target) {
  http_connection c(port);
  c.send_raw("GET " + target + " HTTP/1.1\r\nHost: " + host + "\r\nAuthorization: Bearer test-admin-token\r\n\r\n");
  return c.read_reply();
}

}  // namespace

TEST_CASE("the audit log records who changed what, why and when, newest first", "[e2e][operator][audit]") {
  api_node n(std::map<std::string, std::string>{{"COMMERCED_ADMIN_OPERATOR_TOKENS", "ana=ana-token"}});
  REQUIRE(n.call("PUT", "/v1/products/LAMP", R"({"name":"Lamp","price":{"amount":700,"currency":"EUR"}})",
                 with(admin, {{"X-Audit-Reason", "new%20lamp%20for%20the%20caf%C3%A9"}}))
              .status == 201);
  REQUIRE(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":5,"reason":"delivery"})",
                 with(ana, {{"X-Audit-Reason", "restock"}, {"Idempotency-Key", "ana-restock-1"}}))
              .status == 200);
  // A change refused by the domain is recorded with its status; reads and customers' calls are not.
  check_problem(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":-50,"reason":"shrinkage"})",
                       with(ana, {{"X-Audit-Reason", "count"}})),
                409, "insufficient_stock");
  REQUIRE(n.as_admin("GET", "/v1/products/LAMP/events").status == 200);
  n.cart();

  REQUIRE(eventually([&] { return audit_items(n).size() == 3; }));
  const auto items = audit_items(n);
  CHECK(items[0].at("who") == "ana");
  CHECK(items[0].at("status") == 409);
  CHECK(items[1].at("who") == "ana");
  CHECK(items[1].at("method") == "POST");
  CHECK(items[1].at("path") == "/v1/products/LAMP/stock");
  CHECK(items[1].at("reason") == "restock");
  CHECK(items[1].at("idempotency_key") == "ana-restock-1");
  CHECK(items[1].at("request").at("delta") == 5);  // what was asked, for a change that is not customer data
  CHECK(items[1].at("status") == 200);
  CHECK(items[2].at("who") == "admin");
  CHECK(items[2].at("reason") == "new lamp for the café");
  CHECK(items[2].at("status") == 201);
  CHECK(std::string(items[2].at("at").as_string()) <= std::string(items[0].at("at").as_string()));

  // A replayed answer is what the operator saw again: recorded again, with the same key.
  REQUIRE(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":5,"reason":"delivery"})",
                 with(ana, {{"X-Audit-Reason", "restock"}, {"Idempotency-Key", "ana-restock-1"}}))
              .status == 200);
  REQUIRE(eventually([&] { return audit_items(n).size() == 4; }));
  CHECK(json(n.call("GET", "/v1/products/LAMP")).at("inventory").at("on_hand") == 5);

  // Filter, page and one entry.
  CHECK(audit_items(n, "?who=admin").size() == 1);
  const auto first = json(n.as_admin("GET", "/admin/audit?limit=2"));
  REQUIRE(first.at("items").as_array().size() == 2);
  const auto cursor = std::string(first.at("next_cursor").as_string());
  const auto second = json(n.as_admin("GET", "/admin/audit?limit=2&cursor=" + cursor));
  CHECK(second.at("items").as_array().size() == 2);
  CHECK(second.at("next_cursor").is_null());
  const auto id = std::string(items[1].at("id").as_string());
  CHECK(json(n.as_admin("GET", "/admin/audit/" + id)).at("reason") == "restock");
  check_problem(n.as_admin("GET", "/admin/audit/aud_none"), 404, "not_found");

  // A reason that cannot be kept refuses the call before it runs: nothing changes.
  check_problem(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":1,"reason":"delivery"})",
                       with(admin, {{"X-Audit-Reason", std::string(501, 'x')}})),
                422, "validation_failed");
  check_problem(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":1,"reason":"delivery"})",
                       with(admin, {{"X-Audit-Reason", "%FF%FE"}})),
                422, "validation_failed");
  check_problem(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":1,"reason":"delivery"})",
                       with(admin, {{"X-Audit-Reason", "bell%07"}})),
                422, "validation_failed");
  CHECK(json(n.call("GET", "/v1/products/LAMP")).at("inventory").at("on_hand") == 5);
  check_problem(n.call("GET", "/admin/audit", "", {{"Authorization", "Bearer someone-else"}}), 403, "forbidden");
  // A reason is percent-decoded strictly: '+' is a plus sign.
  REQUIRE(n.call("POST", "/v1/products/LAMP/stock", R"({"delta":1,"reason":"delivery"})",
                 with(admin, {{"X-Audit-Reason", "fix+deploy%2B1"}}))
              .status == 200);
  REQUIRE(eventually([&] { return audit_items(n).at(0).at("reason") == "fix+deploy+1"; }));
}

TEST_CASE("the operator's calls refuse a host the node does not answer to", "[e2e][operator][security]") {
  api_node n(std::map<std::string, std::string>{{"COMMERCED_HTTP_ALLOWED_HOSTS", "Shop-Admin.example.com, [fd00::7]"}});
  for (const auto* target : {"/admin/actors", "/console/", "/v1/orders"}) {
    const auto r = with_host(n.node.port(), "attacker.example:8080", target);
    check_problem(r, 421, "unknown_host");
  }
  for (const auto* host : {"localhost", "127.0.0.1:8080", "[::1]:8080", "shop-admin.example.com", "SHOP-ADMIN.example.com:443",
                           "[fd00::7]:8080"})
    CHECK(with_host(n.node.port(), host, "/admin/actors").status == 200);
  // A customer's calls answer to any name: a shop's own domain, a load balancer's.
  CHECK(with_host(n.node.port(), "shop.example.com", "/healthz").status == 200);
  CHECK(with_host(n.node.port(), "shop.example.com", "/v1/products").status == 200);
  http_connection twice(n.node.port());
  twice.send_raw("GET /admin/actors HTTP/1.1\r\nHost: localhost\r\nHost: attacker.example\r\n"
                 "Authorization: Bearer test-admin-token\r\n\r\n");
  CHECK(twice.read_reply().status == 400);
}

TEST_CASE("the console is served from the binary under a policy that allows this origin only", "[e2e][operator][console]") {
  api_node n;
  const auto bare = n.call("GET", "/console");
  CHECK(bare.status == 308);
  CHECK(bare.headers.at("location") == "/console/");

  const auto page = n.call("GET", "/console/");
  REQUIRE(page.status == 200);
  CHECK(page.headers.at("content-type") == "text/html; charset=utf-8");
  const auto& policy = page.headers.at("content-security-policy");
  CHECK(policy.find("script-src 'self'") != std::string::npos);
  CHECK(policy.find("frame-ancestors 'none'") != std::string::npos);
  CHECK(policy.find("unsafe-inline") == std::string::npos);
  CHECK(page.headers.at("x-frame-options") == "DENY");
  CHECK(page.headers.at("referrer-policy") == "no-referrer");
  // No inline script and no inline handler: the policy would block them, and they are where an
  // injected string would run.
  CHECK_FALSE(std::regex_search(page.body, std::regex("<script(?![^>]*\\bsrc=)[^>]*>", std::regex::icase)));
  CHECK_FALSE(std::regex_search(page.body, std::regex("\\son[a-z]+\\s*=", std::regex::icase)));

  // Every script the page loads is served, as JavaScript, under the same policy.
  std::smatch m;
  std::string rest = page.body;
  int scripts = 0;
  while (std::regex_search(rest, m, std::regex("<script[^>]*\\bsrc=\"([^\"]+)\""))) {
    const auto src = m[1].str();
    const auto file = n.call("GET", src.front() == '/' ? src : "/console/" + src);
    INFO(src);
    CHECK(file.status == 200);
    CHECK(file.headers.at("content-type") == "text/javascript; charset=utf-8");
    CHECK(file.headers.count("content-security-policy") == 1);
    ++scripts;
    rest = m.suffix();
  }
  CHECK(scripts >= 1);
  const auto missing = n.call("GET", "/console/js/nothing-here.js");
  check_problem(missing, 404, "not_found");
  CHECK(missing.headers.count("content-security-policy") == 1);
}

TEST_CASE("dead letters are listed and counted by filter, and a bulk action takes exactly the set its dry run showed",
          "[e2e][operator][dead-letters]") {
  parked_letters s;
  s.park({"LAMP-1", "LAMP-2", "LAMP-3"}, 3);
  auto& n = s.n;

  CHECK(json(n.as_admin("GET", "/admin/dead-letters/count?target=subscription/price_sync")).at("count") == 3);
  CHECK(json(n.as_admin("GET", "/admin/dead-letters/count?target=cart")).at("count") == 0);
  CHECK(json(n.as_admin("GET", "/admin/dead-letters?target=subscription&status=pending")).at("items").as_array().size() == 3);
  CHECK(json(n.as_admin("GET", "/admin/dead-letters?status=discarded")).at("items").as_array().empty());
  // A parked delivery is dated when it was parked, not at the epoch.
  CHECK(json(n.as_admin("GET", "/admin/dead-letters")).at("items").at(0).at("first_failed_at").as_string().subview().substr(0, 2) == "20");
  check_problem(n.as_admin("GET", "/admin/dead-letters?status=lost"), 422, "validation_failed");
  const auto page = json(n.as_admin("GET", "/admin/dead-letters?target=subscription&limit=2"));
  REQUIRE(page.at("items").as_array().size() == 2);
  const auto rest = json(n.as_admin("GET", "/admin/dead-letters?target=subscription&limit=2&cursor=" +
                                    std::string(page.at("next_cursor").as_string())));
  CHECK(rest.at("items").as_array().size() == 1);
  CHECK(rest.at("next_cursor").is_null());

  const std::string filter = R"("filter":{"target":"subscription/price_sync"})";
  const auto dry = json(n.as_admin("POST", "/admin/dead-letters/bulk", R"({"action":"discard",)" + filter + "}"));
  CHECK(dry.at("dry_run") == true);
  CHECK(dry.at("count") == 3);
  CHECK(dry.at("sample").as_array().size() == 3);
  const auto through = dry.at("through_id").as_int64();

  // Another operator discards one of them: the set is not the one confirmed, nothing is done.
  const auto first_id = dry.at("sample").at(0).at("id").as_int64();
  REQUIRE(n.as_admin("DELETE", "/admin/dead-letters/" + std::to_string(first_id)).status == 200);
  check_problem(n.as_admin("POST", "/admin/dead-letters/bulk",
                           R"({"action":"discard","dry_run":false,"through_id":)" + std::to_string(through) +
                               R"(,"expected_count":3,)" + filter + "}"),
                409, "filter_changed");
  // And a letter is changed once: a retry or discard of a discarded letter is refused.
  check_problem(n.as_admin("POST", "/admin/dead-letters/" + std::to_string(first_id) + "/retry"), 409, "not_pending");
  check_problem(n.as_admin("DELETE", "/admin/dead-letters/" + std::to_string(first_id)), 409, "not_pending");
  const auto again = json(n.as_admin("POST", "/admin/dead-letters/bulk", R"({"action":"discard",)" + filter + "}"));
  REQUIRE(again.at("count") == 2);
  REQUIRE(again.at("through_id") == through);

  // A letter parked after the dry run is not swept along.
  s.park({"LAMP-4"}, 4);
  check_problem(n.as_admin("POST", "/admin/dead-letters/bulk", R"({"action":"discard","dry_run":false,)" + filter + "}"),
                422, "validation_failed");
  // The count the operator saw no longer holds: nothing is done.
  check_problem(n.as_admin("POST", "/admin/dead-letters/bulk",
                           R"({"action":"discard","dry_run":false,"through_id":)" + std::to_string(through) +
                               R"(,"expected_count":1,)" + filter + "}"),
                409, "filter_changed");
  CHECK(json(n.as_admin("GET", "/admin/dead-letters/count?status=pending")).at("count") == 3);

  const auto done = n.call("POST", "/admin/dead-letters/bulk",
                           R"({"action":"discard","dry_run":false,"through_id":)" + std::to_string(through) +
                               R"(,"expected_count":2,)" + filter + "}",
                           with(admin, {{"X-Audit-Reason", "obsolete%20prices"}, {"Idempotency-Key", "bulk-1"}}));
  REQUIRE(done.status == 200);
  const auto done_body = json(done);
  CHECK(done_body.at("count") == 2);
  for (const auto& r : done_body.at("results").as_array()) CHECK(r.at("outcome") == "discarded");
  CHECK(json(n.as_admin("GET", "/admin/dead-letters/count?status=discarded")).at("count") == 3);
  // Two operators confirming the same set: the second finds it taken.
  check_problem(n.as_admin("POST", "/admin/dead-letters/bulk",
                           R"({"action":"retry","dry_run":false,"through_id":)" + std::to_string(through) +
                               R"(,"expected_count":2,)" + filter + "}"),
                409, "filter_changed");
  const auto left = json(n.as_admin("GET", "/admin/dead-letters?status=pending")).at("items").as_array();
  REQUIRE(left.size() == 1);
  CHECK(left[0].at("id").as_int64() > through);

  // Retry the rest once the platform takes the SKU again.
  s.heal();
  const auto retry_dry = json(n.as_admin("POST", "/admin/dead-letters/bulk", R"({"action":"retry"})"));
  REQUIRE(retry_dry.at("count") == 1);
  const auto retried = json(n.as_admin("POST", "/admin/dead-letters/bulk",
                                       R"({"action":"retry","dry_run":false,"expected_count":1,"through_id":)" +
                                           std::to_string(retry_dry.at("through_id").as_int64()) + "}"));
  CHECK(retried.at("results").at(0).at("outcome") == "accepted");
  CHECK(json(n.as_admin("GET", "/admin/dead-letters/count?status=pending")).at("count") == 0);

  REQUIRE(eventually([&] {
    for (const auto& e : audit_items(n))
      if (e.at("path") == "/admin/dead-letters/bulk" && e.at("reason") == "obsolete prices") return true;
    return false;
  }));
}

TEST_CASE("an entity's history is read a page at a time", "[e2e][operator]") {
  api_node n;
  n.product("MUG", 0);
  for (int i = 0; i < 4; ++i)
    REQUIRE(n.as_admin("POST", "/v1/products/MUG/stock", R"({"delta":1,"reason":"delivery"})").status == 200);
  const auto page = json(n.as_admin("GET", "/v1/products/MUG/events?from=3&limit=2")).as_array();
  REQUIRE(page.size() == 2);
  CHECK(page[0].at("version") == 3);
  CHECK(page[1].at("version") == 4);
  CHECK(json(n.as_admin("GET", "/v1/products/MUG/events?from=4&limit=200")).as_array().size() == 2);
  check_problem(n.as_admin("GET", "/v1/products/MUG/events?limit=0"), 422, "validation_failed");
}

TEST_CASE("pricing jobs are listed without their results", "[e2e][operator][pricing]") {
  api_node n;
  n.product("MUG", 1);
  const auto created = n.as_admin("POST", "/v1/pricing-jobs",
                                  R"({"name":"Winter","skus":["MUG"],"rule":{"type":"set","price":{"amount":900,"currency":"EUR"}}})");
  REQUIRE(created.status == 202);
  REQUIRE(eventually([&] { return json(n.as_admin("GET", "/v1/pricing-jobs")).at("items").as_array().size() == 1; }));
  const auto job = json(n.as_admin("GET", "/v1/pricing-jobs")).at("items").at(0);
  CHECK(job.at("id") == json(created).at("id"));
  CHECK(job.at("name") == "Winter");
  CHECK(job.at("skus") == 1);
  CHECK_FALSE(job.as_object().contains("results"));
  check_problem(n.call("GET", "/v1/pricing-jobs"), 401, "unauthorized");
}
