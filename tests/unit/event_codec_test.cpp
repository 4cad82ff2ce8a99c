// Every event type survives a JSON round trip through the journal's encoding, and the encoding
// names the type and schema version. The sample lists are checked to cover every alternative.
#include "domain/campaign.hpp"
#include "domain/cart.hpp"
#include "domain/checkout.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "domain/pricing_job.hpp"
#include "domain/reconciliation.hpp"
#include "domain/webhook.hpp"

#include <catch2/catch.hpp>

#include <set>

using namespace commerce::domain;

namespace {

// A rule with every field set, so a lost one shows.
commerce::domain::price_rule sample_rule() {
  commerce::domain::price_rule r;
  r.type = commerce::domain::price_rule_type::percent;
  r.percent = -12.5;
  r.min_price = commerce::domain::money{500, "USD"};
  r.max_price = commerce::domain::money{9000, "USD"};
  r.round_to = 99;
  return r;
}

const timestamp at{1'763'740'800'123};

std::vector<inventory_event> inventory_samples() {
  return {product_created{"Mug", {1299, "USD"}, "kitchen"},
          product_updated{"Big mug", {1499, "USD"}, ""},
          stock_adjusted{-3, "shrinkage"},
          stock_reserved{"cart-1", 4, at},
          stock_reserved{"cart-2", 1, std::nullopt},
          reservation_advanced{"cart-1", reservation_stage::checkout, reservation_stage::payment, std::nullopt},
          reservation_released{"cart-1", 4, "line removed"},
          reservation_expired{"cart-1", 4},
          stock_sold{"cart-1", 4},
          stock_returned{"order-1", 2, "cancelled"},
          stock_counted{7, -3, 2, at, "webhook:w-1"},
          price_changed{{1999, "USD"}, {1799, "USD"}, price_cause::job, "job_1", at}};
}

std::vector<cart_event> cart_samples() {
  return {cart_created{"USD", "ann@example.com", "cust-1", at},
          cart_line_set{"MUG", 2, {1299, "USD"}, true, at},
          cart_line_removed{"MUG", at},
          cart_line_reservation_changed{"MUG", false},
          cart_reservations_expired{{"MUG", "TEA"}},
          checkout_started{"co-1", at},
          checkout_cancelled{"co-1", "payment_declined", at},
          cart_converted{"co-1", "order-1", at},
          cart_abandoned{at},
          cart_expired{at}};
}

std::vector<order_event> order_samples() {
  return {order_created{"cart-1", "cust-1", "ann@example.com", {{"city", "Oslo"}, {"zip", "0150"}},
                        {{"MUG", 2, {1299, "USD"}, {2598, "USD"}}}, {2598, "USD"}, at},
          order_paid{"ch_1", {2598, "USD"}, at},
          order_fulfilled{at},
          order_shipped{"UPS", "1Z999", at},
          order_delivered{at},
          order_cancelled{"customer asked", 2598, at},
          refund_processed{"re_1", 1000, 1000, at},
          refund_requested{"ord/refund/1", 1000, at},
          refund_closed{"ord/refund/1", "succeeded", "re_1", at},
          order_restocked{at},
          order_steps_resumed{at}};
}

std::vector<checkout_event> checkout_samples() {
  return {checkout_begun{"cart-1", 3, "ord-1", "cust-1", "ann@example.com", {{"city", "Oslo"}},
                         {{"MUG", 2, {1299, "USD"}}}, {2598, "USD"}, "idem-1", at},
          checkout_cart_claimed{at},
          checkout_stock_held{at},
          checkout_order_placed{at},
          checkout_charge_attempted{2, at},
          checkout_charged{"ch_1", at},
          checkout_charge_pending{"timeout", at, at},
          checkout_refused{{"payment_declined", "no", "", 0, 0}, true, at},
          checkout_completed{at},
          checkout_released{at},
          checkout_resumed{at},
          checkout_stalled{"not finished within 900 s", at}};
}

// Equality by encoding: two events are equal when they encode to the same JSON.
template <class Variant>
void check_round_trips(const std::vector<Variant>& samples) {
  std::set<std::size_t> covered;
  for (const auto& e : samples) {
    covered.insert(e.index());
    const auto encoded = encode_event(e);
    INFO(encoded.type << " " << boost::json::serialize(encoded.data));
    // 2: the token left CheckoutBegun; the campaign's firings gained their audit reason.
    const std::set<std::string> second_schema{"CheckoutBegun", "CampaignCrossing", "CampaignPriceRecorded"};
    CHECK(encoded.schema_version == (second_schema.count(encoded.type) ? 2 : 1));
    // Through text, as the journal stores it.
    const auto reparsed = boost::json::parse(boost::json::serialize(encoded.data));
    const auto decoded = decode_event<Variant>(encoded.type, encoded.schema_version, reparsed);
    CHECK(decoded.index() == e.index());
    CHECK(encode_event(decoded).data == encoded.data);
  }
  CHECK(covered.size() == std::variant_size_v<Variant>);
}

}  // namespace

