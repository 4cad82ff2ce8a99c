// commerce_price_changes_total{cause="job|campaign|rollback"}: counted by whoever commanded the
// change, from the product's answer (its events: none when the change was applied before).
#pragma once

#include "common/metrics.hpp"
#include "domain/inventory.hpp"

#include <string>
#include <vector>

namespace commerce::actors {

inline void count_price_changes(const std::vector<domain::inventory_event>& events) {
  for (const auto& e : events)
    if (const auto* changed = std::get_if<domain::price_changed>(&e))
      metrics::registry::global()
          .get_counter("commerce_price_changes_total", "Price changes by jobs, campaigns and rollbacks, by cause",
                       {{"cause", std::string(domain::to_string(changed->cause))}})
          .add();
}

}  // namespace commerce::actors
