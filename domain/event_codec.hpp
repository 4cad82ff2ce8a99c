// JSON codec for a decider's event and command variants. Each struct is described with
// BOOST_DESCRIBE_STRUCT and names itself:
//   static constexpr std::string_view type_name = "StockReserved";
//   static constexpr int schema_version = 1;   // events only; commands are never stored long
// so the journal stores {type, schema_version, data} and decoding picks the alternative by name.
// Commands are encoded only to park them in the dead-letter office and deliver them again.
#pragma once

#include <boost/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
#include <type_traits>
#include <variant>

namespace commerce::domain {

struct encoded_event {
  std::string type;
  int schema_version = 0;
  boost::json::value data;
};

class codec_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

namespace detail {
template <class T, class = void>
struct schema_version_of : std::integral_constant<int, 1> {};
template <class T>
struct schema_version_of<T, std::void_t<decltype(T::schema_version)>> : std::integral_constant<int, T::schema_version> {};
// An event whose schema changed says how to read an older one: `static void upcast(object&, int
// from_version)` brings the data to the current schema before it is converted.
template <class T, class = void>
struct has_upcast : std::false_type {};
template <class T>
struct has_upcast<T, std::void_t<decltype(T::upcast(std::declval<boost::json::object&>(), 0))>> : std::true_type {};
}  // namespace detail

template <class... Events>
encoded_event encode_event(const std::variant<Events...>& event) {
  return std::visit(
      [](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        return encoded_event{std::string(E::type_name), detail::schema_version_of<E>::value, boost::json::value_from(e)};
      },
      event);
}

template <class Variant>
struct event_decoder;

template <class... Events>
struct event_decoder<std::variant<Events...>> {
  static std::variant<Events...> decode(std::string_view type, int version,
                                        const boost::json::value& data) {
    std::variant<Events...> out;
    bool found = false;
    auto try_one = [&](auto tag) {
      using E = typename decltype(tag)::type;
      if (found || type != E::type_name) return;
      // A newer schema than this build knows means a newer node wrote it: refuse, never guess.
      constexpr int known = detail::schema_version_of<E>::value;
      if (version < 1 || version > known)
        throw codec_error(std::string(type) + " has schema version " + std::to_string(version) +
                          ", this build reads up to " + std::to_string(known));
      try {
        if constexpr (detail::has_upcast<E>::value) {
          if (version < known && data.is_object()) {
            auto current = data.as_object();
            E::upcast(current, version);
            out = boost::json::value_to<E>(boost::json::value(std::move(current)));
            found = true;
            return;
          }
        }
        out = boost::json::value_to<E>(data);
      } catch (const std::exception& ex) {
        throw codec_error(std::string(type) + ": " + ex.what());
      }
      found = true;
    };
    (try_one(type_tag<Events>{}), ...);
    if (!found) throw codec_error("unknown type " + std::string(type));
    return out;
  }

 private:
  template <class T>
  struct type_tag {
    using type = T;
  };
};

template <class Variant>
Variant decode_event(std::string_view type, int schema_version, const boost::json::value& data) {
  return event_decoder<Variant>::decode(type, schema_version, data);
}

template <class... Commands>
encoded_event encode_command(const std::variant<Commands...>& command) {
  return encode_event(command);
}

template <class Variant>
Variant decode_command(std::string_view type, const boost::json::value& data) {
  return event_decoder<Variant>::decode(type, 1, data);
}

}  // namespace commerce::domain
