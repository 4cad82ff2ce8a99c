// Seeded random walks over many SKUs and carts, driving the deciders the way the cart and
// checkout actors will: reserve at the SKU, then record on the cart. After every step the stock
// invariant holds, sold never shrinks, and every cart line marked reserved is backed by exactly
// that reservation (and no reservation belongs to nobody). A failure prints the seed; rerun with
// COMMERCE_TEST_SEED=<seed> to reproduce it.
#include "domain/cart.hpp"
#include "domain/inventory.hpp"
#include "domain/order.hpp"

#include "domain_helpers.hpp"

#include <cstdlib>
#include <random>

using namespace commerce::domain;
using namespace commerce::test;

namespace {

constexpr int sku_count = 12;
constexpr int cart_count = 30;
constexpr duration ttl{60'000};

struct world {
  std::mt19937_64 rng;
  timestamp now{1'700'000'000'000};
  std::vector<inventory_state> skus;
  std::vector<cart_state> carts;
  std::vector<std::int64_t> sold_before;
  std::int64_t stock_in = 0;  // every unit ever put on hand
  int orders = 0, rejections = 0;

  explicit world(std::uint64_t seed) : rng(seed) {
    for (int i = 0; i < sku_count; ++i) {
      skus.push_back(inventory_decider::initial("SKU-" + std::to_string(i)));
      must(inv(i, define_product{"P" + std::to_string(i), {100 + i, "USD"}, ""}));
    }
    for (int i = 0; i < cart_count; ++i) {
      carts.push_back(cart_decider::initial("cart-" + std::to_string(i)));
      must(cart(i, create_cart{"USD", "", ""}));
    }
    sold_before.assign(sku_count, 0);
  }

  int pick(int n) { return static_cast<int>(rng() % static_cast<std::uint64_t>(n)); }
  context ctx() const { return {now}; }

  template <class Event>
  static void must(const decision<Event>& d) {
    INFO((d.accepted() ? std::string() : d.error().code + ": " + d.error().detail));
    REQUIRE(d.accepted());
  }

  decision<inventory_event> inv(int sku, const inventory_command& c) { return run<inventory_decider>(skus[sku], c, ctx()); }
  decision<cart_event> cart(int i, const cart_command& c) { return run<cart_decider>(carts[i], c, ctx()); }

  const std::string& sku_id(int sku) const { return skus[sku].sku; }
  int sku_index(const std::string& id) const { return std::stoi(id.substr(4)); }

  // Customer activity restarts the TTL of all the cart's reservations, on both sides.
  void refresh_leases(int c) {
    for (const auto& [sku, line] : carts[c].lines)
      if (line.reserved) must(inv(sku_index(sku), reserve_stock{carts[c].id, line.quantity, now + ttl}));
  }

  void set_line_step() {
    const int c = pick(cart_count), k = pick(sku_count);
    const std::int64_t quantity = pick(6);
    if (carts[c].status != cart_status::open) return;
    auto reserved = inv(k, reserve_stock{carts[c].id, quantity, now + ttl});
    if (!reserved.accepted()) {
      REQUIRE(reserved.error().code == "insufficient_stock");
      ++rejections;
      return;
    }
    must(cart(c, set_line{sku_id(k), quantity, skus[k].price, true}));
    refresh_leases(c);
  }

  void remove_line_step() {
    const int c = pick(cart_count);
    if (carts[c].status != cart_status::open || carts[c].lines.empty()) return;
    auto it = carts[c].lines.begin();
    std::advance(it, pick(static_cast<int>(carts[c].lines.size())));
    const std::string sku = it->first;
    must(inv(sku_index(sku), release_stock{carts[c].id, "line removed"}));
    must(cart(c, remove_line{sku}));
    refresh_leases(c);
  }

  void stock_step() {
    const int k = pick(sku_count);
    const std::int64_t delta = pick(9) - 3;
    if (delta == 0) return;
    auto d = inv(k, adjust_stock{delta, "count"});
    if (d.accepted()) stock_in += delta;
    else REQUIRE(d.error().code == "insufficient_stock");
  }

  void time_step() {
    now = now + duration{pick(30'000)};
    for (int k = 0; k < sku_count; ++k) must(inv(k, expire_reservations{}));
    // The cart's own expiry is authoritative and releases at the SKUs; the SKU lease is the
    // safety net for a cart that dies before it can.
    for (int c = 0; c < cart_count; ++c) {
      auto d = cart(c, expire_cart_reservations{ttl.count()});
      must(d);
      for (const auto& e : d.events())
        for (const auto& sku : std::get<cart_reservations_expired>(e).skus)
          must(inv(sku_index(sku), release_stock{carts[c].id, "cart idle"}));
    }
  }

  // Checkout as the saga will run it: re-reserve lapsed lines, advance to payment, then pay
  // (sell, order, convert) or decline (back to the cart stage, cart open again).
  void checkout_step() {
    const int c = pick(cart_count);
    auto& cs = carts[c];
    if (cs.status != cart_status::open || cs.lines.empty()) return;
    for (const auto& [sku, line] : std::map<std::string, cart_line>(cs.lines)) {
      if (line.reserved) continue;
      auto r = inv(sku_index(sku), reserve_stock{cs.id, line.quantity, now + ttl});
      if (!r.accepted()) return;  // the customer sees insufficient_stock; lines stay unreserved
      must(cart(c, mark_line_reserved{sku, true}));
    }
    const std::string checkout = "co-" + std::to_string(orders) + "-" + cs.id;
    must(cart(c, begin_checkout{checkout}));
    for (auto stage : {reservation_stage::checkout, reservation_stage::payment})
      for (const auto& [sku, line] : cs.lines) must(inv(sku_index(sku), advance_reservation{cs.id, stage, {}}));

    if (pick(4) == 0) {  // declined
      for (const auto& [sku, line] : cs.lines)
        must(inv(sku_index(sku), advance_reservation{cs.id, reservation_stage::cart, now + ttl}));
      must(cart(c, cancel_checkout{checkout, "payment_declined"}));
      return;
    }
    auto order = order_decider::initial("order-" + std::to_string(orders++));
    place_order placement{cs.id, "", "", {}, {}};
    for (const auto& [sku, line] : cs.lines) placement.lines.push_back({sku, line.quantity, line.unit_price});
    must(run<order_decider>(order, placement, ctx()));
    REQUIRE(order.total == cs.subtotal());
    must(run<order_decider>(order, record_payment{"ch-" + order.id, order.total}, ctx()));
    for (const auto& [sku, line] : cs.lines) must(inv(sku_index(sku), commit_reservation{cs.id}));
    must(cart(c, complete_checkout{checkout, order.id}));
    // A converted cart's slot gets a fresh cart so the walk keeps shopping.
    carts[c] = cart_decider::initial(cs.id + "+");
    must(cart(c, create_cart{"USD", "", ""}));
  }

  void check() {
    std::int64_t on_hand_and_sold = 0;
    for (int k = 0; k < sku_count; ++k) {
      const auto& s = skus[k];
      INFO("SKU " << s.sku);
      auto broken = check_invariant(s);
      INFO((broken ? *broken : std::string()));
      REQUIRE_FALSE(broken.has_value());
      REQUIRE(s.sold >= sold_before[k]);
      sold_before[k] = s.sold;
      on_hand_and_sold += s.on_hand + s.sold;
      for (const auto& [holder, r] : s.reservations) {
        const auto cart_it = std::find_if(carts.begin(), carts.end(), [&](const cart_state& c) { return c.id == holder; });
        REQUIRE(cart_it != carts.end());  // no stock reserved for nobody
        const auto line = cart_it->lines.find(s.sku);
        REQUIRE(line != cart_it->lines.end());
        REQUIRE(line->second.reserved);
        REQUIRE(line->second.quantity == r.quantity);
      }
    }
    REQUIRE(on_hand_and_sold == stock_in);  // units are neither made nor lost
    for (const auto& c : carts)
      for (const auto& [sku, line] : c.lines) {
        if (!line.reserved) continue;
        const auto& reservations = skus[sku_index(sku)].reservations;
        const auto r = reservations.find(c.id);
        INFO("cart " << c.id << " line " << sku);
        REQUIRE(r != reservations.end());  // a cart never holds more than it reserved
        REQUIRE(r->second.quantity == line.quantity);
      }
  }
};

std::uint64_t base_seed() {
  if (const char* env = std::getenv("COMMERCE_TEST_SEED")) return std::strtoull(env, nullptr, 10);
  return std::random_device{}();
}

}  // namespace

TEST_CASE("random walks keep stock, reservations and carts consistent", "[inventory][cart][random]") {
  const std::uint64_t seed0 = base_seed();
  for (std::uint64_t run_index = 0; run_index < 8; ++run_index) {
    const std::uint64_t seed = seed0 + run_index;
    INFO("seed " << seed << " (rerun with COMMERCE_TEST_SEED=" << seed << ")");
    world w(seed);
    for (int step = 0; step < 5000; ++step) {
      INFO("step " << step);
      switch (w.pick(10)) {
        case 0: case 1: case 2: case 3: w.set_line_step(); break;
        case 4: w.remove_line_step(); break;
        case 5: case 6: w.stock_step(); break;
        case 7: w.time_step(); break;
        default: w.checkout_step(); break;
      }
      w.check();
    }
    // The walk exercised the interesting paths, not just the easy ones.
    CHECK(w.orders > 10);
    CHECK(w.rejections > 10);
  }
}
