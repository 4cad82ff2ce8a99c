#include "api/api_json.hpp"

#include "api/request_checks.hpp"
#include "common/problem.hpp"
#include "domain/time.hpp"

#include <algorithm>
#include <charconv>

namespace commerce::actors {

namespace {

bool acceptable_string(std::string_view s) { return s.find('\0') == std::string_view::npos && valid_utf8(s); }

// A key as it can be named in a problem: U+0000 written as \u0000 and, in a key that is not
// UTF-8, every byte above 0x7F as \xNN.
std::string printable_key(std::string_view key) {
  static const char* hex = "0123456789abcdef";
  const bool utf8 = valid_utf8(key);
  std::string out;
  for (const unsigned char c : key) {
    if (c == 0) out += "\\u0000";
    else if (c >= 0x80 && !utf8) out += std::string("\\x") + hex[c >> 4] + hex[c & 15];
    else out += static_cast<char>(c);
  }
  return out;
}

// The path of the first string that PostgreSQL could not keep, if any.
std::optional<std::string> unacceptable_string(const boost::json::value& v, const std::string& path) {
  if (v.is_string()) {
    if (!acceptable_string(v.as_string())) return path;
  } else if (v.is_array()) {
    const auto& a = v.as_array();
    for (std::size_t i = 0; i < a.size(); ++i)
      if (auto bad = unacceptable_string(a[i], path + "[" + std::to_string(i) + "]")) return bad;
  } else if (v.is_object()) {
    for (const auto& member : v.as_object()) {
      const auto name = (path.empty() ? "" : path + ".") + printable_key(member.key());
      if (!acceptable_string(member.key())) return name;
      if (auto bad = unacceptable_string(member.value(), name)) return bad;
    }
  }
  return std::nullopt;
}

std::optional<http_response> parse_checked(std::string_view body, boost::json::value& value) {
  boost::json::error_code ec;
  value = boost::json::parse(body, ec);
  if (ec) return problem(400, "invalid_json", "Invalid JSON", "the body is not valid JSON: " + ec.message());
  if (auto field = unacceptable_string(value, ""))
    return rejection_response(domain::invalid_field(
        field->empty() ? "body" : *field, "must be UTF-8 text without U+0000 (NUL) characters"));
  return std::nullopt;
}

}  // namespace

std::optional<http_response> refuse_bad_json(std::string_view body) {
  boost::json::value ignored;
  return parse_checked(body, ignored);
}

body_reader::body_reader(std::string_view body, std::initializer_list<std::string_view> allowed) {
  boost::json::value value;
  if (auto refused = parse_checked(body.empty() ? std::string_view("{}") : body, value)) {
    error_ = std::move(refused);
    return;
  }
  if (!value.is_object()) {
    error_ = problem(400, "invalid_json", "Invalid JSON", "the body must be a JSON object");
    return;
  }
  body_ = std::move(value.as_object());
  for (const auto& field : body_)
    if (std::find(allowed.begin(), allowed.end(), field.key()) == allowed.end()) {
      fail(field.key(), "is not a field of this call");
      return;
    }
}

void body_reader::fail(std::string_view field, std::string_view detail) {
  if (error_) return;
  error_ = rejection_response(domain::invalid_field(field, detail));
}

bool body_reader::has(std::string_view field) const {
  const auto* v = body_.if_contains(field);
  return v && !v->is_null();
}

const boost::json::value* body_reader::find(std::string_view field, bool required) {
  if (error_) return nullptr;
  const auto* v = body_.if_contains(field);
  if (v && !v->is_null()) return v;
  if (required) fail(field, "is required");
  return nullptr;
}

std::string body_reader::text(std::string_view field, std::size_t max_length, bool required) {
  const auto* v = find(field, required);
  if (!v) return {};
  if (!v->is_string()) return fail(field, "must be a string"), std::string();
  if (v->as_string().size() > max_length)
    return fail(field, "must be at most " + std::to_string(max_length) + " characters"), std::string();
  return std::string(v->as_string());
}

std::int64_t body_reader::integer(std::string_view field, std::int64_t min, std::int64_t max, bool required) {
  if (required && !has(field)) {
    fail(field, "is required");
    return 0;
  }
  return optional_integer(field, min, max).value_or(0);
}

std::optional<std::int64_t> body_reader::optional_integer(std::string_view field, std::int64_t min, std::int64_t max) {
  const auto* v = find(field, false);
  if (!v) return std::nullopt;
  const auto range = "must be an integer between " + std::to_string(min) + " and " + std::to_string(max);
  if (!v->is_int64()) return fail(field, range), std::nullopt;  // strings, fractions, 2^63 and beyond
  const auto n = v->as_int64();
  if (n < min || n > max) return fail(field, range), std::nullopt;
  return n;
}

domain::money body_reader::money(std::string_view field) {
  const auto* v = find(field, true);
  if (!v) return {};
  const std::string name(field);
  if (!v->is_object()) return fail(field, "must be {\"amount\": integer, \"currency\": \"ISO code\"}"), domain::money{};
  const auto& o = v->as_object();
  for (const auto& member : o)
    if (member.key() != "amount" && member.key() != "currency")
      return fail(name + "." + std::string(member.key()), "is not a field of money"), domain::money{};
  const auto* amount = o.if_contains("amount");
  const auto* currency = o.if_contains("currency");
  if (!amount || !amount->is_int64() || amount->as_int64() < 0 || amount->as_int64() > domain::max_amount)
    return fail(name + ".amount", "must be an integer between 0 and 10^12 minor units"), domain::money{};
  if (!currency || !currency->is_string() || !domain::valid_currency(currency->as_string()))
    return fail(name + ".currency", "must be an ISO-4217 code such as \"USD\""), domain::money{};
  return {amount->as_int64(), std::string(currency->as_string())};
}

boost::json::object body_reader::object(std::string_view field, bool required) {
  const auto* v = find(field, required);
  if (!v) return {};
  if (!v->is_object()) return fail(field, "must be an object"), boost::json::object();
  return v->as_object();
}

std::variant<checkout_body, http_response> read_checkout_body(std::string_view text) {
  body_reader body(text, {"email", "shipping_address", "payment"});
  checkout_body out{body.text("email", 254, false), body.object("shipping_address"), ""};
  const auto payment = body.object("payment");
  if (body.error()) return *body.error();
  const auto* token = payment.if_contains("token");
  if (!token || !token->is_string() || token->as_string().empty() || token->as_string().size() > 255 ||
      payment.size() != 1)
    return rejection_response(
        domain::invalid_field("payment.token", "payment must be {\"token\": a string of 1-255 characters}"));
  out.token = std::string(token->as_string());
  if (!out.email.empty() && out.email.find('@') == std::string::npos)
    return rejection_response(domain::invalid_field("email", "must be an e-mail address"));
  return out;
}

const rejection_status* status_of_rejection(std::string_view code) {
  namespace codes = domain::codes;
  // The request is wrong as sent (422), names nothing (404), or conflicts with the state (409).
  static const rejection_status table[] = {
      {codes::validation_failed, 422, "Validation failed"}, {codes::currency_mismatch, 422, "Validation failed"},
      {codes::refund_exceeds_paid, 422, "Validation failed"}, {codes::not_found, 404, "Not found"},
      {codes::insufficient_stock, 409, "Conflict"},          {codes::invalid_transition, 409, "Conflict"},
      {codes::cart_empty, 409, "Conflict"},                  {codes::cart_not_open, 409, "Conflict"},
  };
  for (const auto& entry : table)
    if (entry.code == code) return &entry;
  return nullptr;
}

http_response rejection_response(const domain::rejection& r) {
  const auto* known = status_of_rejection(r.code);
  if (!known) return problem(500, "internal_error", "Internal error", "unknown rejection " + r.code);
  return problem(known->status, r.code, known->title, r.detail, r.extra);
}

boost::json::object money_json(const domain::money& m) { return {{"amount", m.amount}, {"currency", m.currency}}; }

boost::json::object product_view(const domain::inventory_state& s, std::int64_t version) {
  return {{"sku", s.sku},
          {"name", s.name},
          {"price", money_json(s.price)},
          {"category", s.category.empty() ? boost::json::value(nullptr) : boost::json::value(s.category)},
          {"inventory",
           {{"on_hand", s.on_hand}, {"available", s.available()}, {"reserved", s.reserved}, {"sold", s.sold}}},
          {"version", version}};
}

boost::json::object cart_view(const domain::cart_state& s, std::int64_t version) {
  boost::json::array items;
  for (const auto& [sku, line] : s.lines) {
    const auto total = domain::line_amount(line.quantity, line.unit_price.amount).value_or(0);
    items.push_back({{"sku", sku},
                     {"quantity", line.quantity},
                     {"unit_price", money_json(line.unit_price)},
                     {"line_total", money_json({total, line.unit_price.currency})},
                     {"reserved", line.reserved}});
  }
  const auto or_null = [](const std::string& v) { return v.empty() ? boost::json::value(nullptr) : boost::json::value(v); };
  return {{"id", s.id},
          {"status", domain::to_string(s.status)},
          {"items", std::move(items)},
          {"subtotal", money_json(s.subtotal())},
          {"currency", s.currency},
          {"email", or_null(s.email)},
          {"customer_id", or_null(s.customer_id)},
          {"order_id", or_null(s.order_id)},
          {"created_at", domain::to_iso8601(s.created_at)},
          {"updated_at", domain::to_iso8601(s.updated_at)},
          {"version", version}};
}

boost::json::object order_view(const domain::order_state& s, std::int64_t version) {
  const auto currency = s.total.currency;
  boost::json::array items, history, refunds, pending;
  for (const auto& l : s.lines)
    items.push_back({{"sku", l.sku}, {"quantity", l.quantity}, {"unit_price", money_json(l.unit_price)},
                     {"line_total", money_json(l.line_total)}});
  for (const auto& h : s.history) history.push_back({{"status", domain::to_string(h.status)}, {"at", domain::to_iso8601(h.at)}});
  for (const auto& r : s.refunds)
    refunds.push_back({{"id", r.id}, {"amount", money_json({r.amount, currency})}, {"at", domain::to_iso8601(r.at)}});
  for (const auto& p : s.pending_refunds)
    pending.push_back({{"amount", money_json({p.amount, currency})}, {"requested_at", domain::to_iso8601(p.requested_at)}});
  const auto or_null = [](const std::string& v) { return v.empty() ? boost::json::value(nullptr) : boost::json::value(v); };
  boost::json::value shipment = nullptr;
  if (!s.carrier.empty()) shipment = boost::json::object{{"carrier", s.carrier}, {"tracking", s.tracking}};
  return {{"id", s.id},
          {"cart_id", s.cart_id},
          {"customer_id", or_null(s.customer_id)},
          {"email", or_null(s.email)},
          {"status", domain::to_string(s.status)},
          {"items", std::move(items)},
          {"total", money_json(s.total)},
          {"shipping_address", s.shipping_address},
          {"payment",
           {{"transaction_id", or_null(s.transaction_id)},
            {"paid", money_json({s.paid, currency})},
            {"refunded", money_json({s.refunded, currency})},
            {"refunds", std::move(refunds)},
            {"refunds_pending", std::move(pending)}}},
          {"shipment", std::move(shipment)},
          {"history", std::move(history)},
          {"created_at", s.history.empty() ? boost::json::value(nullptr) : boost::json::value(domain::to_iso8601(s.history.front().at))},
          {"version", version}};
}

std::string etag_of(std::int64_t version) { return "\"" + std::to_string(version) + "\""; }

std::optional<std::int64_t> version_in_if_match(std::string_view header) {
  if (header.size() >= 2 && header.substr(0, 2) == "W/") header.remove_prefix(2);
  if (header.size() < 3 || header.front() != '"' || header.back() != '"') return std::nullopt;
  header = header.substr(1, header.size() - 2);
  std::int64_t version = 0;
  const auto [end, ec] = std::from_chars(header.data(), header.data() + header.size(), version);
  if (ec != std::errc() || end != header.data() + header.size()) return std::nullopt;
  return version;
}

}  // namespace commerce::actors
