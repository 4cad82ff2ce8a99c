// A pricing campaign (API.md, Pricing jobs and campaigns; seed 002's automated campaigns): a
// rule for some SKUs (or a category's products) that fires when a SKU's available stock
// crosses a line — below or above — and is then applied to that SKU's price. Status machine:
//   draft → active ⇄ paused → rolling_back → rolled_back   (rollback also from active)
// It fires on the crossing only: each SKU's side of the line is kept (`held`), and an
// observation on the same side as the last changes nothing. The price before the campaign's
// first change of each SKU is kept, so a rollback restores exactly that — unless someone else
// changed the price since (then the SKU is left alone, audited as rollback_skipped).
#pragma once

#include "domain/decision.hpp"
#include "domain/money.hpp"
#include "domain/price_rule.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/json/object.hpp>
#include <boost/describe/enum.hpp>

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

inline constexpr std::size_t max_campaign_skus = 1000;

enum class campaign_status { draft, active, paused, rolling_back, rolled_back };
BOOST_DESCRIBE_ENUM(campaign_status, draft, active, paused, rolling_back, rolled_back)
std::string_view to_string(campaign_status s);
std::optional<campaign_status> campaign_status_from(std::string_view text);

enum class trigger_direction { below, above };
BOOST_DESCRIBE_ENUM(trigger_direction, below, above)

struct campaign_trigger {
  trigger_direction direction = trigger_direction::below;
  std::int64_t threshold = 0;
  bool holds(std::int64_t available) const {
    return direction == trigger_direction::below ? available < threshold : available > threshold;
  }
};
BOOST_DESCRIBE_STRUCT(campaign_trigger, (), (direction, threshold))

// An audit entry (API.md's reasons: trigger, reconciliation, rollback, rollback_skipped).
struct campaign_audit_entry {
  timestamp at;
  std::string sku;
  money old_price;
  money new_price;
  std::string reason;
};
BOOST_DESCRIBE_STRUCT(campaign_audit_entry, (), (at, sku, old_price, new_price, reason))

struct campaign_state {
  std::string id;
  bool exists = false;
  std::string name;
  std::vector<std::string> skus;
  std::string category;
  campaign_trigger trigger;
  price_rule rule;
  std::int64_t priority = 0;
  std::optional<timestamp> ends_at;
  campaign_status status = campaign_status::draft;
  std::int64_t trigger_count = 0;
  std::optional<timestamp> last_triggered_at;
  std::map<std::string, bool> held;           // by SKU: the trigger's condition at the last observation
  std::map<std::string, std::int64_t> observed;  // by SKU: the product version observed last (older: ignored)
  std::map<std::string, std::string> recorded;   // by SKU: the reference of the change recorded last
  std::map<std::string, money> prior_prices;  // by SKU: before the campaign's first change of it
  std::map<std::string, money> last_set;      // by SKU: the price the campaign set last
  std::vector<campaign_audit_entry> audit;
  timestamp created_at;

  bool covers(const std::string& sku, const std::string& product_category) const;
};
BOOST_DESCRIBE_STRUCT(campaign_state, (), (id, exists, name, skus, category, trigger, rule, priority, ends_at, status,
                                           trigger_count, last_triggered_at, held, observed, recorded, prior_prices,
                                           last_set, audit, created_at))

// --- commands ---------------------------------------------------------------------------------

