// The order's own outside steps, as the `react` of its kind (domain/order.hpp says when they are
// due): a cancelled paid order's units go back on hand at each SKU, then each pending refund is
// asked of the provider under its journaled key, one at a time, and the outcome is recorded on
// the order. A step that gets no definitive answer reports nothing: the order's deadline runs it
// again with the same key.
#pragma once

#include "actors/entity_services.hpp"
#include "domain/order.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace commerce::actors {

struct order_process_options {
  std::chrono::milliseconds ask_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds payment_timeout{std::chrono::seconds(30)};
};

using order_react =
    std::function<void(caf::event_based_actor*, const domain::order_state&, const std::vector<domain::order_event>&,
                       std::shared_ptr<const void>, std::function<void(domain::order_command)>)>;

order_react order_steps(entity_services services, order_process_options options);

}  // namespace commerce::actors
