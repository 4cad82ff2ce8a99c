// Small helpers for driving deciders in tests: run a command, fail loudly on a surprise.
#pragma once

#include "domain/decision.hpp"

#include <catch2/catch.hpp>

#include <string>

namespace commerce::test {

inline domain::context at_ms(std::int64_t ms) { return {domain::timestamp{ms}}; }
inline const domain::context t0 = at_ms(1'700'000'000'000);

// Decides and, when accepted, evolves the state. Returns the decision for inspection.
template <class Decider>
domain::decision<typename Decider::event> run(typename Decider::state& s, const typename Decider::command& c,
                                              const domain::context& ctx = t0) {
  auto d = Decider::decide(s, c, ctx);
  if (d.accepted()) s = domain::evolve_all<Decider>(std::move(s), d.events());
  return d;
}

template <class Decider>
void require_accepted(typename Decider::state& s, const typename Decider::command& c,
                      const domain::context& ctx = t0) {
  auto d = run<Decider>(s, c, ctx);
  INFO((d.accepted() ? std::string() : d.error().code + ": " + d.error().detail));
  REQUIRE(d.accepted());
}

template <class Event>
std::string code_of(const domain::decision<Event>& d) {
  return d.accepted() ? "accepted" : d.error().code;
}

}  // namespace commerce::test
