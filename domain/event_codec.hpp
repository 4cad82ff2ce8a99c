// JSON codec for a decider's event variant. Each event struct is described with
// BOOST_DESCRIBE_STRUCT and names itself:
//   static constexpr std::string_view type_name = "StockReserved";
//   static constexpr int schema_version = 1;
// so the journal stores {type, schema_version, data} and decoding picks the alternative by name.
#pragma once

#include <boost/json.hpp>

#include <stdexcept>
#include <string>
#include <string_view>
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

template <class... Events>
encoded_event encode_event(const std::variant<Events...>& event) {
  return std::visit(
      [](const auto& e) {
        using E = std::decay_t<decltype(e)>;
        return encoded_event{std::string(E::type_name), E::schema_version, boost::json::value_from(e)};
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
      if (version < 1 || version > E::schema_version)
        throw codec_error(std::string(type) + " has schema version " + std::to_string(version) +
                          ", this build reads up to " + std::to_string(E::schema_version));
      try {
        out = boost::json::value_to<E>(data);
      } catch (const std::exception& ex) {
        throw codec_error(std::string(type) + ": " + ex.what());
      }
      found = true;
    };
    (try_one(type_tag<Events>{}), ...);
    if (!found) throw codec_error("unknown event type " + std::string(type));
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

}  // namespace commerce::domain
