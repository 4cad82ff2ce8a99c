// The order handlers' store on PostgreSQL (tables pick_lists, outbox and sales_facts, migration
// 0004): a detached actor (its calls block) implementing protocols/order_effects.hpp.
//
// It also keeps analytics' counters in /metrics exact across restarts: at start it loads the
// totals of sales_facts, then adds only the facts a transaction actually inserted.
//   commerce_orders_paid_total{currency}, commerce_revenue_minor_total{currency},
//   commerce_refunds_minor_total{currency}
#pragma once

#include "protocols/order_effects.hpp"

#include <caf/fwd.hpp>

#include <string>

namespace commerce::adapters::postgres {

protocols::order_effects_store_actor spawn_order_effects_store(caf::actor_system& system, std::string conninfo);

}  // namespace commerce::adapters::postgres
