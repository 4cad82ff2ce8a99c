// Pricing jobs over sockets (API.md, Pricing jobs and campaigns): 23 SKUs in 5 batches with a
// result per SKU and an audit entry per change, a dry run that changes nothing, a category
// resolved at creation, refusals, and a node killed with -9 in the middle of a job: once it is
// back, every SKU has been processed exactly once.
#include "e2e/api_fixture.hpp"

#include <chrono>
#include <optional>
#include <set>
#include <thread>

using namespace commerce::test;
using namespace std::chrono_literals;

namespace {

const std::string ten_percent_off = R"({"type":"percent","percent":-10})";

void products(http_connection& c, int n, const std::string& category = "") {
  for (int i = 1; i <= n; ++i)
    REQUIRE(c.request("PUT", "/v1/products/P" + std::to_string(i),
                      R"({"name":"P","price":{"amount":1000,"currency":"EUR"})" +
                          (category.empty() ? "" : R"(,"category":")" + category + "\"") + "}",
                      admin)
                .status == 201);
}

std::string sku_list(int n) {
  std::string out = "[";
  for (int i = 1; i <= n; ++i) out += (i > 1 ? ",\"P" : "\"P") + std::to_string(i) + "\"";
  return out + "]";
}

// The job once it is no longer queued or running (or after 20 s).
boost::json::value finished(http_connection& c, const std::string& id) {
  boost::json::value job;
  for (int i = 0; i < 400; ++i) {
    job = json(c.request("GET", "/v1/pricing-jobs/" + id, "", admin));
    if (job.at("status") != "queued" && job.at("status") != "running") break;
    std::this_thread::sleep_for(50ms);
  }
  return job;
}

int price_changes(http_connection& c, const std::string& sku, const std::string& job) {
  const auto history = json(c.request("GET", "/v1/products/" + sku + "/events", "", admin));
  int n = 0;
  for (const auto& e : history.as_array())
    n += e.at("type") == "PriceChanged" && e.at("data").at("reference") == job.c_str() && e.at("data").at("cause") == "job";
  return n;
}

}  // namespace

TEST_CASE("a pricing job over 23 SKUs runs in 5 batches with a result and an audit entry per SKU", "[e2e][pricing]") {
  api n;
  products(n.c, 23);
  const auto created = n.as_admin("POST", "/v1/pricing-jobs",
                                  R"({"name":"Winter","skus":)" + sku_list(23) + R"(,"rule":{"type":"percent","percent":-10,"round_to":99}})");
  INFO(created.body);
  REQUIRE(created.status == 202);
  CHECK(json(created).at("status") == "queued");
  const auto id = std::string(json(created).at("id").as_string());
  const auto job = finished(n.c, id);
  INFO(boost::json::serialize(job));
  CHECK(job.at("status") == "completed");
  CHECK(job.at("progress").at("done") == 23);
  CHECK(job.at("progress").at("total") == 23);
  REQUIRE(job.at("results").as_array().size() == 23);
  for (const auto& r : job.at("results").as_array()) {
    CHECK(r.at("status") == "updated");
    CHECK(r.at("old_price").at("amount") == 1000);
    CHECK(r.at("new_price").at("amount") == 899);  // 900, then the nearest .99
  }
  CHECK(json(n.call("GET", "/v1/products/P7")).at("price").at("amount") == 899);
  CHECK(price_changes(n.c, "P7", id) == 1);
  CHECK(metric(n.call("GET", "/metrics").body, "commerce_pricing_job_batches_total") == 5);
  CHECK(metric(n.call("GET", "/metrics").body, R"(commerce_price_changes_total{cause="job"})") == 23);

  // The audit, paginated: every change once.
  std::set<std::string> audited;
  std::string cursor;
  for (int page = 0; page < 10; ++page) {
    const auto a = json(n.as_admin("GET", "/v1/pricing-jobs/" + id + "/audit?limit=10" + (cursor.empty() ? "" : "&cursor=" + cursor)));
    for (const auto& e : a.at("items").as_array()) {
      CHECK(e.at("reason") == "job");
      CHECK(e.at("source") == id.c_str());
      CHECK(audited.insert(std::string(e.at("sku").as_string())).second);
    }
    if (a.at("next_cursor").is_null()) break;
    cursor = std::string(a.at("next_cursor").as_string());
  }
  CHECK(audited.size() == 23);
}

