// A real CAF actor system for actor tests, set up as commerced sets up its own.
#pragma once

#include <caf/all.hpp>

#include <memory>

namespace commerce::test {

struct actor_system_fixture {
  caf::actor_system_config cfg;
  std::unique_ptr<caf::actor_system> system;
  actor_system_fixture() {
    cfg.set("scheduler.max-threads", 2);
    cfg.set("logger.verbosity", caf::atom("quiet"));
    system = std::make_unique<caf::actor_system>(cfg);
  }
};

}  // namespace commerce::test
