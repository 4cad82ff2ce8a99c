// A webhook from the store platform, kept in the inbox under its delivery id
// (X-Shopify-Webhook-Id): the first delivery is recorded, every repeat — also one that arrives
// at the same moment on another connection — changes nothing, since one entity decides for its
// id. What was recorded is processed afterwards from the journal (the journal is the inbox):
// today `inventory_levels/update`, which counts a product's stock (domain/inventory.hpp,
// count_stock).
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>

#include <cstdint>
#include <string>
#include <string_view>
#include <variant>

namespace commerce::domain {

// A count the reconciliation sweep found is recorded as a webhook of this topic, and applied
// with a source that starts with reconciliation_source_prefix (domain/reconciliation.hpp).
inline constexpr std::string_view reconciliation_topic = "reconciliation";
inline constexpr std::string_view reconciliation_source_prefix = "reconciliation:";

// 1–128 characters of [A-Za-z0-9._:-], as the platform's delivery ids are.
bool valid_webhook_id(std::string_view id);

struct webhook_state {
  std::string id;
  bool exists = false;
  std::string topic;
  std::string sku;
  std::int64_t available = 0;
  timestamp updated_at;   // the platform's time of the count
  timestamp received_at;
};
BOOST_DESCRIBE_STRUCT(webhook_state, (), (id, exists, topic, sku, available, updated_at, received_at))

struct receive_webhook {
  static constexpr std::string_view type_name = "ReceiveWebhook";
  std::string topic; std::string sku; std::int64_t available = 0; timestamp updated_at;
};
BOOST_DESCRIBE_STRUCT(receive_webhook, (), (topic, sku, available, updated_at))
using webhook_command = std::variant<receive_webhook>;

struct webhook_received {
  static constexpr std::string_view type_name = "WebhookReceived";
  static constexpr int schema_version = 1;
  std::string topic; std::string sku; std::int64_t available = 0; timestamp updated_at; timestamp at;
};
BOOST_DESCRIBE_STRUCT(webhook_received, (), (topic, sku, available, updated_at, at))
using webhook_event = std::variant<webhook_received>;

struct webhook_decider {
  using state = webhook_state;
  using command = webhook_command;
  using event = webhook_event;
  static constexpr std::string_view stream_type = "webhook";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
