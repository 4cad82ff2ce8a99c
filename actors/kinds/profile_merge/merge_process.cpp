#include "actors/kinds/profile_merge/merge_process.hpp"

#include "actors/entity_client.hpp"
#include "actors/fan_in.hpp"
#include "common/log.hpp"
#include "domain/identity_index.hpp"
#include "domain/profile.hpp"
#include "protocols/entity.hpp"

#include <caf/all.hpp>

#include <memory>

namespace commerce::actors {
namespace {

using namespace domain;
using protocols::entity_status;
using tell_fn = std::function<void(profile_merge_command)>;

struct step_context {
  caf::event_based_actor* self;
  std::shared_ptr<const entity_services> services;
  std::chrono::milliseconds timeout;
  profile_merge_state merge;
  std::shared_ptr<const void> busy;  // held while any part of the step runs
  tell_fn tell;

  protocols::command_metadata meta() const { return {"", merge.id, "merge/" + merge.id}; }
};
using step_ptr = std::shared_ptr<const step_context>;

template <class Decider>
using reply_of = protocols::entity_reply<Decider>;

// Sends `command` to entity `id`; `done(reply)` with its reply, nothing when no answer came.
template <class Decider, class Done>
void ask(const step_ptr& ctx, std::string id, typename Decider::command command, Done done) {
  entity_client<Decider>{ctx->self, ctx->services->peers, ctx->timeout}.command(
      std::move(id), std::move(command), ctx->meta(), std::nullopt,
      [done](reply_of<Decider>& r) mutable { done(r); }, [](caf::error&) {});
}

void warn(const step_ptr& ctx, const std::string& what, const std::optional<rejection>& why) {
  log::warn("merge step refused", {{"merge", ctx->merge.id}, {"step", std::string(to_string(ctx->merge.step))},
                                   {"what", what}, {"detail", why ? why->detail : "no detail"}});
}

// The next profile in lock order; a refusal aborts the merge (it re-resolves elsewhere).
void lock_next(const step_ptr& ctx) {
  const auto& m = ctx->merge;
  for (const auto& id : lock_order(m)) {
    if (std::find(m.locked.begin(), m.locked.end(), id) != m.locked.end()) continue;
    return ask<profile_decider>(ctx, id, lock_profile{m.id}, [ctx, id](reply_of<profile_decider>& r) {
      if (r.status == entity_status::accepted) return ctx->tell(record_profile_locked{id});
      if (r.status == entity_status::rejected)
        return ctx->tell(record_lock_refused{id, r.rejection ? r.rejection->detail : "refused"});
    });
  }
}

void absorb_next(const step_ptr& ctx) {
  const auto& m = ctx->merge;
  for (const auto& id : m.absorbed) {
    if (std::any_of(m.parts.begin(), m.parts.end(), [&](const merge_part& p) { return p.id == id; })) continue;
    return ask<profile_decider>(ctx, id, absorb_profile{m.id, m.base}, [ctx, id](reply_of<profile_decider>& r) {
      if (r.status == entity_status::accepted) return ctx->tell(record_part_absorbed{part_of(r.state)});
      warn(ctx, "absorb " + id, r.rejection);
    });
  }
}

// Each identifier of `parts` moves in the index from its part to `to` (or, `back`, from the
// base to its part). One someone else holds stays there: it was never the part's (logged).
void move_identifiers(const step_ptr& ctx, bool back, merge_step step) {
  struct move {
    std::string key, to, from;
  };
  std::vector<move> moves;
  for (const auto& part : ctx->merge.parts)
    for (const auto& id : part.identifiers)
      moves.push_back(back ? move{index_key(id), part.id, ctx->merge.base} : move{index_key(id), ctx->merge.base, part.id});
  for_all(
      moves,
      [ctx](const move& m, auto finished) {
        ask<identity_index_decider>(ctx, m.key, claim_identifier{m.to, m.from},
                                    [ctx, m, finished](reply_of<identity_index_decider>& r) mutable {
                                      if (r.status == entity_status::rejected) warn(ctx, "move " + m.key, r.rejection);
                                      finished(r.status == entity_status::accepted || r.status == entity_status::rejected);
                                    });
      },
      [ctx, step](bool all) {
        if (all) ctx->tell(finish_merge_step{step});
      });
}

// One command to the base; the step is done once it is accepted.
void at_base(const step_ptr& ctx, profile_command command, merge_step step) {
  ask<profile_decider>(ctx, ctx->merge.base, std::move(command), [ctx, step](reply_of<profile_decider>& r) {
    if (r.status == entity_status::accepted) return ctx->tell(finish_merge_step{step});
    warn(ctx, std::string(to_string(step)), r.rejection);
  });
}

void release(const step_ptr& ctx) {
  for_all(
      ctx->merge.locked,
      [ctx](const std::string& id, auto finished) {
        ask<profile_decider>(ctx, id, unlock_profile{ctx->merge.id}, [finished](reply_of<profile_decider>& r) mutable {
          finished(r.status == entity_status::accepted);
        });
      },
      [ctx](bool all) {
        if (all) ctx->tell(finish_merge_step{merge_step::release});
      });
}

void lock_base(const step_ptr& ctx) {
  ask<profile_decider>(ctx, ctx->merge.base, lock_profile{ctx->merge.id}, [ctx](reply_of<profile_decider>& r) {
    if (r.status == entity_status::accepted) return ctx->tell(finish_merge_step{merge_step::lock_base});
    if (r.status == entity_status::rejected)
      ctx->tell(record_unmerge_refused{r.rejection ? r.rejection->detail : "the base is held"});
  });
}

void restore(const step_ptr& ctx) {
  for_all(
      ctx->merge.parts,
      [ctx](const merge_part& part, auto finished) {
        ask<profile_decider>(ctx, part.id, restore_profile{ctx->merge.id},
                             [ctx, id = part.id, finished](reply_of<profile_decider>& r) mutable {
                               if (r.status != entity_status::accepted) warn(ctx, "restore " + id, r.rejection);
                               finished(r.status == entity_status::accepted);
                             });
      },
      [ctx](bool all) {
        if (all) ctx->tell(finish_merge_step{merge_step::restore});
      });
}

}  // namespace

merge_react merge_steps(entity_services services, std::chrono::milliseconds ask_timeout) {
  auto shared = std::make_shared<const entity_services>(std::move(services));
  return [shared, ask_timeout](caf::event_based_actor* self, const profile_merge_state& state,
                               const std::vector<profile_merge_event>&, std::shared_ptr<const void> busy, tell_fn tell) {
    if (!state.exists) return;
    auto ctx = std::make_shared<const step_context>(step_context{self, shared, ask_timeout, state, std::move(busy), std::move(tell)});
    switch (state.step) {
      case merge_step::lock: return lock_next(ctx);
      case merge_step::absorb: return absorb_next(ctx);
      case merge_step::move_identifiers: return move_identifiers(ctx, false, merge_step::move_identifiers);
      case merge_step::take_in: return at_base(ctx, take_in_parts{state.id, state.parts}, merge_step::take_in);
      case merge_step::unlock: return at_base(ctx, unlock_profile{state.id}, merge_step::unlock);
      case merge_step::release: return release(ctx);
      case merge_step::lock_base: return lock_base(ctx);
      case merge_step::give_back: return at_base(ctx, give_back_parts{state.id}, merge_step::give_back);
      case merge_step::return_identifiers: return move_identifiers(ctx, true, merge_step::return_identifiers);
      case merge_step::restore: return restore(ctx);
      case merge_step::unlock_base: return at_base(ctx, unlock_profile{state.id}, merge_step::unlock_base);
      case merge_step::done: return;
    }
  };
}

}  // namespace commerce::actors
