#include "actors/http_router.hpp"

namespace commerce::actors {

std::string_view path_of(std::string_view target) { return target.substr(0, target.find('?')); }

std::vector<std::string_view> split_path(std::string_view path) {
  std::vector<std::string_view> segments;
  if (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty()) {
    const auto slash = path.find('/');
    segments.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return segments;
}

bool match_pattern(const std::vector<std::string>& pattern, const std::vector<std::string_view>& path,
                   path_params& params) {
  if (pattern.size() != path.size()) return false;
  for (std::size_t i = 0; i < pattern.size(); ++i) {
    const std::string_view p = pattern[i];
    if (p.size() > 2 && p.front() == '{' && p.back() == '}') {
      if (path[i].empty()) return false;
      params.emplace_back(std::string(p.substr(1, p.size() - 2)), std::string(path[i]));
    } else if (p != path[i]) {
      return false;
    }
  }
  return true;
}

}  // namespace commerce::actors
