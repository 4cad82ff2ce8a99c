// The event codec (domain/event_codec.hpp) as an entity meets it when it recovers: a JSON
// array of journal rows, {"type", "schema_version", "data"}, each decoded with decode_event for
// every decider's event variant (inventory, cart, order, checkout) and folded with evolve, the
// way apply_stored does; rows {"command": {"type", "data"}} are dead letters decoded with
// decode_command and decided on the state so far (an entity delivering one again); rows
// {"snapshot": data} are snapshots read with value_to<state>. Whatever decodes must encode to
// JSON that decodes to the same encoding again. Refusals are codec_error (or, for snapshots,
// any std::exception, which recover() catches); any other exception, crash or UB is a finding.
#include "domain/cart.hpp"
#include "domain/checkout.hpp"
#include "domain/event_codec.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <tuple>

using namespace commerce::domain;

namespace {

void check(bool ok) {
  if (!ok) std::abort();
}

const context ctx{timestamp{1'763'740'800'123}};

template <class Variant>
void check_round_trip(const Variant& decoded) {
  const auto once = encode_event(decoded);
  const auto text = boost::json::serialize(once.data);
  const auto again = decode_event<Variant>(once.type, once.schema_version, boost::json::parse(text));
  check(again.index() == decoded.index());
  check(encode_event(again).data == once.data);
}

template <class Decider>
struct entity {
  typename Decider::state state = Decider::initial("fuzz-1");

  void row(const boost::json::object& r) {
    if (const auto* snapshot = r.if_contains("snapshot")) {
      try {
        state = boost::json::value_to<typename Decider::state>(*snapshot);
        // A snapshot is written with value_from: it must read back the same.
        const auto written = boost::json::value_from(state);
        check(boost::json::value_from(boost::json::value_to<typename Decider::state>(written)) == written);
      } catch (const std::exception&) {
      }
      return;
    }
    if (const auto* command = r.if_contains("command")) {
      if (!command->is_object()) return;
      const auto* type = command->as_object().if_contains("type");
      const auto* data = command->as_object().if_contains("data");
      if (!type || !type->is_string() || !data) return;
      typename Decider::command c;
      try {
        c = decode_command<typename Decider::command>(type->as_string(), *data);
      } catch (const codec_error&) {
        return;
      }
      check_round_trip(c);
      const auto d = Decider::decide(state, c, ctx);
      if (d.accepted())
        for (const auto& e : d.events()) state = Decider::evolve(std::move(state), e);
      return;
    }
    const auto* type = r.if_contains("type");
    const auto* version = r.if_contains("schema_version");
    const auto* data = r.if_contains("data");
    if (!type || !type->is_string() || !data) return;
    const int v = version && version->is_int64() ? static_cast<int>(version->as_int64() & 0xff) : 1;
    typename Decider::event e;
    try {
      e = decode_event<typename Decider::event>(type->as_string(), v, *data);
    } catch (const codec_error&) {
      return;
    }
    check_round_trip(e);
    state = Decider::evolve(std::move(state), e);
  }
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  boost::json::error_code ec;
  const auto input = boost::json::parse(std::string_view(reinterpret_cast<const char*>(data), size), ec);
  if (ec) return 0;
  boost::json::array rows;
  if (input.is_array()) rows = input.as_array();
  else rows.push_back(input);
  std::tuple<entity<inventory_decider>, entity<cart_decider>, entity<order_decider>, entity<checkout_decider>> entities;
  for (const auto& r : rows) {
    if (!r.is_object()) continue;
    std::apply([&](auto&... each) { (each.row(r.as_object()), ...); }, entities);
  }
  return 0;
}