TEST_CASE("every inventory event round-trips through JSON", "[codec]") { check_round_trips(inventory_samples()); }
TEST_CASE("every cart event round-trips through JSON", "[codec]") { check_round_trips(cart_samples()); }
TEST_CASE("every order event round-trips through JSON", "[codec]") { check_round_trips(order_samples()); }
TEST_CASE("every checkout event round-trips through JSON", "[codec]") { check_round_trips(checkout_samples()); }
TEST_CASE("every pricing job event round-trips through JSON", "[codec]") {
  check_round_trips(std::vector<pricing_job_event>{
      pricing_job_created{"Winter", sample_rule(), {"MUG"}, false, at},
      pricing_batch_recorded{0, {{"MUG", money{1999, "USD"}, money{1799, "USD"}, pricing_result_status::updated, "", at}}, at},
      pricing_job_finished{pricing_job_status::completed_with_errors, at}});
}
TEST_CASE("every campaign event round-trips through JSON", "[codec]") {
  check_round_trips(std::vector<campaign_event>{
      campaign_created{"Low stock", {}, "mugs", {trigger_direction::above, 100}, sample_rule(), -3, std::nullopt, at},
      campaign_status_changed{campaign_status::active, campaign_status::rolling_back, at},
      campaign_crossing{"MUG", 7, true, 12, at, "reconciliation"},
      campaign_price_recorded{"MUG", {1999, "USD"}, {1799, "USD"}, "cmp_1/3", at, "trigger"},
      campaign_rollback_recorded{"MUG", {1799, "USD"}, {1999, "USD"}, false, at}});
}
TEST_CASE("every reconciliation event round-trips through JSON", "[codec]") {
  check_round_trips(std::vector<reconciliation_event>{
      sweep_requested{sweep_reason::operator_request, at},
      sweep_page_recorded{0, "MUG", 50, {{"MUG", 5, 10, at}}, at},
      sweep_finished{at}});
}
TEST_CASE("every webhook event round-trips through JSON", "[codec]") {
  check_round_trips(std::vector<webhook_event>{webhook_received{"inventory_levels/update", "MUG", 7, at, at}});
}

TEST_CASE("the wire form is readable JSON with ISO times and enum names", "[codec]") {
  const auto e = encode_event(inventory_event{reservation_advanced{"c", reservation_stage::cart, reservation_stage::checkout, at}});
  CHECK(e.type == "ReservationAdvanced");
  CHECK(e.data.at("from") == "cart");
  CHECK(e.data.at("to") == "checkout");
  CHECK(e.data.at("expires_at") == "2025-11-21T16:00:00.123Z");
  const auto money_json = encode_event(cart_event{cart_line_set{"MUG", 1, {1299, "USD"}, true, at}}).data.at("unit_price");
  CHECK(money_json == boost::json::parse(R"({"amount":1299,"currency":"USD"})"));
}

