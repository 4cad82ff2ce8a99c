#include "common/metrics.hpp"

#include <algorithm>
#include <cstdio>
#include <stdexcept>

namespace commerce::metrics {

histogram::histogram(std::vector<double> bounds)
    : bounds_(std::move(bounds)), buckets_(new std::atomic<std::uint64_t>[bounds_.size() + 1]) {
  for (std::size_t i = 0; i <= bounds_.size(); ++i) buckets_[i] = 0;
}

void histogram::observe(double value) {
  const auto at = std::lower_bound(bounds_.begin(), bounds_.end(), value) - bounds_.begin();
  buckets_[static_cast<std::size_t>(at)].fetch_add(1, std::memory_order_relaxed);
  auto sum = sum_.load(std::memory_order_relaxed);
  while (!sum_.compare_exchange_weak(sum, sum + value, std::memory_order_relaxed)) {
  }
}

std::vector<std::uint64_t> histogram::cumulative_counts() const {
  std::vector<std::uint64_t> out;
  std::uint64_t running = 0;
  for (std::size_t i = 0; i <= bounds_.size(); ++i) out.push_back(running += buckets_[i].load(std::memory_order_relaxed));
  return out;
}

const std::vector<double>& latency_bounds() {
  static const std::vector<double> b = {0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};
  return b;
}

const std::vector<double>& size_bounds() {
  static const std::vector<double> b = {1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024};
  return b;
}

std::string render_labels(const labels& l) {
  if (l.empty()) return "";
  std::string out = "{";
  for (const auto& [name, value] : l) {
    if (out.size() > 1) out += ',';
    out += name + "=\"";
    for (const char c : value) {
      if (c == '\\' || c == '"') out += '\\';
      if (c == '\n') out += "\\n";
      else out += c;
    }
    out += '"';
  }
  return out + "}";
}

registry::family& registry::family_of(const std::string& name, const std::string& help, const char* type) {
  auto& f = families_[name];
  if (f.type.empty()) {
    f.help = help;
    f.type = type;
  } else if (f.type != type) {
    throw std::logic_error("metric " + name + " is a " + f.type + ", not a " + type);
  }
  return f;
}

counter& registry::get_counter(const std::string& name, const std::string& help, const labels& l) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = family_of(name, help, "counter").counters[render_labels(l)];
  if (!slot) slot = std::make_unique<counter>();
  return *slot;
}

gauge& registry::get_gauge(const std::string& name, const std::string& help, const labels& l) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = family_of(name, help, "gauge").gauges[render_labels(l)];
  if (!slot) slot = std::make_unique<gauge>();
  return *slot;
}

histogram& registry::get_histogram(const std::string& name, const std::string& help, const labels& l,
                                   const std::vector<double>& bounds) {
  std::lock_guard<std::mutex> lock(mutex_);
  auto& slot = family_of(name, help, "histogram").histograms[render_labels(l)];
  if (!slot) slot = std::make_unique<histogram>(bounds);
  return *slot;
}

namespace {

std::string number(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%.15g", v);
  return text;
}

// `{a="x"}` plus one more label: `{a="x",le="0.5"}`.
std::string with_label(const std::string& rendered, const std::string& extra) {
  return rendered.empty() ? "{" + extra + "}" : rendered.substr(0, rendered.size() - 1) + "," + extra + "}";
}

}  // namespace

std::string registry::render() const {
  std::lock_guard<std::mutex> lock(mutex_);
  std::string out;
  for (const auto& [name, f] : families_) {
    out += "# HELP " + name + " " + f.help + "\n# TYPE " + name + " " + f.type + "\n";
    for (const auto& [l, c] : f.counters) out += name + l + " " + std::to_string(c->value()) + "\n";
    for (const auto& [l, g] : f.gauges) out += name + l + " " + number(g->double_value()) + "\n";
    for (const auto& [l, h] : f.histograms) {
      const auto counts = h->cumulative_counts();
      for (std::size_t i = 0; i < h->bounds().size(); ++i)
        out += name + "_bucket" + with_label(l, "le=\"" + number(h->bounds()[i]) + "\"") + " " + std::to_string(counts[i]) + "\n";
      out += name + "_bucket" + with_label(l, "le=\"+Inf\"") + " " + std::to_string(counts.back()) + "\n";
      out += name + "_sum" + l + " " + number(h->sum()) + "\n";
      out += name + "_count" + l + " " + std::to_string(counts.back()) + "\n";
    }
  }
  return out;
}

gauge& mailbox_size(const std::string& actor) {
  return registry::global().get_gauge("commerce_mailbox_size",
                                      "Messages waiting in an actor's mailbox, sampled when it takes one",
                                      {{"actor", actor}});
}

registry& registry::global() {
  static registry r;
  return r;
}

}  // namespace commerce::metrics
