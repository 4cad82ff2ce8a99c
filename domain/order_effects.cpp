#include "domain/order_effects.hpp"

#include <boost/json.hpp>

namespace commerce::domain {
namespace {

notification notify(const order_state& o, std::string template_name, boost::json::object data) {
  data["order_id"] = o.id;
  data["total"] = boost::json::value_from(o.total);
  return {o.id + "/" + template_name, std::move(template_name), o.id, o.email, std::move(data)};
}

}  // namespace

order_effects effects_of(const order_state& o, const order_event& event) {
  order_effects out;
  std::visit(
      [&](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        if constexpr (std::is_same_v<E, order_paid>) {
          out.pick = pick_list{o.id, o.customer_id, o.shipping_address, o.lines};
          out.notify = notify(o, "order_confirmation",
                              {{"lines", boost::json::value_from(o.lines)}, {"transaction_id", e.transaction_id}});
          out.fact = sales_fact{"paid/" + o.id, sales_fact_kind::order_paid, e.amount};
        } else if constexpr (std::is_same_v<E, order_shipped>) {
          out.notify = notify(o, "order_shipped", {{"carrier", e.carrier}, {"tracking", e.tracking}});
        } else if constexpr (std::is_same_v<E, order_delivered>) {
          out.notify = notify(o, "order_delivered", {});
        } else if constexpr (std::is_same_v<E, order_cancelled>) {
          out.notify = notify(o, "order_cancelled", {{"reason", e.reason}, {"refund_due", e.refund_due}});
        } else if constexpr (std::is_same_v<E, refund_processed>) {
          auto n = notify(o, "refund_processed",
                          {{"refund_id", e.refund_id}, {"amount", e.amount}, {"total_refunded", e.total_refunded}});
          n.key = o.id + "/refund/" + e.refund_id;
          out.notify = std::move(n);
          out.fact = sales_fact{"refund/" + o.id + "/" + e.refund_id, sales_fact_kind::refund,
                                money{e.amount, o.total.currency}};
        }
      },
      event);
  return out;
}

}  // namespace commerce::domain
