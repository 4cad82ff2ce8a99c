// One entry of the operator audit log: an admin call that changed something (or tried to) —
// who (the label of the token given), what (method, path, the body it sent when that is small
// and holds no customer data, the answer's status), why (the reason the operator gave), when,
// and the Idempotency-Key it carried. Written by the gateway after
// the call was answered and before the answer leaves; never changed afterwards.
//
// Entries are listed newest first by id order: an id is "aud_" + the milliseconds left until
// the year 2286 (13 digits, so it sorts as a number) + a random part (the gateway's
// new_audit_id).
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>

#include <string>
#include <string_view>
#include <variant>

namespace commerce::domain {

struct audit_entry_state {
  std::string id;
  bool exists = false;
  std::string who;
  std::string method;
  std::string path;
  std::string reason;
  std::string idempotency_key;
  std::string request;  // the body sent, as JSON text; empty when not kept
  int status = 0;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(audit_entry_state, (), (id, exists, who, method, path, reason, idempotency_key, request, status, at))

struct record_operator_action {
  static constexpr std::string_view type_name = "RecordOperatorAction";
  std::string who; std::string method; std::string path; std::string reason; std::string idempotency_key;
  std::string request;
  int status = 0;
};
BOOST_DESCRIBE_STRUCT(record_operator_action, (), (who, method, path, reason, idempotency_key, request, status))

using audit_command = std::variant<record_operator_action>;

struct operator_action_recorded {
  static constexpr std::string_view type_name = "OperatorActionRecorded";
  static constexpr int schema_version = 1;
  std::string who; std::string method; std::string path; std::string reason; std::string idempotency_key;
  std::string request;
  int status = 0;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(operator_action_recorded, (), (who, method, path, reason, idempotency_key, request, status, at))

using audit_event = std::variant<operator_action_recorded>;

inline constexpr std::size_t max_audit_reason = 500;
inline constexpr std::size_t max_audit_path = 2000;
inline constexpr std::size_t max_audit_request = 2000;  // a larger body is not kept

struct audit_decider {
  using state = audit_entry_state;
  using command = audit_command;
  using event = audit_event;
  static constexpr std::string_view stream_type = "audit";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
