#include "domain/money.hpp"

namespace commerce::domain {

bool valid_currency(std::string_view code) {
  if (code.size() != 3) return false;
  for (char c : code)
    if (c < 'A' || c > 'Z') return false;
  return true;
}

std::optional<std::int64_t> line_amount(std::int64_t quantity, std::int64_t unit) {
  if (quantity < 0 || unit < 0 || quantity > max_quantity || unit > max_amount) return std::nullopt;
  // Both factors are bounded, so the product fits in 128 bits; check it against the cap.
  const auto product = static_cast<__int128>(quantity) * unit;
  if (product > max_amount) return std::nullopt;
  return static_cast<std::int64_t>(product);
}

}  // namespace commerce::domain
