// Actors found by the kind they serve — the shard regions where callers send entity commands,
// the read models of lists — keyed by the kind's stream type ("product", "cart", ...). They are
// looked up in the node's service directory at each use, under the stream type followed by a
// suffix ("cart" for its region, "cart_view" for its read model), so a restarted region is
// found by the gateway, the timer service and process managers without restarting them.
#pragma once

#include "actors/service_directory.hpp"

#include <caf/actor.hpp>

#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace commerce::actors {

class kind_actors {
 public:
  // A directory of its own (tests, and nodes that build their regions in one go).
  kind_actors() : kind_actors(std::make_shared<service_directory>(), "") {}
  kind_actors(std::shared_ptr<service_directory> directory, std::string suffix)
      : directory_(std::move(directory)), suffix_(std::move(suffix)) {}

  // The live actor of a stream type; an invalid handle if none.
  caf::actor of(std::string_view stream_type) const { return directory_->get<caf::actor>(name_of(stream_type)); }
  template <class Decider>
  caf::actor of() const {
    return of(Decider::stream_type);
  }

  void set(std::string_view stream_type, const caf::actor& actor) {
    directory_->put(name_of(stream_type), actor);
    for (const auto& type : stream_types_)
      if (type == stream_type) return;
    stream_types_.emplace_back(stream_type);
  }

  // The live ones of the stream types set through this object, in the order they were set.
  std::vector<caf::actor> all() const {
    std::vector<caf::actor> out;
    for (const auto& type : stream_types_)
      if (auto actor = of(type)) out.push_back(std::move(actor));
    return out;
  }

  std::string name_of(std::string_view stream_type) const { return std::string(stream_type) + suffix_; }

 private:
  std::shared_ptr<service_directory> directory_;
  std::string suffix_;
  std::vector<std::string> stream_types_;
};

using entity_regions = kind_actors;

}  // namespace commerce::actors
