// Routing as data: a table of (method, path pattern, handler). Patterns are literal segments
// and `{name}` captures, e.g. "/v1/products/{sku}". A path that matches no pattern is
// not_found; one that matches with another method is method_not_allowed, with the methods that
// would have worked (for the Allow header). No CAF here, so it is tested as plain code.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commerce::actors {

using path_params = std::vector<std::pair<std::string, std::string>>;

// The path part of a request target, without the query string.
std::string_view path_of(std::string_view target);
// A query parameter's value, percent-decoded ('+' is a space); "" if absent.
std::string query_param(std::string_view target, std::string_view name);
// A whole decimal number, all of `text`; nullopt otherwise.
std::optional<std::int64_t> parse_integer(std::string_view text);
// Splits "/a/b/" into {"a", "b"}; empty segments are kept except the trailing one.
std::vector<std::string_view> split_path(std::string_view path);
// Whether the pattern's segments match and, if so, the captured parameters.
bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
                   path_params& params);

template <class Handler>
class http_router {
 public:
  struct route {
    std::string method;
    std::string pattern;
    Handler handler;
    std::vector<std::string> segments;  // the pattern, split once when the route is added
  };

  enum class outcome { found, not_found, method_not_allowed };

  struct lookup {
    outcome result = outcome::not_found;
    const route* matched = nullptr;
    path_params params;
    std::string allowed;  // "GET, PUT" when method_not_allowed
  };

  void add(std::string method, std::string pattern, Handler handler) {
    std::vector<std::string> segments;
    for (auto segment : split_path(pattern)) segments.emplace_back(segment);
    routes_.push_back({std::move(method), std::move(pattern), std::move(handler), std::move(segments)});
  }

  lookup find(std::string_view method, std::string_view target) const {
    lookup out;
    const auto path = split_path(path_of(target));
    for (const auto& r : routes_) {
      path_params params;
      if (!match_pattern(r.segments, path, params)) continue;
      if (r.method == method) {
        out.result = outcome::found;
        out.matched = &r;
        out.params = std::move(params);
        return out;
      }
      out.result = outcome::method_not_allowed;
      out.allowed += (out.allowed.empty() ? "" : ", ") + r.method;
    }
    return out;
  }

  const std::vector<route>& routes() const { return routes_; }

 private:
  std::vector<route> routes_;
};

}  // namespace commerce::actors
