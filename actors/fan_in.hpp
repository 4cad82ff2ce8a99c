// Fan-out and fan-in of asynchronous asks inside one actor: start them all at once, go on when
// every one has finished. Nothing happens for a part that never finishes (no answer): callers
// rely on their own timeout or deadline. Plain templates; callbacks run on the actor's thread.
#pragma once

#include <cstddef>
#include <memory>

namespace commerce::actors {

// Runs `each(k, finished)` for k in [0, n) at once; each part calls `finished(ok)` once, and
// `then(all_ok)` runs when all have.
template <class Each, class Then>
void for_each_index(std::size_t n, Each each, Then then) {
  if (n == 0) return then(true);
  auto left = std::make_shared<std::size_t>(n);
  auto fine = std::make_shared<bool>(true);
  for (std::size_t k = 0; k < n; ++k)
    each(k, [left, fine, then](bool ok) mutable {
      *fine = *fine && ok;
      if (--*left == 0) then(*fine);
    });
}

// The same over the items of a container: `each(item, finished)`.
template <class Items, class Each, class Then>
void for_all(const Items& items, Each each, Then then) {
  for_each_index(items.size(), [&items, &each](std::size_t k, auto finished) { each(items[k], std::move(finished)); },
                 std::move(then));
}

}  // namespace commerce::actors
