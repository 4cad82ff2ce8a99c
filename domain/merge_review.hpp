// A merge review: an event matched more than max_auto_merge profiles, or a merge would have
// given one profile more values of a type than max_values_per_type, so instead of gluing them
// together the event went to the strongest and an operator decides (API.md, merge reviews).
// Status machine: pending → approved (the merge it started, by id) | rejected.
#pragma once

#include "domain/decision.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

enum class review_status { pending, approved, rejected };
BOOST_DESCRIBE_ENUM(review_status, pending, approved, rejected)
std::string_view to_string(review_status s);
std::optional<review_status> review_status_from(std::string_view text);

struct merge_review_state {
  std::string id;
  bool exists = false;
  review_status status = review_status::pending;
  std::vector<std::string> candidates;  // strongest first
  std::string event_id;
  std::string reason;  // why it was not merged automatically
  std::string merge_id;
  timestamp opened_at;
  timestamp decided_at;
};
BOOST_DESCRIBE_STRUCT(merge_review_state, (), (id, exists, status, candidates, event_id, reason, merge_id, opened_at,
                                               decided_at))

struct open_review {
  static constexpr std::string_view type_name = "OpenReview";
  std::vector<std::string> candidates; std::string event_id; std::string reason;
};
// Approved once the merge `merge_id` of the candidates has finished.
struct approve_review { static constexpr std::string_view type_name = "ApproveReview"; std::string merge_id; };
struct reject_review { static constexpr std::string_view type_name = "RejectReview"; };
BOOST_DESCRIBE_STRUCT(open_review, (), (candidates, event_id, reason))
BOOST_DESCRIBE_STRUCT(approve_review, (), (merge_id))
BOOST_DESCRIBE_STRUCT(reject_review, (), ())
using merge_review_command = std::variant<open_review, approve_review, reject_review>;

struct review_opened {
  static constexpr std::string_view type_name = "ReviewOpened";
  static constexpr int schema_version = 1;
  std::vector<std::string> candidates; std::string event_id; std::string reason; timestamp at;
};
struct review_approved {
  static constexpr std::string_view type_name = "ReviewApproved";
  static constexpr int schema_version = 1;
  std::string merge_id; timestamp at;
};
struct review_rejected {
  static constexpr std::string_view type_name = "ReviewRejected";
  static constexpr int schema_version = 1;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(review_opened, (), (candidates, event_id, reason, at))
BOOST_DESCRIBE_STRUCT(review_approved, (), (merge_id, at))
BOOST_DESCRIBE_STRUCT(review_rejected, (), (at))
using merge_review_event = std::variant<review_opened, review_approved, review_rejected>;

struct merge_review_decider {
  using state = merge_review_state;
  using command = merge_review_command;
  using event = merge_review_event;
  static constexpr std::string_view stream_type = "merge_review";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
};

}  // namespace commerce::domain
