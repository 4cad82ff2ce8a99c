// The order effects protocol: how the order event handlers (actors/order_handlers.cpp) hand what
// a batch of order events asks for to the store that keeps it (adapters/postgres/order_effects_store).
//
//   request(store, t, put_atom, std::vector<domain::order_effects>) -> () once durable
//
// The store writes a batch in one transaction and keeps each effect once under its key, so a
// batch handed over again (the subscription delivers at least once) changes nothing. A storage
// failure comes back as sec::runtime_error; the subscription then delivers the batch again.
#pragma once

#include "domain/order_effects.hpp"

#include <caf/allowed_unsafe_message_type.hpp>

#include <vector>

CAF_ALLOW_UNSAFE_MESSAGE_TYPE(std::vector<commerce::domain::order_effects>)
