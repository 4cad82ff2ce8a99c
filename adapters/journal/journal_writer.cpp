#include "adapters/journal/journal_writer.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"

#include <caf/all.hpp>

namespace commerce::adapters {
namespace {

using flush_atom = caf::atom_constant<caf::atom("flush")>;
using clock = std::chrono::steady_clock;

struct pending_append {
  append_request request;
  caf::typed_response_promise<append_result> promise;
};

struct writer_state {
  std::shared_ptr<journal> store;
  journal_writer_options options;
  std::vector<pending_append> batch;
  bool flush_scheduled = false;
  clock::time_point unavailable_until{};
  std::chrono::milliseconds backoff{0};
  metrics::histogram& batch_sizes = metrics::registry::global().get_histogram(
      "commerce_journal_batch_size", "Appends written per journal transaction (group commit)", {},
      metrics::size_bounds());
  metrics::gauge& mailbox = metrics::mailbox_size("journal_writer");
  static inline const char* name = "journal_writer";
};

// The public interface plus the flush it sends itself.
using writer_interface = protocols::journal_writer_actor::extend<caf::reacts_to<flush_atom>>;
using writer_actor = writer_interface::stateful_pointer<writer_state>;

void answer_all(std::vector<pending_append>& batch, append_status status) {
  for (auto& p : batch) p.promise.deliver(append_result{status, 0});
}

void flush(writer_actor self) {
  auto& st = self->state;
  if (st.batch.empty()) return;
  std::vector<pending_append> batch;
  batch.swap(st.batch);
  std::vector<append_request> requests;
  requests.reserve(batch.size());
  for (auto& p : batch) requests.push_back(std::move(p.request));
  st.batch_sizes.observe(static_cast<double>(requests.size()));
  st.mailbox.set(static_cast<std::int64_t>(self->mailbox().size()));
  try {
    auto results = st.store->append(requests);
    for (std::size_t i = 0; i < batch.size(); ++i) batch[i].promise.deliver(results[i]);
    if (st.backoff.count() > 0) log::info("journal available again");
    st.backoff = std::chrono::milliseconds(0);
  } catch (const storage_unavailable& e) {
    st.backoff = st.backoff.count() == 0 ? st.options.retry_min : std::min(st.backoff * 2, st.options.retry_max);
    st.unavailable_until = clock::now() + st.backoff;
    log::warn("journal unavailable", {{"error", e.what()}, {"retry_in_ms", st.backoff.count()},
                                      {"failed_appends", batch.size()}});
    answer_all(batch, append_status::storage_unavailable);
  } catch (const std::exception& e) {
    // Not an outage but a refused statement (a bug): fail this batch, keep serving.
    log::error("journal append failed", {{"error", e.what()}, {"failed_appends", batch.size()}});
    answer_all(batch, append_status::storage_unavailable);
  }
}

writer_interface::behavior_type journal_writer(writer_actor self, std::shared_ptr<journal> store,
                                               journal_writer_options options) {
  self->state.store = std::move(store);
  self->state.options = options;
  // Asked to stop (the node is shutting down): the appends already taken are written first,
  // so an entity waiting for one gets its answer (and the node's exit waits for this).
  self->set_exit_handler([self](caf::exit_msg& exit) {
    flush(self);
    self->quit(std::move(exit.reason));
  });
  return {
      [self](protocols::append_atom, append_request& request) -> caf::typed_response_promise<append_result> {
        auto& st = self->state;
        auto promise = self->make_response_promise<append_result>();
        if (clock::now() < st.unavailable_until) {
          promise.deliver(append_result{append_status::storage_unavailable, 0});
          return promise;
        }
        st.batch.push_back({std::move(request), promise});
        if (st.batch.size() >= st.options.max_batch) {
          flush(self);
        } else if (!st.flush_scheduled) {
          // The flush message queues behind every append already in the mailbox, so they all
          // share the next transaction.
          st.flush_scheduled = true;
          if (st.options.max_delay.count() == 0) self->send(self, flush_atom::value);
          else self->delayed_send(self, st.options.max_delay, flush_atom::value);
        }
        return promise;
      },
      [self](flush_atom) {
        self->state.flush_scheduled = false;
        flush(self);
      },
      // The small writes below are not batched; they are rare next to appends.
      [self](protocols::save_atom, const snapshot& s) {
        try {
          self->state.store->save_snapshot(s);
        } catch (const std::exception& e) {
          // A snapshot only shortens recovery; the events are already safe.
          log::warn("snapshot not saved", {{"stream", s.stream_type + "/" + s.stream_id}, {"error", e.what()}});
        }
      },
      [self](protocols::save_atom, const std::string& subscription, const checkpoint& at) -> caf::result<void> {
        try {
          self->state.store->save_checkpoint(subscription, at);
          return {};
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, std::string("checkpoint not saved: ") + e.what());
        }
      },
      [self](protocols::clear_atom, const due_timer& timer) {
        try {
          self->state.store->clear_timer(timer);
        } catch (const std::exception& e) {
          // It fires again later; entities take a repeated timer in their stride.
          log::warn("timer not cleared", {{"stream", timer.stream_type + "/" + timer.stream_id}, {"error", e.what()}});
        }
      },
  };
}

}  // namespace

protocols::journal_writer_actor spawn_journal_writer(caf::actor_system& system, std::shared_ptr<journal> store,
                                journal_writer_options options) {
  return system.spawn<caf::detached>(journal_writer, std::move(store), options);
}

}  // namespace commerce::adapters
