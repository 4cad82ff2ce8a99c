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
//   request(view, t, get_atom, view_query<Decider>)            -> view_page<Decider>  (protocols/read_model.hpp)
#pragma once

#include "common/log.hpp"
#include "domain/event_codec.hpp"
#include "protocols/read_model.hpp"
#include "protocols/subscription.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <map>
#include <string>
#include <vector>

namespace commerce::actors {

using protocols::field_equals;
using protocols::view_entry;
using protocols::view_page;
using protocols::view_query;

namespace detail {

// Whether `state`'s described member `field` holds `value` (see protocols/read_model.hpp). A
// field the state does not have matches nothing.
template <class State>
bool field_is(const State& state, const field_equals& condition) {
  bool found = false, equal = false;
  boost::mp11::mp_for_each<boost::describe::describe_members<State, boost::describe::mod_public>>([&](auto member) {
    if (found || condition.field != member.name) return;
    found = true;
    const auto v = boost::json::value_from(state.*member.pointer);
    equal = v.is_string() ? v.get_string() == condition.value : boost::json::serialize(v) == condition.value;
  });
  return equal;
}

template <class State>
bool matches(const State& state, const std::vector<field_equals>& where) {
  for (const auto& condition : where)
    if (!field_is(state, condition)) return false;
  return true;
}

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
        if (!q.ids.empty()) {
          for (const auto& id : q.ids)
            if (auto it = entities.find(id); it != entities.end() && matches(it->second.state, q.where))
              page.items.push_back(it->second);
          return page;
        }
        for (auto it = entities.upper_bound(q.after_id); it != entities.end(); ++it) {
          if (!matches(it->second.state, q.where)) continue;
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
