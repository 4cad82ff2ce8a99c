#include "actors/service_directory.hpp"

#include <caf/abstract_actor.hpp>
#include <caf/actor_addr.hpp>
#include <caf/actor_control_block.hpp>

#include <mutex>

namespace commerce::actors {

void service_directory::put_actor(const std::string& name, caf::strong_actor_ptr actor) {
  if (!actor) return;
  {
    std::unique_lock lock(mutex_);
    actors_[name] = actor->address();
  }
  // Forget it when it stops (at once if it already has), unless a successor took the name.
  actor->get()->attach_functor([weak = weak_from_this(), name, stopped = actor->address()] {
    if (auto directory = weak.lock()) {
      std::unique_lock lock(directory->mutex_);
      if (auto it = directory->actors_.find(name); it != directory->actors_.end() && it->second == stopped)
        directory->actors_.erase(it);
    }
  });
}

caf::strong_actor_ptr service_directory::get_actor(std::string_view name) const {
  std::shared_lock lock(mutex_);
  const auto it = actors_.find(name);
  return it == actors_.end() ? nullptr : caf::actor_cast<caf::strong_actor_ptr>(it->second);
}

}  // namespace commerce::actors
