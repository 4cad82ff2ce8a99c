#include "supervision/backoff.hpp"

#include <catch2/catch.hpp>

using namespace commerce::supervision;
using std::chrono::milliseconds;

TEST_CASE("backoff doubles from min, is capped at max, and jitter only adds", "[backoff]") {
  const backoff_policy p{milliseconds(100), milliseconds(1000), 2.0, 0.5, milliseconds(60'000)};
  CHECK(backoff_delay(p, 0, 0.0) == milliseconds(100));
  CHECK(backoff_delay(p, 1, 0.0) == milliseconds(200));
  CHECK(backoff_delay(p, 3, 0.0) == milliseconds(800));
  CHECK(backoff_delay(p, 4, 0.0) == milliseconds(1000));
  CHECK(backoff_delay(p, 1000, 0.0) == milliseconds(1000));
  CHECK(backoff_delay(p, 1, 0.5) == milliseconds(250));
  CHECK(backoff_delay(p, 3, 1.0) == milliseconds(1000));  // jitter never exceeds max
}
