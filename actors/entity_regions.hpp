// Actors found by the kind they serve — the shard regions where callers send entity commands,
// the read models of lists — keyed by the kind's stream type ("product", "cart", ...).
#pragma once

#include <caf/actor.hpp>

#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace commerce::actors {

class kind_actors {
 public:
  // The actor of a stream type; an invalid handle if none.
  const caf::actor& of(std::string_view stream_type) const {
    for (const auto& [type, actor] : actors_)
      if (type == stream_type) return actor;
    static const caf::actor none;
    return none;
  }
  template <class Decider>
  const caf::actor& of() const {
    return of(Decider::stream_type);
  }

  void set(std::string_view stream_type, caf::actor actor) {
    for (auto& [type, held] : actors_)
      if (type == stream_type) return void(held = std::move(actor));
    actors_.emplace_back(std::string(stream_type), std::move(actor));
  }

  std::vector<caf::actor> all() const {
    std::vector<caf::actor> out;
    for (const auto& entry : actors_) out.push_back(entry.second);
    return out;
  }

 private:
  // A handful of kinds: a vector searched in order is as fast as a map and keeps start order.
  std::vector<std::pair<std::string, caf::actor>> actors_;
};

using entity_regions = kind_actors;

}  // namespace commerce::actors