struct create_campaign {
  static constexpr std::string_view type_name = "CreateCampaign";
  std::string name; std::vector<std::string> skus; std::string category; campaign_trigger trigger; price_rule rule;
  std::int64_t priority = 0; std::optional<timestamp> ends_at;
};
// active or paused (PATCH).
struct set_campaign_status {
  static constexpr std::string_view type_name = "SetCampaignStatus";
  campaign_status status = campaign_status::active;
};
// A SKU's available stock right after its product's event `version`: fires the campaign when it
// crosses the line. A version at or before the last observed changes nothing (a redelivery).
// `reason`: what the firing is audited as — "trigger", or "reconciliation" when that event is a
// count the reconciliation sweep found.
struct observe_inventory {
  static constexpr std::string_view type_name = "ObserveInventory";
  std::string sku; std::int64_t available = 0; std::int64_t version = 0; std::string reason = "trigger";
  // Commands are decoded as of schema 1 (a parked one may come from an older build): `reason`
  // came with schema 2.
  static constexpr int schema_version = 2;
  static void upcast(boost::json::object& data, int) { data.emplace("reason", "trigger"); }
};
// The product took the campaign's change `reference` for `sku`; the same reference again
// changes nothing. Recorded in a rollback too, so that the rollback restores it.
struct record_campaign_price {
  static constexpr std::string_view type_name = "RecordCampaignPrice";
  std::string sku; money old_price; money new_price; std::string reference; std::string reason = "trigger";
  static constexpr int schema_version = 2;  // as observe_inventory
  static void upcast(boost::json::object& data, int) { data.emplace("reason", "trigger"); }
};
struct request_rollback { static constexpr std::string_view type_name = "RequestRollback"; };
// One SKU rolled back (restored) or left alone (skipped: its price changed since).
struct record_rollback {
  static constexpr std::string_view type_name = "RecordRollback";
  std::string sku; money old_price; money new_price; bool skipped = false;
};
struct finish_rollback { static constexpr std::string_view type_name = "FinishRollback"; };
BOOST_DESCRIBE_STRUCT(create_campaign, (), (name, skus, category, trigger, rule, priority, ends_at))
BOOST_DESCRIBE_STRUCT(set_campaign_status, (), (status))
BOOST_DESCRIBE_STRUCT(observe_inventory, (), (sku, available, version, reason))
BOOST_DESCRIBE_STRUCT(record_campaign_price, (), (sku, old_price, new_price, reference, reason))
BOOST_DESCRIBE_STRUCT(request_rollback, (), ())
BOOST_DESCRIBE_STRUCT(record_rollback, (), (sku, old_price, new_price, skipped))
BOOST_DESCRIBE_STRUCT(finish_rollback, (), ())
using campaign_command = std::variant<create_campaign, set_campaign_status, observe_inventory, record_campaign_price,
                                      request_rollback, record_rollback, finish_rollback>;

// --- events -----------------------------------------------------------------------------------

struct campaign_created {
  static constexpr std::string_view type_name = "CampaignCreated";
  static constexpr int schema_version = 1;
  std::string name; std::vector<std::string> skus; std::string category; campaign_trigger trigger; price_rule rule;
  std::int64_t priority = 0; std::optional<timestamp> ends_at; timestamp at;
};
struct campaign_status_changed {
  static constexpr std::string_view type_name = "CampaignStatusChanged";
  static constexpr int schema_version = 1;
  campaign_status from = campaign_status::draft; campaign_status to = campaign_status::active; timestamp at;
};
// The SKU moved to the other side of the line; `fired` when it is now on the trigger's side.
// Schema 2 added `reason` (schema 1: every firing was a "trigger").
struct campaign_crossing {
  static constexpr std::string_view type_name = "CampaignCrossing";
  static constexpr int schema_version = 2;
  std::string sku; std::int64_t available = 0; bool fired = false; std::int64_t version = 0; timestamp at;
  std::string reason;
  static void upcast(boost::json::object& data, int) { data.emplace("reason", "trigger"); }
};
struct campaign_price_recorded {
  static constexpr std::string_view type_name = "CampaignPriceRecorded";
  static constexpr int schema_version = 2;
  std::string sku; money old_price; money new_price; std::string reference; timestamp at; std::string reason;
  static void upcast(boost::json::object& data, int) { data.emplace("reason", "trigger"); }
};
struct campaign_rollback_recorded {
  static constexpr std::string_view type_name = "CampaignRollbackRecorded";
  static constexpr int schema_version = 1;
  std::string sku; money old_price; money new_price; bool skipped = false; timestamp at;
};
BOOST_DESCRIBE_STRUCT(campaign_created, (), (name, skus, category, trigger, rule, priority, ends_at, at))
BOOST_DESCRIBE_STRUCT(campaign_status_changed, (), (from, to, at))
BOOST_DESCRIBE_STRUCT(campaign_crossing, (), (sku, available, fired, version, at, reason))
BOOST_DESCRIBE_STRUCT(campaign_price_recorded, (), (sku, old_price, new_price, reference, at, reason))
BOOST_DESCRIBE_STRUCT(campaign_rollback_recorded, (), (sku, old_price, new_price, skipped, at))
using campaign_event = std::variant<campaign_created, campaign_status_changed, campaign_crossing,
                                    campaign_price_recorded, campaign_rollback_recorded>;

// --- decider ----------------------------------------------------------------------------------

struct campaign_decider {
  using state = campaign_state;
  using command = campaign_command;
  using event = campaign_event;
  static constexpr std::string_view stream_type = "campaign";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // The SKUs a rollback still has to go through: those it changed and has not rolled back.
  static std::vector<std::string> rollback_left(const state& s);
};

}  // namespace commerce::domain
