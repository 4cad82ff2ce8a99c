#include "common/problem.hpp"

#include <boost/json/serialize.hpp>
#include <boost/json/value.hpp>

namespace commerce {

http_response problem(int status, std::string_view code, std::string_view title, std::string_view detail,
                      const boost::json::object& extra) {
  boost::json::object body = extra;
  body["type"] = "https://commerced.dev/problems/" + std::string(code);
  body["title"] = title;
  body["status"] = status;
  body["detail"] = detail;
  body["code"] = code;
  http_response r;
  r.status = status;
  r.content_type = "application/problem+json";
  r.body = boost::json::serialize(body);
  return r;
}

http_response json_response(int status, const boost::json::value& body) {
  http_response r;
  r.status = status;
  r.body = boost::json::serialize(body);
  return r;
}

}  // namespace commerce
