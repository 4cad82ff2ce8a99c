// The checkout saga's steps (domain/checkout.hpp says which comes when): what the checkout
// entity does after each of its events, as the `react` of its kind. Each step asks the other
// kinds' entities and the payment client, and reports its outcome back to the checkout as a
// record_* command. A step that meets a transient failure (a timeout, the journal away) reports
// nothing: the checkout's durable deadline resumes it, and every step is safe to run again.
#pragma once

#include "actors/entity_services.hpp"
#include "domain/checkout.hpp"

#include <caf/fwd.hpp>

#include <chrono>
#include <functional>
#include <memory>
#include <vector>

namespace commerce::actors {

struct checkout_process_options {
  domain::duration reservation_ttl{std::chrono::minutes(10)};  // of reservations given back to a cart
  std::chrono::milliseconds ask_timeout{std::chrono::seconds(10)};
  std::chrono::milliseconds payment_timeout{std::chrono::seconds(30)};  // the client's whole retry budget fits
  std::chrono::milliseconds give_up_after{std::chrono::minutes(15)};   // then it stalls for an operator
};

using checkout_react =
    std::function<void(caf::event_based_actor*, const domain::checkout_state&, const std::vector<domain::checkout_event>&,
                       std::shared_ptr<const void>, std::function<void(domain::checkout_command)>)>;

checkout_react checkout_steps(entity_services services, checkout_process_options options);

}  // namespace commerce::actors
