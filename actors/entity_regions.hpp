// The shard regions of the node's entity kinds, by kind: where callers send entity commands.
#pragma once

#include <caf/actor.hpp>

#include <string_view>
#include <vector>

namespace commerce::actors {

struct entity_regions {
  caf::actor product;
  caf::actor cart;
  caf::actor order;
  caf::actor checkout;

  // The region of a stream type ("product", "cart", ...); an invalid handle if none.
  caf::actor for_stream_type(std::string_view stream_type) const;
  void set(std::string_view stream_type, caf::actor region);
  std::vector<caf::actor> all() const { return {product, cart, order, checkout}; }
};

}  // namespace commerce::actors
