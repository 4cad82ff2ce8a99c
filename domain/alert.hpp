// An alert: something the runtime could not settle by itself and a person must look at — a
// checkout stalled past its bound today; a stock shortfall reported by the store platform or a
// price sync that kept failing with the pricing issue. Its id says what it is about
// ("checkout-stalled-chk_…"), so raising it again changes nothing: a step that raises it may run
// twice. An operator acknowledges it. Status machine: open → acknowledged.
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>

namespace commerce::domain {

enum class alert_status { open, acknowledged };
BOOST_DESCRIBE_ENUM(alert_status, open, acknowledged)
std::string_view to_string(alert_status s);
std::optional<alert_status> alert_status_from(std::string_view text);

struct alert_state {
  std::string id;
  bool exists = false;
  alert_status status = alert_status::open;
  std::string topic;    // what kind of trouble, e.g. "checkout_stalled"
  std::string subject;  // the entity it is about, e.g. "checkout/chk_…"
  std::string message;  // for people
  timestamp raised_at;
  timestamp acknowledged_at;
  std::string acknowledged_note;
};
BOOST_DESCRIBE_STRUCT(alert_state, (), (id, exists, status, topic, subject, message, raised_at, acknowledged_at,
                                        acknowledged_note))

// --- commands ---------------------------------------------------------------------------------

struct raise_alert {
  static constexpr std::string_view type_name = "RaiseAlert";
  std::string topic; std::string subject; std::string message;
};
struct acknowledge_alert {
  static constexpr std::string_view type_name = "AcknowledgeAlert";
  std::string note;
};
BOOST_DESCRIBE_STRUCT(raise_alert, (), (topic, subject, message))
BOOST_DESCRIBE_STRUCT(acknowledge_alert, (), (note))

using alert_command = std::variant<raise_alert, acknowledge_alert>;

// --- events -----------------------------------------------------------------------------------

struct alert_raised {
  static constexpr std::string_view type_name = "AlertRaised";
  static constexpr int schema_version = 1;
  std::string topic; std::string subject; std::string message; timestamp at;
};
struct alert_acknowledged {
  static constexpr std::string_view type_name = "AlertAcknowledged";
  static constexpr int schema_version = 1;
  std::string note; timestamp at;
};
BOOST_DESCRIBE_STRUCT(alert_raised, (), (topic, subject, message, at))
BOOST_DESCRIBE_STRUCT(alert_acknowledged, (), (note, at))

using alert_event = std::variant<alert_raised, alert_acknowledged>;

// --- decider ----------------------------------------------------------------------------------

inline constexpr std::size_t max_alert_text = 2000;

struct alert_decider {
  using state = alert_state;
  using command = alert_command;
  using event = alert_event;
  static constexpr std::string_view stream_type = "alert";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
