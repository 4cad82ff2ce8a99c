#include "adapters/postgres/order_effects_store.hpp"

#include "adapters/answer_or_error.hpp"
#include "adapters/postgres/lazy_connection.hpp"
#include "common/metrics.hpp"
#include "protocols/order_effects.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <memory>

namespace commerce::adapters::postgres {
namespace {

namespace json = boost::json;
using domain::sales_fact_kind;

const std::string pick_sql =
    "INSERT INTO pick_lists (order_id, customer_id, shipping_address, lines) VALUES ($1, $2, $3::jsonb, $4::jsonb) "
    "ON CONFLICT (order_id) DO NOTHING";
const std::string notify_sql =
    "INSERT INTO outbox (key, template, recipient, data) VALUES ($1, $2, $3, $4::jsonb) ON CONFLICT (key) DO NOTHING";
const std::string fact_sql =
    "INSERT INTO sales_facts (key, kind, currency, amount) VALUES ($1, $2, $3, $4) ON CONFLICT (key) DO NOTHING "
    "RETURNING 1";
const std::string totals_sql = "SELECT kind, currency, count(*), sum(amount) FROM sales_facts GROUP BY kind, currency";

const char* kind_name(sales_fact_kind k) { return k == sales_fact_kind::order_paid ? "order_paid" : "refund"; }

// Analytics' counters, by currency.
void count(const std::string& kind, const std::string& currency, std::uint64_t facts, std::uint64_t amount,
           bool loaded) {
  auto& registry = metrics::registry::global();
  const metrics::labels by_currency{{"currency", currency}};
  auto counted = [&](const char* name, const char* help, std::uint64_t n) {
    auto& c = registry.get_counter(name, help, by_currency);
    loaded ? c.raise_to(n) : c.add(n);
  };
  if (kind == "order_paid") {
    counted("commerce_orders_paid_total", "Orders paid.", facts);
    counted("commerce_revenue_minor_total", "Amount paid for orders, in minor units.", amount);
  } else {
    counted("commerce_refunds_minor_total", "Amount refunded, in minor units.", amount);
  }
}

class order_effects_tables {
 public:
  explicit order_effects_tables(std::string conninfo) : db_(std::move(conninfo), "order effects store") {}

  void put(const std::vector<domain::order_effects>& batch) {
    if (!loaded_) load_totals();
    std::vector<const domain::sales_fact*> inserted;
    db_.run("BEGIN", {});
    try {
      for (const auto& e : batch) {
        if (e.pick) insert_pick_list(*e.pick);
        if (e.notify) insert_notification(*e.notify);
        if (e.fact && insert_fact(*e.fact)) inserted.push_back(&*e.fact);
      }
      db_.run("COMMIT", {});
    } catch (...) {
      try {
        db_.run("ROLLBACK", {});
      } catch (...) {  // the connection is gone, and the transaction with it
      }
      throw;
    }
    for (const auto* f : inserted)
      count(kind_name(f->kind), f->amount.currency, 1, static_cast<std::uint64_t>(f->amount.amount), false);
  }

  void load_totals() {
    auto r = db_.run(totals_sql, {});
    for (int row = 0; row < PQntuples(r.get()); ++row)
      count(PQgetvalue(r.get(), row, 0), PQgetvalue(r.get(), row, 1), std::stoull(PQgetvalue(r.get(), row, 2)),
            std::stoull(PQgetvalue(r.get(), row, 3)), true);
    loaded_ = true;
  }

 private:
  void insert_pick_list(const domain::pick_list& p) {
    json::array lines;
    for (const auto& l : p.lines) lines.push_back({{"sku", l.sku}, {"quantity", l.quantity}});
    const auto address = json::serialize(p.shipping_address), items = json::serialize(lines);
    db_.run(pick_sql, {p.order_id.c_str(), p.customer_id.c_str(), address.c_str(), items.c_str()});
  }

  void insert_notification(const domain::notification& n) {
    const auto data = json::serialize(n.data);
    db_.run(notify_sql, {n.key.c_str(), n.template_name.c_str(), n.recipient.c_str(), data.c_str()});
  }

  bool insert_fact(const domain::sales_fact& f) {
    const auto amount = std::to_string(f.amount.amount);
    return PQntuples(db_.run(fact_sql, {f.key.c_str(), kind_name(f.kind), f.amount.currency.c_str(), amount.c_str()})
                         .get()) == 1;
  }

  lazy_connection db_;
  bool loaded_ = false;
};

constexpr const char* store_failed = "order effects store failed";

protocols::order_effects_store_actor::behavior_type order_effects_store(protocols::order_effects_store_actor::pointer,
                                                                        std::shared_ptr<order_effects_tables> tables) {
  // The counters show the stored totals from the start, not only after the first order.
  answer_or_error(store_failed, [&] { tables->load_totals(); });
  return {
      [tables](caf::put_atom, const protocols::order_effects_batch& batch) {
        return answer_or_error(store_failed, [&] { tables->put(batch.effects); });
      },
  };
}

}  // namespace

protocols::order_effects_store_actor spawn_order_effects_store(caf::actor_system& system, std::string conninfo) {
  return system.spawn<caf::detached>(order_effects_store, std::make_shared<order_effects_tables>(std::move(conninfo)));
}

}  // namespace commerce::adapters::postgres
