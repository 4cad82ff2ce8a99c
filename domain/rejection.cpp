#include "domain/rejection.hpp"

namespace commerce::domain {

rejection invalid_field(std::string_view field, std::string_view detail) {
  rejection r{std::string(codes::validation_failed), std::string(field) + ": " + std::string(detail), {}};
  r.extra["field"] = field;
  return r;
}

rejection not_found(std::string_view what) {
  return {std::string(codes::not_found), std::string(what) + " does not exist", {}};
}

rejection invalid_transition(std::string_view entity, std::string_view from, std::string_view to) {
  rejection r{std::string(codes::invalid_transition),
              std::string(entity) + " cannot go from '" + std::string(from) + "' to '" +
                  std::string(to) + "'",
              {}};
  r.extra["from"] = from;
  r.extra["to"] = to;
  return r;
}

}  // namespace commerce::domain
