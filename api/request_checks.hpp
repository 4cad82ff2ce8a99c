// What every request must pass at the gateway's edge before a handler, the idempotency store or
// the journal sees any of it. Plain code (no CAF), so the unit tests build it on its own.
#pragma once

#include "common/http_message.hpp"

#include <optional>
#include <string_view>

namespace commerce::actors {

// Whether a Content-Type names JSON: application/json or application/<anything>+json, in any
// case, with or without parameters ("application/json; charset=utf-8").
bool is_json_media_type(std::string_view content_type);

// For a request to a route that reads a JSON body: 415 unsupported_media_type when it carries a
// body without a JSON Content-Type, or declares a Content-Type that is not JSON. A bodiless
// request without a Content-Type passes (POST /v1/orders/{id}/fulfil).
std::optional<http_response> refuse_media_type(const http_request& request);

// The headers that are kept with what a request changes (the journal's metadata, the
// idempotency store): Idempotency-Key and X-Request-Id must be 1-255 bytes of printable ASCII
// (0x20-0x7E) and given once, else 422 validation_failed naming the header. Absent
// (or empty) headers pass.
std::optional<http_response> refuse_bad_metadata_headers(const http_request& request);

// Whether every byte of `text` is printable ASCII (0x20-0x7E; 0x21-0x7E without spaces).
bool printable_ascii(std::string_view text, bool spaces = true);

// Whether `text` is well-formed UTF-8 (no overlongs, no surrogates, nothing past U+10FFFF).
bool valid_utf8(std::string_view text);

// The request method as a metrics label: one of the methods the API routes, else "other", so
// a client inventing methods cannot create a series per request.
std::string_view method_label(std::string_view method);

}  // namespace commerce::actors
