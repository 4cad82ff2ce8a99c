// The order effects protocol: how the order event handlers (actors/kinds/order/order_handlers.cpp)
// hand what a batch of order events asks for to the store that keeps it
// (adapters/postgres/order_effects_store).
//
//   request(store, t, put_atom, order_effects_batch) -> () once durable
//
// The store writes a batch in one transaction and keeps each effect once under its key, so a
// batch handed over again (the subscription delivers at least once) changes nothing. A storage
// failure comes back as sec::runtime_error; the subscription then delivers the batch again.
#pragma once

#include "domain/order_effects.hpp"
#include "protocols/wire.hpp"

#include <caf/atom.hpp>
#include <caf/replies_to.hpp>
#include <caf/typed_actor.hpp>

#include <vector>

namespace commerce::protocols {

struct order_effects_batch {
  std::vector<domain::order_effects> effects;
};
BOOST_DESCRIBE_STRUCT(order_effects_batch, (), (effects))
COMMERCE_WIRE_MESSAGE(order_effects_batch, "commerce.order_effects_batch")

using order_effects_store_actor = caf::typed_actor<caf::reacts_to<caf::put_atom, order_effects_batch>>;

}  // namespace commerce::protocols
