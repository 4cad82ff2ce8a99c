// A profile merge: a saga (actors/kinds/profile_merge/) that makes one profile of several and
// can undo that later. Every step is journaled here before the next starts, and every step is
// safe to run again, so a merge interrupted anywhere (a node killed) resumes on any node and
// ends merged or aborted, never half.
//
//   merging:   lock every profile (in id order) → absorb the others into the base → move their
//              identifiers in the index to the base → the base takes the parts in → unlock the
//              base → merged
//   a lock refused (a profile merged or held by another merge meanwhile):
//              release what it locked → aborted (the event that asked re-resolves)
//   unmerging: lock the base → the base gives the parts back → their identifiers move back in
//              the index → the absorbed profiles are restored → unlock the base → unmerged
//   the base's lock refused: back to merged (the unmerge answers 409; ask again)
//
// The order keeps "no two active profiles hold one value" at every moment: an absorbed
// profile stops being active before the base lists its identifiers, and the base stops
// listing them before the absorbed one is active again.
#pragma once

#include "domain/decision.hpp"
#include "domain/profile.hpp"
#include "domain/time.hpp"

#include <boost/describe/class.hpp>
#include <boost/describe/enum.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

namespace commerce::domain {

enum class merge_status { merging, merged, aborted, unmerging, unmerged };
BOOST_DESCRIBE_ENUM(merge_status, merging, merged, aborted, unmerging, unmerged)
std::string_view to_string(merge_status s);

enum class merge_step {
  lock, absorb, move_identifiers, take_in, unlock,          // merging
  release,                                                  // aborting
  lock_base, give_back, return_identifiers, restore, unlock_base,  // unmerging
  done
};
BOOST_DESCRIBE_ENUM(merge_step, lock, absorb, move_identifiers, take_in, unlock, release, lock_base, give_back,
                    return_identifiers, restore, unlock_base, done)
std::string_view to_string(merge_step s);

struct profile_merge_state {
  std::string id;
  bool exists = false;
  merge_status status = merge_status::merging;
  merge_step step = merge_step::lock;
  std::string base;
  std::vector<std::string> absorbed;
  std::string cause;                // the event or the review that asked
  std::vector<std::string> locked;  // so far, in lock order
  std::vector<merge_part> parts;    // the absorbed profiles as they were absorbed
  std::string refusal;              // why it was aborted, or why the last unmerge was refused
  timestamp requested_at;
  timestamp changed_at;  // of the last step: the resume deadline counts from it
  timestamp merged_at;
  timestamp unmerged_at;
};
BOOST_DESCRIBE_STRUCT(profile_merge_state, (), (id, exists, status, step, base, absorbed, cause, locked, parts, refusal,
                                                requested_at, changed_at, merged_at, unmerged_at))

// Every profile of the merge in lock order (by id: two merges never wait on each other in a ring).
std::vector<std::string> lock_order(const profile_merge_state& s);
// Whether the saga has nothing left to do in its current status (entity_watch answers then).
bool merge_settled(const profile_merge_state& s);

// --- commands ---------------------------------------------------------------------------------

struct request_merge {
  static constexpr std::string_view type_name = "RequestMerge";
  std::string base; std::vector<std::string> absorbed; std::string cause;
};
struct record_profile_locked { static constexpr std::string_view type_name = "RecordProfileLocked"; std::string profile; };
struct record_lock_refused {
  static constexpr std::string_view type_name = "RecordLockRefused";
  std::string profile; std::string reason;
};
struct record_part_absorbed { static constexpr std::string_view type_name = "RecordPartAbsorbed"; merge_part part; };
// The step `step` is done (the steps that carry nothing back).
struct finish_merge_step { static constexpr std::string_view type_name = "FinishMergeStep"; merge_step step = merge_step::done; };
struct request_unmerge { static constexpr std::string_view type_name = "RequestUnmerge"; };
struct record_unmerge_refused { static constexpr std::string_view type_name = "RecordUnmergeRefused"; std::string reason; };
// The resume timer: runs the current step again when it made no progress.
struct resume_merge { static constexpr std::string_view type_name = "ResumeMerge"; };
BOOST_DESCRIBE_STRUCT(request_merge, (), (base, absorbed, cause))
BOOST_DESCRIBE_STRUCT(record_profile_locked, (), (profile))
BOOST_DESCRIBE_STRUCT(record_lock_refused, (), (profile, reason))
BOOST_DESCRIBE_STRUCT(record_part_absorbed, (), (part))
BOOST_DESCRIBE_STRUCT(finish_merge_step, (), (step))
BOOST_DESCRIBE_STRUCT(request_unmerge, (), ())
BOOST_DESCRIBE_STRUCT(record_unmerge_refused, (), (reason))
BOOST_DESCRIBE_STRUCT(resume_merge, (), ())
using profile_merge_command = std::variant<request_merge, record_profile_locked, record_lock_refused, record_part_absorbed,
                                           finish_merge_step, request_unmerge, record_unmerge_refused, resume_merge>;

// --- events -----------------------------------------------------------------------------------

struct merge_requested {
  static constexpr std::string_view type_name = "MergeRequested";
  static constexpr int schema_version = 1;
  std::string base; std::vector<std::string> absorbed; std::string cause; timestamp at;
};
struct merge_profile_locked {
  static constexpr std::string_view type_name = "MergeProfileLocked";
  static constexpr int schema_version = 1;
  std::string profile; timestamp at;
};
struct merge_lock_refused {
  static constexpr std::string_view type_name = "MergeLockRefused";
  static constexpr int schema_version = 1;
  std::string profile; std::string reason; timestamp at;
};
struct merge_part_absorbed {
  static constexpr std::string_view type_name = "MergePartAbsorbed";
  static constexpr int schema_version = 1;
  merge_part part; timestamp at;
};
struct merge_step_finished {
  static constexpr std::string_view type_name = "MergeStepFinished";
  static constexpr int schema_version = 1;
  merge_step step = merge_step::done; timestamp at;
};
struct unmerge_requested {
  static constexpr std::string_view type_name = "UnmergeRequested";
  static constexpr int schema_version = 1;
  timestamp at;
};
struct unmerge_refused {
  static constexpr std::string_view type_name = "UnmergeRefused";
  static constexpr int schema_version = 1;
  std::string reason; timestamp at;
};
struct merge_resumed {
  static constexpr std::string_view type_name = "MergeResumed";
  static constexpr int schema_version = 1;
  timestamp at;
};
BOOST_DESCRIBE_STRUCT(merge_requested, (), (base, absorbed, cause, at))
BOOST_DESCRIBE_STRUCT(merge_profile_locked, (), (profile, at))
BOOST_DESCRIBE_STRUCT(merge_lock_refused, (), (profile, reason, at))
BOOST_DESCRIBE_STRUCT(merge_part_absorbed, (), (part, at))
BOOST_DESCRIBE_STRUCT(merge_step_finished, (), (step, at))
BOOST_DESCRIBE_STRUCT(unmerge_requested, (), (at))
BOOST_DESCRIBE_STRUCT(unmerge_refused, (), (reason, at))
BOOST_DESCRIBE_STRUCT(merge_resumed, (), (at))
using profile_merge_event = std::variant<merge_requested, merge_profile_locked, merge_lock_refused, merge_part_absorbed,
                                         merge_step_finished, unmerge_requested, unmerge_refused, merge_resumed>;

// --- decider ----------------------------------------------------------------------------------

inline constexpr std::size_t max_merge_profiles = 16;  // base included; a review approves at most this many

struct profile_merge_decider {
  using state = profile_merge_state;
  using command = profile_merge_command;
  using event = profile_merge_event;
  static constexpr std::string_view stream_type = "profile_merge";
  static constexpr int state_schema_version = 1;

  static state initial(std::string id);
  static decision<event> decide(const state& s, const command& c, const context& ctx);
  static state evolve(state s, const event& e);
  // When to run the current step again if it made no progress.
  static std::optional<timestamp> next_deadline(const state& s, duration resume_after);
};

}  // namespace commerce::domain
