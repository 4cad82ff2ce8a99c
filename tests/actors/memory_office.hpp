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

inline caf::result<protocols::letter_change> change(memory_office_actor self, std::int64_t id, const char* from,
                                                   const char* to) {
  if (id < 1 || id > static_cast<std::int64_t>(self->state.letters.size()))
    return caf::make_error(caf::sec::invalid_argument, "no dead letter " + std::to_string(id));
  auto& letter = self->state.letters[static_cast<std::size_t>(id - 1)];
  if (letter.status != from) return protocols::letter_change{false, letter};
  letter.status = to;
  return protocols::letter_change{true, letter};
}

inline bool matches(const protocols::dead_letter& l, const protocols::letter_filter& f) {
  return l.id <= f.through_id && l.target.compare(0, f.target.size(), f.target) == 0 &&
         (f.message_type.empty() || l.message_type == f.message_type) && (f.status.empty() || l.status == f.status);
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
      [self](caf::get_atom, const protocols::letter_filter& f, std::int64_t after_id, std::uint64_t limit) {
        std::vector<protocols::dead_letter> out;
        for (const auto& letter : self->state.letters)
          if (letter.id > after_id && out.size() < limit && matches(letter, f)) out.push_back(letter);
        return out;
      },
      [self](protocols::tally_atom, const protocols::letter_filter& f) -> caf::result<std::int64_t, std::int64_t> {
        std::int64_t count = 0, last = 0;
        for (const auto& letter : self->state.letters)
          if (matches(letter, f)) ++count, last = letter.id;
        return {count, last};
      },
      [self](protocols::retry_atom, std::int64_t id) { return change(self, id, "pending", "retried"); },
      [self](caf::delete_atom, std::int64_t id) { return change(self, id, "pending", "discarded"); },
      [self](protocols::release_atom, std::int64_t id) { return change(self, id, "retried", "pending"); },
      [self](protocols::claim_atom, protocols::letter_filter f, const std::string& to, std::int64_t expected) {
        f.status = "pending";
        std::vector<protocols::dead_letter> chosen;
        for (const auto& letter : self->state.letters)
          if (matches(letter, f)) chosen.push_back(letter);
        if (static_cast<std::int64_t>(chosen.size()) != expected) return std::vector<protocols::dead_letter>{};
        for (auto& letter : chosen) letter.status = self->state.letters[static_cast<std::size_t>(letter.id - 1)].status = to;
        return chosen;
      },
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
