// The dead-letter office's protocol over a vector, for actor tests (the PostgreSQL office has
// its own integration tests). Answers as the real one does, over letters kept in memory.
#pragma once

#include "protocols/dead_letters.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <vector>

namespace commerce::test {

struct office_state {
  std::vector<protocols::dead_letter> letters;
};

using memory_office_actor = protocols::dead_letter_office_actor::stateful_pointer<office_state>;

inline caf::result<protocols::dead_letter> mark(memory_office_actor self, std::int64_t id, const char* status) {
  if (id < 1 || id > static_cast<std::int64_t>(self->state.letters.size()))
    return caf::make_error(caf::sec::invalid_argument, "no dead letter " + std::to_string(id));
  auto& letter = self->state.letters[static_cast<std::size_t>(id - 1)];
  letter.status = status;
  return letter;
}

inline protocols::dead_letter_office_actor::behavior_type memory_office(memory_office_actor self) {
  return {
      [self](caf::put_atom, protocols::dead_letter& letter) {
        letter.id = static_cast<std::int64_t>(self->state.letters.size()) + 1;
        self->state.letters.push_back(letter);
        return letter.id;
      },
      [self](caf::get_atom, std::int64_t after_id, std::uint64_t limit) {
        std::vector<protocols::dead_letter> out;
        for (const auto& letter : self->state.letters)
          if (letter.id > after_id && out.size() < limit) out.push_back(letter);
        return out;
      },
      [self](protocols::retry_atom, std::int64_t id) { return mark(self, id, "retried"); },
      [self](caf::delete_atom, std::int64_t id) { return mark(self, id, "discarded"); },
  };
}

// Every letter an office holds.
inline std::vector<protocols::dead_letter> letters_in(caf::actor_system& system,
                                                      const protocols::dead_letter_office_actor& office) {
  caf::scoped_actor self{system};
  std::vector<protocols::dead_letter> letters;
  self->request(office, std::chrono::seconds(5), caf::get_atom::value, std::int64_t{0}, std::uint64_t{1'000})
      .receive([&](std::vector<protocols::dead_letter>& l) { letters = std::move(l); },
               [&](caf::error& e) { FAIL(system.render(e)); });
  return letters;
}

}  // namespace commerce::test