TEST_CASE("a dry run changes nothing; a category is resolved; bad jobs are refused", "[e2e][pricing]") {
  api n;
  products(n.c, 3, "mugs");
  REQUIRE(n.as_admin("PUT", "/v1/products/OTHER", R"({"name":"O","price":{"amount":500,"currency":"USD"}})").status == 201);
  // A category is resolved from the catalog's read model, which follows the journal closely.
  for (int i = 0; i < 100 && json(n.call("GET", "/v1/products?category=mugs")).at("items").as_array().size() < 3; ++i)
    std::this_thread::sleep_for(20ms);
  const auto dry = n.as_admin("POST", "/v1/pricing-jobs",
                              R"({"name":"Try","category":"mugs","rule":{"type":"set","price":{"amount":1500,"currency":"EUR"}},"dry_run":true})");
  REQUIRE(dry.status == 202);
  const auto job = finished(n.c, std::string(json(dry).at("id").as_string()));
  CHECK(job.at("status") == "completed");
  CHECK(job.at("dry_run") == true);
  REQUIRE(job.at("results").as_array().size() == 3);
  CHECK(job.at("results").at(0).at("new_price").at("amount") == 1500);
  CHECK(json(n.call("GET", "/v1/products/P1")).at("price").at("amount") == 1000);  // unchanged

  // A SKU in another currency fails alone; an unknown one too.
  const auto mixed = n.as_admin("POST", "/v1/pricing-jobs",
                                R"({"name":"Mixed","skus":["P1","OTHER","NOPE"],"rule":{"type":"set","price":{"amount":1500,"currency":"EUR"}}})");
  const auto mixed_job = finished(n.c, std::string(json(mixed).at("id").as_string()));
  CHECK(mixed_job.at("status") == "completed_with_errors");
  CHECK(mixed_job.at("results").at(0).at("status") == "updated");
  CHECK(mixed_job.at("results").at(1).at("status") == "failed");
  CHECK(mixed_job.at("results").at(2).at("status") == "failed");

  check_problem(n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"X","skus":["P1"],"rule":{"type":"percent","percent":-100}})"),
                422, "validation_failed");
  check_problem(n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"X","skus":["P1"],"rule":{"type":"bogus"}})"), 422,
                "validation_failed");
  check_problem(n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"X","rule":)" + ten_percent_off + "}"), 422,
                "validation_failed");  // neither skus nor category
  check_problem(n.as_admin("POST", "/v1/pricing-jobs", R"({"name":"X","skus":[],"rule":)" + ten_percent_off + "}"), 422,
                "validation_failed");
  check_problem(n.as_admin("GET", "/v1/pricing-jobs/job_nope"), 404, "not_found");
  CHECK(n.call("POST", "/v1/pricing-jobs", R"({"name":"X","skus":["P1"],"rule":)" + ten_percent_off + "}").status == 401);
}

TEST_CASE("a node killed with -9 in the middle of a pricing job finishes it, each SKU processed once", "[e2e][pricing][crash]") {
  scratch_database db;
  const std::map<std::string, std::string> env{{"COMMERCED_POSTGRES_DATABASE", db.name()},
                                               {"COMMERCED_PAYMENT_URL", "http://127.0.0.1:9"},
                                               {"COMMERCED_MESSAGING_URL", "http://127.0.0.1:9"}};
  std::optional<node_process> node;
  node.emplace(env);
  constexpr int skus = 400;
  std::string id;
  {
    http_connection c(node->port());
    products(c, skus);
    const auto created = c.request("POST", "/v1/pricing-jobs",
                                   R"({"name":"Big","skus":)" + sku_list(skus) + R"(,"rule":)" + ten_percent_off + "}", admin);
    REQUIRE(created.status == 202);
    id = std::string(json(created).at("id").as_string());
    // Killed once some batches are recorded and before all are.
    std::int64_t done = 0;
    for (int i = 0; i < 2000 && done == 0; ++i) {
      done = json(c.request("GET", "/v1/pricing-jobs/" + id, "", admin)).at("progress").at("done").as_int64();
      if (done == 0) std::this_thread::sleep_for(2ms);
    }
    INFO("done before the kill: " << done);
    REQUIRE(done > 0);
    REQUIRE(done < skus);
  }
  node.reset();  // SIGKILL
  node.emplace(env);
  http_connection c(node->port());
  const auto job = finished(c, id);
  CHECK(job.at("status") == "completed");
  REQUIRE(job.at("results").as_array().size() == static_cast<std::size_t>(skus));
  // The restarted node ran the rest: the kill came in the middle of the job.
  CHECK(metric(c.request("GET", "/metrics").body, "commerce_pricing_job_batches_total") > 0);
  int wrong = 0, twice = 0;
  for (int i = 1; i <= skus; ++i) {
    const auto sku = "P" + std::to_string(i);
    wrong += json(c.request("GET", "/v1/products/" + sku)).at("price").at("amount") != 900;
    if (i % 10 == 0) twice += price_changes(c, sku, id) != 1;
  }
  CHECK(wrong == 0);  // 1000 less 10 %, once
  CHECK(twice == 0);
  for (const auto& r : job.at("results").as_array()) {
    CHECK(r.at("status") == "updated");
    CHECK(r.at("old_price").at("amount") == 1000);
    CHECK(r.at("new_price").at("amount") == 900);
  }
}
