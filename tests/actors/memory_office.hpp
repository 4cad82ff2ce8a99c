// The dead-letter office's protocol over a vector, for actor tests (the PostgreSQL office has
// its own integration tests). Answers put and retry as the real one does; get lists them all.
#pragma once

#include "protocols/dead_letters.hpp"

#include <caf/all.hpp>

#include <vector>

namespace commerce::test {

struct office_state {
  std::vector<protocols::dead_letter> letters;
};

inline caf::behavior memory_office(caf::stateful_actor<office_state>* self) {
  return {
      [self](caf::put_atom, protocols::dead_letter& letter) {
        letter.id = static_cast<std::int64_t>(self->state.letters.size()) + 1;
        self->state.letters.push_back(letter);
        return letter.id;
      },
      [self](caf::get_atom) { return self->state.letters; },
      [self](protocols::retry_atom, std::int64_t id) -> caf::result<protocols::dead_letter> {
        auto& letter = self->state.letters.at(static_cast<std::size_t>(id - 1));
        letter.status = "retried";
        return letter;
      },
  };
}

}  // namespace commerce::test
