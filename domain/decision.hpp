// The outcome of a decider's `decide`: the events to persist (possibly none, when the command
// is already satisfied, which makes retries idempotent) or a rejection.
#pragma once

#include "domain/rejection.hpp"
#include "domain/time.hpp"

#include <type_traits>
#include <utility>
#include <variant>
#include <vector>

namespace commerce::domain {

// What a decision may depend on besides state and command. Time comes in; it is never read.
struct context {
  timestamp now;
};

template <class Event>
class decision {
 public:
  decision(std::vector<Event> events) : outcome_(std::move(events)) {}
  decision(rejection r) : outcome_(std::move(r)) {}
  template <class E, class = std::enable_if_t<std::is_constructible_v<Event, E&&> &&
                                              !std::is_same_v<std::decay_t<E>, rejection>>>
  decision(E&& event) : outcome_(std::vector<Event>{Event(std::forward<E>(event))}) {}

  static decision nothing() { return std::vector<Event>{}; }

  bool accepted() const { return outcome_.index() == 0; }
  const std::vector<Event>& events() const { return std::get<0>(outcome_); }
  const rejection& error() const { return std::get<1>(outcome_); }

 private:
  std::variant<std::vector<Event>, rejection> outcome_;
};

// std::visit with one lambda per alternative.
template <class... Fs>
struct overloaded : Fs... {
  using Fs::operator()...;
};
template <class... Fs>
overloaded(Fs...) -> overloaded<Fs...>;

// Folds events into a state with the decider's evolve.
template <class Decider, class Events>
typename Decider::state evolve_all(typename Decider::state s, const Events& events) {
  for (const auto& e : events) s = Decider::evolve(std::move(s), e);
  return s;
}

}  // namespace commerce::domain