TEST_CASE("decoding refuses what it cannot read", "[codec]") {
  const auto good = encode_event(inventory_event{stock_adjusted{5, "received"}});
  CHECK_THROWS_AS(decode_event<inventory_event>("NoSuchEvent", 1, good.data), codec_error);
  CHECK_THROWS_AS(decode_event<inventory_event>(good.type, 2, good.data), codec_error);
  CHECK_THROWS_AS(decode_event<inventory_event>(good.type, 1, boost::json::parse(R"({"delta":"five","reason":"x"})")), codec_error);
  CHECK_THROWS_AS(decode_event<cart_event>("CartCreated", 1, boost::json::parse(R"({"currency":"USD","email":"","customer_id":"","at":"yesterday"})")), codec_error);
}

// Snapshots store the state as JSON: folding every sample event gives states with every field
// set, and each must come back from JSON unchanged.
template <class Decider, class Events>
void check_state_round_trip(const Events& events) {
  auto state = evolve_all<Decider>(Decider::initial("id-1"), events);
  const auto json = boost::json::value_from(state);
  const auto back = boost::json::value_to<typename Decider::state>(json);
  CHECK(boost::json::value_from(back) == json);
}

TEST_CASE("entity states survive the snapshot's JSON round trip", "[codec][snapshot]") {
  check_state_round_trip<inventory_decider>(std::vector<inventory_event>{
      product_created{"Mug", {1299, "USD"}, "kitchen"}, stock_adjusted{10, "delivery"},
      stock_reserved{"cart-1", 4, at}, stock_reserved{"cart-2", 1, std::nullopt},
      reservation_advanced{"cart-2", reservation_stage::cart, reservation_stage::payment, std::nullopt}});
  check_state_round_trip<cart_decider>(cart_samples());
  check_state_round_trip<order_decider>(order_samples());
}

// Commands are encoded only for the dead-letter office, which must deliver them again as they were.
template <class Variant>
void check_command_round_trips(const std::vector<Variant>& samples) {
  std::set<std::size_t> covered;
  for (const auto& c : samples) {
    covered.insert(c.index());
    const auto encoded = encode_command(c);
    INFO(encoded.type << " " << boost::json::serialize(encoded.data));
    const auto decoded = decode_command<Variant>(encoded.type, boost::json::parse(boost::json::serialize(encoded.data)));
    CHECK(decoded.index() == c.index());
    CHECK(encode_command(decoded).data == encoded.data);
  }
  CHECK(covered.size() == std::variant_size_v<Variant>);
}

