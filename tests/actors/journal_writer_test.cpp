// The journal writer actor over the in-memory journal: group commit, batch limits, conflicts
// passed through, and fast failure with recovery when the store is away.
#include "adapters/journal/journal_writer.hpp"
#include "adapters/journal/memory_journal.hpp"

#include "actor_fixture.hpp"

#include <caf/all.hpp>
#include <catch2/catch.hpp>

#include <atomic>
#include <condition_variable>
#include <mutex>
#include <numeric>
#include <thread>

using namespace commerce::adapters;
using commerce::protocols::append_atom;

namespace {

// Records batch sizes; holds the first append until opened, so that the rest pile up behind it.
class gated_journal : public memory_journal {
 public:
  std::vector<append_result> append(const std::vector<append_request>& batch) override {
    std::unique_lock lock(mutex_);
    batch_sizes.push_back(batch.size());
    opened_.wait(lock, [this] { return open_; });
    lock.unlock();
    return memory_journal::append(batch);
  }
  void open() {
    std::lock_guard lock(mutex_);
    open_ = true;
    opened_.notify_all();
  }
  std::vector<std::size_t> sizes() {
    std::lock_guard lock(mutex_);
    return batch_sizes;
  }

 private:
  std::mutex mutex_;
  std::condition_variable opened_;
  bool open_ = false;
  std::vector<std::size_t> batch_sizes;
};

// Unreachable while `down`; counts how often it was asked.
class outage_journal : public memory_journal {
 public:
  std::atomic<bool> down{true};
  std::atomic<int> calls{0};
  std::vector<append_result> append(const std::vector<append_request>& batch) override {
    ++calls;
    if (down) throw storage_unavailable("connection refused");
    return memory_journal::append(batch);
  }
};

append_request one_event(const std::string& stream, std::int64_t expected = 0) {
  return {"cart", stream, expected, {{"CartCreated", 1, R"({"currency":"USD"})", "{}"}}, {}};
}

using commerce::test::actor_system_fixture;

// Sends `count` appends without waiting, then collects every answer.
std::vector<append_result> send_and_collect(caf::scoped_actor& self, const commerce::protocols::journal_writer_actor& writer, int count,
                                            const std::function<void()>& after_sending = [] {}) {
  for (int i = 0; i < count; ++i) self->send(writer, append_atom::value, one_event("cart-" + std::to_string(i)));
  after_sending();
  std::vector<append_result> results;
  for (int i = 0; i < count; ++i)
    self->receive([&](const append_result& r) { results.push_back(r); },
                  caf::after(std::chrono::seconds(10)) >> [&] { FAIL("no answer from the journal writer"); });
  return results;
}

}  // namespace

TEST_CASE_METHOD(actor_system_fixture, "appends queued during a write share the next transaction", "[journal_writer]") {
  auto store = std::make_shared<gated_journal>();
  auto writer = spawn_journal_writer(*system, store);
  caf::scoped_actor self{*system};
  const auto results = send_and_collect(self, writer, 100, [&] { store->open(); });
  for (const auto& r : results) {
    CHECK(r.status == commerce::protocols::append_status::appended);
    CHECK(r.version == 1);
  }
  const auto sizes = store->sizes();
  CHECK(sizes.size() <= 2);  // the first write, and everything that queued behind it
  CHECK(std::accumulate(sizes.begin(), sizes.end(), std::size_t{0}) == 100);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(actor_system_fixture, "a batch never exceeds max_batch", "[journal_writer]") {
  auto store = std::make_shared<gated_journal>();
  journal_writer_options options;
  options.max_batch = 10;
  auto writer = spawn_journal_writer(*system, store, options);
  caf::scoped_actor self{*system};
  send_and_collect(self, writer, 100, [&] { store->open(); });
  const auto sizes = store->sizes();
  CHECK(sizes.size() >= 10);
  for (auto size : sizes) CHECK(size <= 10);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(actor_system_fixture, "a version conflict comes back to the caller with the actual version",
                 "[journal_writer]") {
  auto writer = spawn_journal_writer(*system, std::make_shared<memory_journal>());
  caf::scoped_actor self{*system};
  for (int i = 0; i < 2; ++i) self->send(writer, append_atom::value, one_event("same"));
  std::vector<append_result> results;
  for (int i = 0; i < 2; ++i) self->receive([&](const append_result& r) { results.push_back(r); });
  CHECK(results[0].status == commerce::protocols::append_status::appended);
  CHECK(results[1].status == commerce::protocols::append_status::conflict);
  CHECK(results[1].version == 1);
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(actor_system_fixture, "an outage fails appends fast, and the writer recovers by itself",
                 "[journal_writer]") {
  auto store = std::make_shared<outage_journal>();
  journal_writer_options options;
  options.retry_min = std::chrono::milliseconds(1000);  // the second append comes well within it
  auto writer = spawn_journal_writer(*system, store, options);
  caf::scoped_actor self{*system};
  auto append = [&](const std::string& stream) {
    append_result out;
    self->request(writer, std::chrono::seconds(5), append_atom::value, one_event(stream))
        .receive([&](const append_result& r) { out = r; }, [&](caf::error& e) { FAIL(self->system().render(e)); });
    return out;
  };
  CHECK(append("a").status == commerce::protocols::append_status::storage_unavailable);
  // Within the backoff the store is not even asked: callers get their answer at once.
  CHECK(append("b").status == commerce::protocols::append_status::storage_unavailable);
  CHECK(store->calls == 1);
  store->down = false;
  std::this_thread::sleep_for(std::chrono::milliseconds(1100));
  const auto back = append("c");
  CHECK(back.status == commerce::protocols::append_status::appended);
  CHECK(store->read_stream("cart", "a", 1, 10).empty());  // nothing of the failed append was kept
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}

TEST_CASE_METHOD(actor_system_fixture, "an unstorable append is refused alone, its batch companions land",
                 "[journal_writer]") {
  auto store = std::make_shared<gated_journal>();
  auto writer = spawn_journal_writer(*system, store);
  caf::scoped_actor self{*system};
  for (int i = 0; i < 101; ++i) {
    auto r = one_event("cart-" + std::to_string(i));
    if (i == 50) r.events[0].data = R"({"currency":"US\u0000D"})";
    self->send(writer, append_atom::value, r);
  }
  store->open();
  int appended = 0, invalid = 0;
  for (int i = 0; i < 101; ++i)
    self->receive(
        [&](const append_result& r) {
          if (r.status == commerce::protocols::append_status::appended) ++appended;
          if (r.status == commerce::protocols::append_status::invalid) ++invalid;
        },
        caf::after(std::chrono::seconds(10)) >> [&] { FAIL("no answer from the journal writer"); });
  CHECK(appended == 100);
  CHECK(invalid == 1);
  CHECK(store->read_stream("cart", "cart-50", 1, 10).empty());
  caf::anon_send_exit(writer, caf::exit_reason::user_shutdown);
}
