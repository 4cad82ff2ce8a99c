// The node's long-lived actors found by name, as Erlang/OTP's registered processes: each one is
// registered under its name when it starts (again after every restart), and its users look it
// up when they use it. So a restarted journal writer or region is found by everyone without
// restarting them. A name whose actor has stopped finds nothing: a request to it fails at once
// (sec::invalid_argument), which callers treat like any other unanswered request.
#pragma once

#include <caf/actor_addr.hpp>
#include <caf/actor_cast.hpp>
#include <caf/fwd.hpp>

#include <map>
#include <memory>
#include <shared_mutex>
#include <string>
#include <string_view>

namespace commerce::actors {

class service_directory : public std::enable_shared_from_this<service_directory> {
 public:
  // Registers `actor` under `name`, replacing the one before; the entry goes when it stops.
  template <class Handle>
  void put(const std::string& name, const Handle& actor) {
    put_actor(name, caf::actor_cast<caf::strong_actor_ptr>(actor));
  }

  // The live actor registered under `name`, or an invalid handle.
  template <class Handle>
  Handle get(std::string_view name) const {
    return caf::actor_cast<Handle>(get_actor(name));
  }

 private:
  void put_actor(const std::string& name, caf::strong_actor_ptr actor);
  caf::strong_actor_ptr get_actor(std::string_view name) const;

  mutable std::shared_mutex mutex_;
  // Weak: the directory keeps no actor alive (its supervisor does).
  std::map<std::string, caf::actor_addr, std::less<>> actors_;
};

// A dependency on an actor: found by name in a directory at each use, or fixed (an actor
// started together with its user, and tests).
template <class Handle>
class service {
 public:
  service() = default;
  // Explicit, so that a handle looked up once cannot pass for a dependency found at each use.
  explicit service(Handle fixed) : fixed_(std::move(fixed)) {}
  service(std::shared_ptr<const service_directory> directory, std::string name)
      : directory_(std::move(directory)), name_(std::move(name)) {}

  // The actor now; an invalid handle while it is down (or restarting).
  Handle get() const { return directory_ ? directory_->template get<Handle>(name_) : fixed_; }

  // Whether there is such a dependency at all (it may still be down right now).
  explicit operator bool() const { return directory_ || fixed_; }

 private:
  Handle fixed_;
  std::shared_ptr<const service_directory> directory_;
  std::string name_;
};

}  // namespace commerce::actors
