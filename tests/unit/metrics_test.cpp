#include "common/metrics.hpp"

#include <catch2/catch.hpp>

using namespace commerce::metrics;

TEST_CASE("the registry renders counters, gauges and cumulative histograms in Prometheus text", "[metrics]") {
  registry r;
  r.get_counter("requests_total", "Requests", {{"route", "/v1/carts"}, {"status", "201"}}).add(3);
  r.get_counter("requests_total", "ignored: the first help stays", {{"route", "/v1/carts"}, {"status", "201"}}).add();
  r.get_gauge("queue", "Waiting", {{"actor", "say \"hi\"\\"}}).set(7);
  auto& h = r.get_histogram("latency", "Seconds", {}, {0.1, 1});
  h.observe(0.05);
  h.observe(0.1);  // on a bound: counted in that bucket (le is inclusive)
  h.observe(5);

  CHECK(r.render() ==
        "# HELP latency Seconds\n# TYPE latency histogram\n"
        "latency_bucket{le=\"0.1\"} 2\nlatency_bucket{le=\"1\"} 2\nlatency_bucket{le=\"+Inf\"} 3\n"
        "latency_sum 5.15\nlatency_count 3\n"
        "# HELP queue Waiting\n# TYPE queue gauge\nqueue{actor=\"say \\\"hi\\\"\\\\\"} 7\n"
        "# HELP requests_total Requests\n# TYPE requests_total counter\n"
        "requests_total{route=\"/v1/carts\",status=\"201\"} 4\n");
}

TEST_CASE("a metric name has one type", "[metrics]") {
  registry r;
  r.get_counter("things", "Things");
  CHECK_THROWS_AS(r.get_gauge("things", "Things"), std::logic_error);
}