TEST_CASE("every command round-trips through JSON for the dead-letter office", "[codec]") {
  check_command_round_trips(std::vector<inventory_command>{
      define_product{"Mug", {1299, "USD"}, "kitchen"}, adjust_stock{-2, "shrinkage"}, reserve_stock{"cart-1", 3, at},
      release_stock{"cart-1", "removed"}, advance_reservation{"cart-1", reservation_stage::payment, std::nullopt},
      expire_reservations{}, commit_reservation{"cart-1"}, return_stock{"order-1", 2, "cancelled"},
      count_stock{7, at, "webhook:w-1"}, apply_price_rule{sample_rule(), price_cause::campaign, "cmp_1/3"},
      restore_price{{1999, "USD"}, {1799, "USD"}, "cmp_1/rollback"}});
  check_command_round_trips(std::vector<campaign_command>{
      create_campaign{"Low stock", {"MUG"}, "", {trigger_direction::below, 10}, sample_rule(), 5, at},
      set_campaign_status{campaign_status::paused}, observe_inventory{"MUG", 7, 12, "reconciliation"},
      record_campaign_price{"MUG", {1999, "USD"}, {1799, "USD"}, "cmp_1/3", "reconciliation"}, request_rollback{},
      record_rollback{"MUG", {1799, "USD"}, {1999, "USD"}, true}, finish_rollback{}});
  check_command_round_trips(std::vector<pricing_job_command>{
      create_pricing_job{"Winter", sample_rule(), {"MUG", "LAMP"}, true},
      record_pricing_batch{1, {{"MUG", money{1999, "USD"}, money{1799, "USD"}, pricing_result_status::updated, "", at},
                               {"LAMP", std::nullopt, std::nullopt, pricing_result_status::failed, "not_found: gone", at}}}});
  check_command_round_trips(std::vector<webhook_command>{receive_webhook{"inventory_levels/update", "MUG", 7, at}});
  check_command_round_trips(std::vector<reconciliation_command>{
      request_sweep{sweep_reason::schedule}, record_sweep_page{2, "MUG", 3, {{"MUG", 5, 10, at}}}, finish_sweep{}});
  check_command_round_trips(std::vector<cart_command>{
      create_cart{"USD", "ann@example.com", "cust-1"}, set_line{"MUG", 2, {1299, "USD"}, true}, remove_line{"MUG"},
      mark_line_reserved{"MUG", true}, expire_cart_reservations{600'000}, begin_checkout{"co-1"},
      cancel_checkout{"co-1", "declined"}, complete_checkout{"co-1", "order-1"}, abandon_cart{}, expire_cart{}});
  check_command_round_trips(std::vector<order_command>{
      place_order{"cart-1", "cust-1", "ann@example.com", {{"city", "Oslo"}}, {{"MUG", 2, {1299, "USD"}}}},
      record_payment{"ch_1", {2598, "USD"}}, start_fulfilment{}, ship_order{"UPS", "1Z"}, deliver_order{},
      cancel_order{"asked"}, request_refund{500, "ord/refund/1"}, record_refund{"ord/refund/1", "re_1"},
      record_refund_refused{"ord/refund/2", "amount_too_large"}, record_restocked{}, resume_order_steps{}});
  CHECK(encode_command(cart_command{set_line{"MUG", 2, {1299, "USD"}, false}}).type == "SetLine");
}

TEST_CASE("a CheckoutBegun of schema 1, which held the card token, still reads; version 2 holds none", "[codec]") {
  const auto v1 = boost::json::parse(
      R"({"cart_id":"cart-1","cart_version":3,"order_id":"ord-1","customer_id":"","email":"a@example.com",)"
      R"("shipping_address":{},"lines":[{"sku":"MUG","quantity":1,"unit_price":{"amount":900,"currency":"EUR"}}],)"
      R"("total":{"amount":900,"currency":"EUR"},"payment_token":"tok_ok","client_key":"k","at":"2025-11-21T16:00:00.123Z"})");
  const auto read = decode_event<checkout_event>("CheckoutBegun", 1, v1);
  REQUIRE(std::holds_alternative<checkout_begun>(read));
  CHECK(std::get<checkout_begun>(read).order_id == "ord-1");
  const auto written = encode_event(read);
  CHECK(written.schema_version == 2);
  CHECK(boost::json::serialize(written.data).find("tok_ok") == std::string::npos);
}

TEST_CASE("a campaign's firing of schema 1 reads as a trigger", "[codec]") {
  const auto crossing = decode_event<campaign_event>(
      "CampaignCrossing", 1,
      boost::json::parse(R"({"sku":"MUG","available":3,"fired":true,"version":9,"at":"2026-12-01T10:00:00.000Z"})"));
  CHECK(std::get<campaign_crossing>(crossing).reason == "trigger");
  const auto recorded = decode_event<campaign_event>(
      "CampaignPriceRecorded", 1,
      boost::json::parse(R"({"sku":"MUG","old_price":{"amount":900,"currency":"EUR"},)"
                         R"("new_price":{"amount":1080,"currency":"EUR"},"reference":"cmp_1/4","at":"2026-12-01T10:00:00.000Z"})"));
  CHECK(std::get<campaign_price_recorded>(recorded).reason == "trigger");
  CHECK(encode_event(recorded).schema_version == 2);
  // A command parked by an older build (no reason) is delivered again as a trigger's; a new one
  // keeps its reason.
  const auto old_command = decode_command<campaign_command>(
      "ObserveInventory", boost::json::parse(R"({"sku":"MUG","available":3,"version":9})"));
  CHECK(std::get<observe_inventory>(old_command).reason == "trigger");
  const auto new_command = decode_command<campaign_command>(
      "ObserveInventory", boost::json::parse(R"({"sku":"MUG","available":3,"version":9,"reason":"reconciliation"})"));
  CHECK(std::get<observe_inventory>(new_command).reason == "reconciliation");
}
