// The read-model protocol: a page of a kind's list read model (actors/entity_view.hpp), asked
// with a query that is data, so it can be sent to the node that holds the model.
//
//   request(view, t, get_atom, view_query<D>) -> view_page<D>
//
// Entities are listed in id order from after `after_id`; `where` keeps those whose state's
// members equal the given values (a string member as itself, an enum by its name, any other
// member as its JSON text, e.g. "true"). With `ids`, only those entities, in that order (the ones
// the model does not hold are left out), and `after_id` and `limit` do not apply.
#pragma once

#include "protocols/wire.hpp"

#include <cstdint>
#include <string>
#include <vector>

namespace commerce::protocols {

struct field_equals {
  std::string field;
  std::string value;
};
BOOST_DESCRIBE_STRUCT(field_equals, (), (field, value))

template <class Decider>
struct view_query {
  std::vector<field_equals> where;
  std::string after_id;  // the cursor: ids after this one
  std::uint64_t limit = 50;
  std::vector<std::string> ids;
  BOOST_DESCRIBE_CLASS(view_query, (), (where, after_id, limit, ids), (), ())
};

template <class Decider>
struct view_entry {
  std::string id;
  typename Decider::state state;
  std::int64_t version = 0;
  BOOST_DESCRIBE_CLASS(view_entry, (), (id, state, version), (), ())
};

template <class Decider>
struct view_page {
  std::vector<view_entry<Decider>> items;
  std::string next_cursor;  // empty on the last page
  BOOST_DESCRIBE_CLASS(view_page, (), (items, next_cursor), (), ())
};

COMMERCE_WIRE_MESSAGE_OF_KIND(view_query, "commerce.view_query")
COMMERCE_WIRE_MESSAGE_OF_KIND(view_page, "commerce.view_page")

}  // namespace commerce::protocols
