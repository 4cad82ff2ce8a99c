#include "domain/time.hpp"

#include <catch2/catch.hpp>

using namespace commerce::domain;

TEST_CASE("timestamps print as ISO-8601 UTC with milliseconds", "[time]") {
  CHECK(to_iso8601(timestamp{0}) == "1970-01-01T00:00:00.000Z");
  CHECK(to_iso8601(timestamp{951'782'400'000}) == "2000-02-29T00:00:00.000Z");
  CHECK(to_iso8601(timestamp{-1}) == "1969-12-31T23:59:59.999Z");
  CHECK(to_iso8601(timestamp{1'763'740'800'123}) == "2025-11-21T16:00:00.123Z");
}

TEST_CASE("parsing inverts printing and rejects malformed times", "[time]") {
  for (std::int64_t ms : {0LL, 1LL, 951'782'400'000LL, 1'763'740'800'123LL, 4'102'444'799'999LL})
    CHECK(parse_iso8601(to_iso8601(timestamp{ms}))->ms_since_epoch == ms);
  CHECK(parse_iso8601("2026-11-21T18:05:00Z")->ms_since_epoch == 1'795'284'300'000);
  for (const char* bad : {"", "2026-11-21", "2026-11-21T18:05:00", "2026-13-01T00:00:00Z",
                          "2026-02-30T00:00:00Z", "2026-11-21T24:00:00Z", "2026-11-21T18:05:00.1Z",
                          "2026-11-21T18:05:00+01:00", "2026-11-21 18:05:00Z"})
    CHECK_FALSE(parse_iso8601(bad).has_value());
}
