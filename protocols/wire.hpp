// How the protocols' messages cross a process boundary: every message type is a struct described
// with Boost.Describe and declared a wire message (COMMERCE_WIRE_MESSAGE); one generic CAF
// `inspect` writes it as JSON text built from its description, and reads it back. Commands and
// events inside travel in the journal's own form (domain/event_codec.hpp: type name, schema
// version, data), entity states as their snapshots do. No hand-written inspector per type, and
// a member added to a message travels without another edit.
//
// Every wire message is registered with the actor system by its name (add_message_types in
// actors/message_types.cpp, and each entity kind's own in its registration); a test sends every
// registered type through CAF's serializer and back (tests/actors/wire_test.cpp).
#pragma once

#include "domain/event_codec.hpp"

#include <caf/error.hpp>
#include <caf/meta/load_callback.hpp>
#include <caf/meta/type_name.hpp>
#include <caf/sec.hpp>

#include <boost/describe.hpp>
#include <boost/json.hpp>
#include <boost/mp11.hpp>

#include <optional>
#include <string>
#include <type_traits>
#include <variant>
#include <vector>

namespace commerce::protocols {

// Specialised (by COMMERCE_WIRE_MESSAGE or COMMERCE_WIRE_MESSAGE_OF_KIND) for every message type.
template <class T>
struct wire_message : std::false_type {};

namespace wire {

template <class T>
struct is_vector : std::false_type {};
template <class T>
struct is_vector<std::vector<T>> : std::true_type {};
template <class T>
struct is_optional : std::false_type {};
template <class T>
struct is_optional<std::optional<T>> : std::true_type {};
template <class T>
struct is_variant : std::false_type {};
template <class... Ts>
struct is_variant<std::variant<Ts...>> : std::true_type {};

// An event's type carries its schema version; a command's does not.
template <class T, class = void>
struct has_schema_version : std::false_type {};
template <class T>
struct has_schema_version<T, std::void_t<decltype(T::schema_version)>> : std::true_type {};

template <class T>
boost::json::value to_json(const T& x);
template <class T>
void from_json(const boost::json::value& v, T& x);

template <class Variant>
boost::json::value variant_to_json(const Variant& x) {
  const auto encoded = [&] {
    if constexpr (has_schema_version<std::variant_alternative_t<0, Variant>>::value)
      return domain::encode_event(x);
    else
      return domain::encode_command(x);
  }();
  return boost::json::object{{"type", encoded.type}, {"schema_version", encoded.schema_version}, {"data", encoded.data}};
}

template <class Variant>
void variant_from_json(const boost::json::value& v, Variant& x) {
  const auto& o = v.as_object();
  const auto type = std::string(o.at("type").as_string());
  if constexpr (has_schema_version<std::variant_alternative_t<0, Variant>>::value)
    x = domain::decode_event<Variant>(type, static_cast<int>(o.at("schema_version").to_number<std::int64_t>()),
                                      o.at("data"));
  else
    x = domain::decode_command<Variant>(type, o.at("data"));
}

template <class T>
boost::json::value to_json(const T& x) {
  if constexpr (wire_message<T>::value) {
    boost::json::object out;
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto member) { out[member.name] = to_json(x.*member.pointer); });
    return out;
  } else if constexpr (is_variant<T>::value) {
    return variant_to_json(x);
  } else if constexpr (is_optional<T>::value) {
    return x ? to_json(*x) : boost::json::value(nullptr);
  } else if constexpr (is_vector<T>::value) {
    boost::json::array out;
    for (const auto& e : x) out.push_back(to_json(e));
    return out;
  } else if constexpr (std::is_enum_v<T> && !boost::describe::has_describe_enumerators<T>::value) {
    return static_cast<std::int64_t>(x);
  } else {
    return boost::json::value_from(x);  // described domain types, strings, numbers, JSON
  }
}

template <class T>
void from_json(const boost::json::value& v, T& x) {
  if constexpr (wire_message<T>::value) {
    const auto& o = v.as_object();
    boost::mp11::mp_for_each<boost::describe::describe_members<T, boost::describe::mod_public>>(
        [&](auto member) { from_json(o.at(member.name), x.*member.pointer); });
  } else if constexpr (is_variant<T>::value) {
    variant_from_json(v, x);
  } else if constexpr (is_optional<T>::value) {
    if (v.is_null()) {
      x.reset();
    } else {
      typename T::value_type inner{};
      from_json(v, inner);
      x = std::move(inner);
    }
  } else if constexpr (is_vector<T>::value) {
    x.clear();
    for (const auto& e : v.as_array()) {
      typename T::value_type inner{};
      from_json(e, inner);
      x.push_back(std::move(inner));
    }
  } else if constexpr (std::is_enum_v<T> && !boost::describe::has_describe_enumerators<T>::value) {
    x = static_cast<T>(v.to_number<std::int64_t>());
  } else {
    x = boost::json::value_to<T>(v);
  }
}

}  // namespace wire

// The one inspector of every wire message: saved as the JSON text of wire::to_json, loaded
// back through wire::from_json. Found by CAF through argument-dependent lookup, so each message
// type lives in namespace commerce::protocols.
template <class Inspector, class T>
auto inspect(Inspector& f, T& x) -> std::enable_if_t<wire_message<T>::value, typename Inspector::result_type> {
  std::string text;
  if constexpr (Inspector::reads_state) text = boost::json::serialize(wire::to_json(x));
  auto load = caf::meta::load_callback([&x, &text]() -> caf::error {
    try {
      wire::from_json(boost::json::parse(text), x);
      return caf::none;
    } catch (const std::exception& e) {
      return caf::make_error(caf::sec::invalid_argument, std::string(wire_message<T>::name()) + ": " + e.what());
    }
  });
  return f(caf::meta::type_name(wire_message<T>::name()), text, load);
}

}  // namespace commerce::protocols

// Inside namespace commerce::protocols: declares a struct described with BOOST_DESCRIBE_STRUCT
// a wire message, registered under `name_text`.
#define COMMERCE_WIRE_MESSAGE(type, name_text)           \
  template <>                                            \
  struct wire_message<type> : std::true_type {           \
    static const char* name() { return name_text; }      \
  };

// For a message template over an entity kind: its name is `prefix` and the kind's stream type.
#define COMMERCE_WIRE_MESSAGE_OF_KIND(type, prefix)                                       \
  template <class Decider>                                                               \
  struct wire_message<type<Decider>> : std::true_type {                                  \
    static const char* name() {                                                          \
      static const std::string text = std::string(prefix) + "." + std::string(Decider::stream_type); \
      return text.c_str();                                                               \
    }                                                                                    \
  };
