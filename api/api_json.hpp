// The API's JSON (../shared/API.md), kept apart from the actors so it is tested as plain code:
// reading request bodies strictly (400 invalid_json, 422 validation_failed naming the field,
// unknown fields refused) and the views of entity states that clients see.
#pragma once

#include "common/http_message.hpp"
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"
#include "domain/money.hpp"
#include "domain/rejection.hpp"

#include <boost/json.hpp>

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace commerce::actors {

// Reads fields of a JSON object body; the first problem found is kept in `error()` and every
// later read returns a default, so a handler reads everything and then checks once.
class body_reader {
 public:
  // `allowed`: the fields this call accepts; anything else is a 422 naming it.
  body_reader(std::string_view body, std::initializer_list<std::string_view> allowed);

  std::string text(std::string_view field, std::size_t max_length, bool required = true);
  std::int64_t integer(std::string_view field, std::int64_t min, std::int64_t max, bool required = true);
  std::optional<std::int64_t> optional_integer(std::string_view field, std::int64_t min, std::int64_t max);
  domain::money money(std::string_view field);
  boost::json::object object(std::string_view field, bool required = true);

  bool has(std::string_view field) const;
  const std::optional<http_response>& error() const { return error_; }

 private:
  const boost::json::value* find(std::string_view field, bool required);
  void fail(std::string_view field, std::string_view detail);

  boost::json::object body_;
  std::optional<http_response> error_;
};

// Every JSON body passes this before anything reads or keeps it: it must parse (else 400
// invalid_json), and no string in it, key or value, may hold U+0000 (PostgreSQL's jsonb and
// text refuse it) or ill-formed UTF-8 (else 422 validation_failed naming the field, e.g.
// "shipping_address.city" or "lines[2].sku"). nullopt when the body is fine.
std::optional<http_response> refuse_bad_json(std::string_view body);

// POST /v1/carts/{id}/checkout's body: {"email"?, "shipping_address": {...}, "payment": {"token"}}.
struct checkout_body {
  std::string email;
  boost::json::object shipping_address;
  std::string token;
};
// The body, or the 400/422 answer that refuses it.
std::variant<checkout_body, http_response> read_checkout_body(std::string_view text);

// The HTTP status of each domain rejection code (domain::codes), in one table.
struct rejection_status {
  std::string_view code;
  int status;
  std::string_view title;
};
const rejection_status* status_of_rejection(std::string_view code);  // nullptr: not a code of ours

// The problem+json answer for a domain rejection (its status from the code).
http_response rejection_response(const domain::rejection& r);

boost::json::object product_view(const domain::inventory_state& s, std::int64_t version);
boost::json::object cart_view(const domain::cart_state& s, std::int64_t version);
boost::json::object order_view(const domain::order_state& s, std::int64_t version);
boost::json::object money_json(const domain::money& m);

// `"<version>"`, the entity's ETag; and whether an If-Match header names that version.
std::string etag_of(std::int64_t version);
std::optional<std::int64_t> version_in_if_match(std::string_view header);

}  // namespace commerce::actors
