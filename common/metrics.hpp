// The node's metrics, rendered in Prometheus text format at GET /metrics. A process-wide
// registry: any layer above common/ records into it without being handed anything. Lookups
// take a lock; updates are atomic. Hot paths keep the reference they looked up.
#pragma once

#include <atomic>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

namespace commerce::metrics {

using labels = std::vector<std::pair<std::string, std::string>>;

class counter {
 public:
  void add(std::uint64_t n = 1) { value_.fetch_add(n, std::memory_order_relaxed); }
  // For a count kept durably elsewhere and loaded at start: catches up to `total`, never goes
  // back, so loading it again (a restarted adapter) does not count anything twice.
  void raise_to(std::uint64_t total) {
    auto now = value_.load(std::memory_order_relaxed);
    while (now < total && !value_.compare_exchange_weak(now, total, std::memory_order_relaxed)) {
    }
  }
  std::uint64_t value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<std::uint64_t> value_{0};
};

// Holds a double (whole numbers render without a fraction); set() and value() for counts.
class gauge {
 public:
  void set(std::int64_t v) { value_.store(static_cast<double>(v), std::memory_order_relaxed); }
  void set_double(double v) { value_.store(v, std::memory_order_relaxed); }
  // Atomic, so that counts kept up and down from several threads cannot leave a stale value.
  void add(std::int64_t delta) {
    double now = value_.load(std::memory_order_relaxed);
    while (!value_.compare_exchange_weak(now, now + static_cast<double>(delta), std::memory_order_relaxed)) {
    }
  }
  std::int64_t value() const { return static_cast<std::int64_t>(value_.load(std::memory_order_relaxed)); }
  double double_value() const { return value_.load(std::memory_order_relaxed); }

 private:
  std::atomic<double> value_{0};
};

class histogram {
 public:
  explicit histogram(std::vector<double> bounds);
  void observe(double value);

  const std::vector<double>& bounds() const { return bounds_; }
  // Observations ≤ bounds()[i] (cumulative), then all of them.
  std::vector<std::uint64_t> cumulative_counts() const;
  double sum() const { return sum_.load(std::memory_order_relaxed); }

 private:
  std::vector<double> bounds_;
  std::unique_ptr<std::atomic<std::uint64_t>[]> buckets_;  // one per bound, and +Inf
  std::atomic<double> sum_{0};
};

// Latencies in seconds, 0.5 ms to 10 s.
const std::vector<double>& latency_bounds();
// Powers of two, 1 to 1024: batch sizes.
const std::vector<double>& size_bounds();

class registry {
 public:
  // The metric of that name and labels, created on first use. `help` is kept from the first
  // call. A name is one type only.
  counter& get_counter(const std::string& name, const std::string& help, const labels& l = {});
  gauge& get_gauge(const std::string& name, const std::string& help, const labels& l = {});
  histogram& get_histogram(const std::string& name, const std::string& help, const labels& l,
                           const std::vector<double>& bounds);

  // Every metric, families sorted by name, in Prometheus text exposition format 0.0.4.
  std::string render() const;

  static registry& global();

 private:
  struct family {
    std::string help;
    std::string type;
    std::map<std::string, std::unique_ptr<counter>> counters;  // by rendered label set
    std::map<std::string, std::unique_ptr<gauge>> gauges;
    std::map<std::string, std::unique_ptr<histogram>> histograms;
  };
  family& family_of(const std::string& name, const std::string& help, const char* type);

  mutable std::mutex mutex_;
  std::map<std::string, family> families_;
};

// The gauge `commerce_mailbox_size{actor="<actor>"}`: a busy actor samples its own mailbox when
// it takes a message, so the value is how far behind it was last time it worked.
gauge& mailbox_size(const std::string& actor);

// `{a="x",b="y"}` with Prometheus escaping, "" for no labels.
std::string render_labels(const labels& l);

}  // namespace commerce::metrics
