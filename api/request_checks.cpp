#include "api/request_checks.hpp"

#include "common/problem.hpp"

#include <array>
#include <cctype>
#include <string>

namespace commerce::actors {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  if (a.size() != b.size()) return false;
  for (std::size_t i = 0; i < a.size(); ++i)
    if (std::tolower(static_cast<unsigned char>(a[i])) != std::tolower(static_cast<unsigned char>(b[i]))) return false;
  return true;
}

std::string_view trimmed(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

http_response invalid_header(std::string_view name, std::string_view detail) {
  return problem(422, "validation_failed", "Validation failed", std::string(name) + " " + std::string(detail),
                 {{"field", name}});
}

}  // namespace

bool is_json_media_type(std::string_view content_type) {
  const auto type = trimmed(content_type.substr(0, content_type.find(';')));
  const auto slash = type.find('/');
  if (slash == std::string_view::npos || !iequals(type.substr(0, slash), "application")) return false;
  const auto subtype = type.substr(slash + 1);
  return iequals(subtype, "json") || (subtype.size() > 5 && iequals(subtype.substr(subtype.size() - 5), "+json"));
}

std::optional<http_response> refuse_media_type(const http_request& request) {
  const auto& type = request.header("content-type");
  if (type.empty() && request.body.empty()) return std::nullopt;
  if (is_json_media_type(type)) return std::nullopt;
  return problem(415, "unsupported_media_type", "Unsupported media type",
                 type.empty() ? "this call takes a JSON body: send it with Content-Type: application/json"
                              : "this call takes application/json, not " + std::string(type.substr(0, 100)),
                 {{"accepts", "application/json"}});
}

std::optional<http_response> refuse_bad_metadata_headers(const http_request& request) {
  for (const auto& [lower, name] : std::array<std::pair<std::string_view, std::string_view>, 2>{
           {{"idempotency-key", "Idempotency-Key"}, {"x-request-id", "X-Request-Id"}}}) {
    bool seen = false;
    for (const auto& [key, value] : request.headers) {
      if (key != lower) continue;
      if (seen) return invalid_header(name, "must be given once");
      seen = true;
      if (value.size() > 255) return invalid_header(name, "must be 1 to 255 characters");
      if (!printable_ascii(value)) return invalid_header(name, "must be printable ASCII (0x20-0x7E)");
    }
  }
  return std::nullopt;
}

bool printable_ascii(std::string_view text, bool spaces) {
  for (const unsigned char c : text)
    if (c < (spaces ? 0x20 : 0x21) || c > 0x7e) return false;
  return true;
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t length = 0;
    unsigned char low = 0x80, high = 0xbf;  // the second byte's range
    if (c >= 0xc2 && c <= 0xdf) length = 2;
    else if (c == 0xe0) length = 3, low = 0xa0;
    else if (c >= 0xe1 && c <= 0xec) length = 3;
    else if (c == 0xed) length = 3, high = 0x9f;  // no UTF-16 surrogates
    else if (c >= 0xee && c <= 0xef) length = 3;
    else if (c == 0xf0) length = 4, low = 0x90;
    else if (c >= 0xf1 && c <= 0xf3) length = 4;
    else if (c == 0xf4) length = 4, high = 0x8f;  // nothing past U+10FFFF
    else return false;
    if (i + length > n) return false;
    if (s[i + 1] < low || s[i + 1] > high) return false;
    for (std::size_t k = 2; k < length; ++k)
      if (s[i + k] < 0x80 || s[i + k] > 0xbf) return false;
    i += length;
  }
  return true;
}

std::string_view method_label(std::string_view method) {
  for (const std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
    if (method == known) return known;
  return "other";
}

}  // namespace commerce::actors
