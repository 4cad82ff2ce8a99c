// A read model of every entity of one kind, kept up to date by a journal subscription: the
// same decider's evolve applied to the events as they are read, states held in memory in id
// order. It serves cursor-paginated, filtered lists (GET /v1/products?category=…), which no
// single entity can answer. Eventually consistent: a write shows up here once the subscription
// has read it (within its poll interval).
//
// In memory, so it is rebuilt from the start of the journal each time it starts: its
// subscription keeps no checkpoint (subscription_options::keep_checkpoint = false), and the node
// answers /readyz with 503 until that subscription has caught up with the journal's head as it
// was at start. An event it cannot decode or apply is refused as a permanent failure (parked);
// nothing else is refused.
//
//   request(view, t, deliver_atom, std::vector<stored_event>)  -> ()   (the subscription protocol)
//   request(view, t, get_atom, view_query<Decider>)            -> view_page<Decider>
#pragma once

#include "common/log.hpp"
#include "domain/event_codec.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

template <class Decider>
struct view_query {
  std::function<bool(const typename Decider::state&)> filter;  // empty: every entity
  std::string after_id;                                      // the cursor: ids after this one
  std::size_t limit = 50;
};

template <class Decider>
struct view_entry {
  std::string id;
  typename Decider::state state;
  std::int64_t version = 0;
};

template <class Decider>
struct view_page {
  std::vector<view_entry<Decider>> items;
  std::string next_cursor;  // empty on the last page
};

namespace detail {

template <class Decider>
struct view_state {
  std::map<std::string, view_entry<Decider>> entities;  // by id: the list order
  static inline const char* name = "entity_view";
};

template <class Decider>
void apply(view_state<Decider>& st, const protocols::stored_event& e) {
  if (e.stream_type != Decider::stream_type) return;
  auto it = st.entities.find(e.stream_id);
  if (it == st.entities.end())
    it = st.entities.emplace(e.stream_id, view_entry<Decider>{e.stream_id, Decider::initial(e.stream_id), 0}).first;
  auto& entry = it->second;
  if (e.version <= entry.version) return;  // delivered again after a restart of the subscription
  if (e.version != entry.version + 1)
    // The journal's versions have no holes, so the feed skipped events: say so loudly.
    log::error("read model missed events", {{"view", std::string(Decider::stream_type)}, {"stream_id", e.stream_id},
                                            {"expected_version", entry.version + 1}, {"version", e.version}});
  entry.state = Decider::evolve(std::move(entry.state),
                                domain::decode_event<typename Decider::event>(e.event_type, e.schema_version,
                                                                              boost::json::parse(e.data)));
  entry.version = e.version;
}

template <class Decider>
caf::behavior entity_view(caf::stateful_actor<view_state<Decider>>* self) {
  return {
      [self](protocols::deliver_atom, const std::vector<protocols::stored_event>& events) -> caf::result<caf::unit_t> {
        for (const auto& e : events) {
          try {
            apply(self->state, e);
          } catch (const std::exception& failure) {
            // It will never apply: the subscription parks this event and goes on.
            return protocols::permanent_failure("cannot apply " + e.event_type + " at position " +
                                                std::to_string(e.position) + ": " + failure.what());
          }
        }
        return caf::unit;
      },
      [self](caf::get_atom, const view_query<Decider>& q) {
        view_page<Decider> page;
        const auto& entities = self->state.entities;
        for (auto it = entities.upper_bound(q.after_id); it != entities.end(); ++it) {
          if (q.filter && !q.filter(it->second.state)) continue;
          if (page.items.size() == q.limit) {
            page.next_cursor = page.items.back().id;  // only when another match follows
            break;
          }
          page.items.push_back(it->second);
        }
        return page;
      },
  };
}

}  // namespace detail

template <class Decider>
caf::actor spawn_entity_view(caf::actor_system& system) {
  return system.spawn(detail::entity_view<Decider>);
}

}  // namespace commerce::actors

namespace caf {
template <class D>
struct allowed_unsafe_message_type<commerce::actors::view_query<D>> : std::true_type {};
template <class D>
struct allowed_unsafe_message_type<commerce::actors::view_page<D>> : std::true_type {};
}  // namespace caf
