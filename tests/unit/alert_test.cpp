#include "domain/alert.hpp"
#include "domain/event_codec.hpp"

#include "domain_helpers.hpp"

using namespace commerce::domain;
using namespace commerce::test;

namespace {
raise_alert stalled() { return {"checkout_stalled", "checkout/chk_1", "payment unreachable for 15 minutes"}; }
}  // namespace

TEST_CASE("an alert is raised once: raising it again changes nothing", "[alert]") {
  auto s = alert_decider::initial("checkout-stalled-chk_1");
  CHECK(code_of(run<alert_decider>(s, stalled())) == "accepted");
  CHECK(s.exists);
  CHECK(s.status == alert_status::open);
  CHECK(s.subject == "checkout/chk_1");
  CHECK(s.raised_at == t0.now);
  const auto again = run<alert_decider>(s, raise_alert{"checkout_stalled", "checkout/chk_1", "other words"}, at_ms(5));
  REQUIRE(again.accepted());
  CHECK(again.events().empty());
  CHECK(s.message == "payment unreachable for 15 minutes");
  CHECK(s.raised_at == t0.now);
}

TEST_CASE("an alert needs a topic, a subject and a message of bounded length", "[alert]") {
  auto s = alert_decider::initial("a-1");
  CHECK(code_of(run<alert_decider>(s, raise_alert{"", "x", "y"})) == "validation_failed");
  CHECK(code_of(run<alert_decider>(s, raise_alert{"t", "x", std::string(max_alert_text + 1, 'm')})) ==
        "validation_failed");
  CHECK_FALSE(s.exists);
}

TEST_CASE("an operator acknowledges an alert once; an unknown alert is not found", "[alert]") {
  auto s = alert_decider::initial("a-1");
  CHECK(code_of(run<alert_decider>(s, acknowledge_alert{"seen"})) == "not_found");
  require_accepted<alert_decider>(s, stalled());
  require_accepted<alert_decider>(s, acknowledge_alert{"refunded by hand"}, at_ms(9));
  CHECK(s.status == alert_status::acknowledged);
  CHECK(s.acknowledged_note == "refunded by hand");
  CHECK(s.acknowledged_at == timestamp{9});
  const auto again = run<alert_decider>(s, acknowledge_alert{"twice"}, at_ms(10));
  REQUIRE(again.accepted());
  CHECK(again.events().empty());
  CHECK(s.acknowledged_at == timestamp{9});
}

TEST_CASE("alert events and commands round-trip through the journal's JSON", "[alert][codec]") {
  for (const alert_event& e : {alert_event{alert_raised{"t", "s", "m", timestamp{7}}},
                               alert_event{alert_acknowledged{"n", timestamp{8}}}}) {
    const auto encoded = encode_event(e);
    const auto decoded = decode_event<alert_event>(encoded.type, encoded.schema_version,
                                                   boost::json::parse(boost::json::serialize(encoded.data)));
    CHECK(decoded.index() == e.index());
    CHECK(encode_event(decoded).data == encoded.data);
  }
  const auto command = encode_command(alert_command{acknowledge_alert{"ok"}});
  CHECK(std::get<acknowledge_alert>(decode_command<alert_command>(command.type, command.data)).note == "ok");
  CHECK(to_string(alert_status::acknowledged) == "acknowledged");
  CHECK(alert_status_from("open") == alert_status::open);
  CHECK_FALSE(alert_status_from("closed"));
}
