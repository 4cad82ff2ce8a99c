// application/problem+json answers (RFC 9457) with API.md's stable `code`.
#pragma once

#include "common/http_message.hpp"

#include <boost/json/object.hpp>

#include <string_view>

namespace commerce {

// {"type", "title", "status", "detail", "code", ...extra}
http_response problem(int status, std::string_view code, std::string_view title, std::string_view detail,
                      const boost::json::object& extra = {});

http_response json_response(int status, const boost::json::value& body);

}  // namespace commerce
