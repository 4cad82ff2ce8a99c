// A rejection is the domain's "no": a stable machine-readable code (the `code` of API.md's
// problem+json), a sentence for people, and extra fields a client can act on, such as
// {"available": 3} or {"from": "paid", "to": "shipped"}. Rejections are values, not exceptions.
#pragma once

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>

#include <string>
#include <string_view>

namespace commerce::domain {

namespace codes {
inline constexpr std::string_view validation_failed = "validation_failed";
inline constexpr std::string_view not_found = "not_found";
inline constexpr std::string_view insufficient_stock = "insufficient_stock";
inline constexpr std::string_view invalid_transition = "invalid_transition";
inline constexpr std::string_view cart_empty = "cart_empty";
inline constexpr std::string_view cart_not_open = "cart_not_open";
inline constexpr std::string_view currency_mismatch = "currency_mismatch";
inline constexpr std::string_view refund_exceeds_paid = "refund_exceeds_paid";
// Every code above: the API maps each to its HTTP status (api/api_json.cpp, a test checks all).
inline constexpr std::string_view all[] = {validation_failed, not_found,         insufficient_stock,
                                           invalid_transition, cart_empty,       cart_not_open,
                                           currency_mismatch,  refund_exceeds_paid};
}  // namespace codes

struct rejection {
  std::string code;
  std::string detail;
  boost::json::object extra;
};
BOOST_DESCRIBE_STRUCT(rejection, (), (code, detail, extra))

// 422 validation_failed naming the offending field, as API.md asks.
rejection invalid_field(std::string_view field, std::string_view detail);
rejection not_found(std::string_view what);
// 409 invalid_transition naming both states.
rejection invalid_transition(std::string_view entity, std::string_view from, std::string_view to);

}  // namespace commerce::domain
