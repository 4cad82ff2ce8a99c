// commercectl tail: GET /admin/events/live (server-sent events), one line per event as it comes,
// until SIGINT or SIGTERM (then exit 0). A dropped connection is opened again with Last-Event-ID,
// so nothing is missed or shown twice; a refusal (bad token, bad filter) ends it with status 1.
#include "apps/commercectl/verbs.hpp"

#include <csignal>
#include <functional>
#include <thread>

namespace commercectl {
namespace {

using namespace std::chrono_literals;

volatile std::sig_atomic_t interrupted = 0;

extern "C" void on_interrupt(int) { interrupted = 1; }

// Without SA_RESTART, so that a wait in poll() ends at once.
void catch_interrupts() {
  struct sigaction action {};
  action.sa_handler = on_interrupt;
  sigemptyset(&action.sa_mask);
  action.sa_flags = 0;
  sigaction(SIGINT, &action, nullptr);
  sigaction(SIGTERM, &action, nullptr);
}

// The text/event-stream format, fed bytes as they come.
class event_stream_parser {
 public:
  explicit event_stream_parser(std::function<void(const std::string&)> on_data) : on_data_(std::move(on_data)) {}

  void feed(std::string_view bytes) {
    pending_.append(bytes);
    for (std::size_t end; (end = pending_.find('\n')) != std::string::npos;) {
      std::string line = pending_.substr(0, end);
      pending_.erase(0, end + 1);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      take(line);
    }
  }
  // A new connection: a half-read event of the old one is dropped (it comes again after Last-Event-ID).
  void restart() {
    pending_.clear();
    data_.clear();
    has_data_ = false;
    id_ = last_id_;
  }
  const std::string& last_id() const { return last_id_; }
  std::chrono::milliseconds retry() const { return retry_; }

 private:
  void take(const std::string& line) {
    if (line.empty()) {  // the end of an event
      last_id_ = id_;
      if (has_data_) on_data_(data_);
      data_.clear();
      has_data_ = false;
      return;
    }
    if (line.front() == ':') return;  // a comment: the server's heartbeat
    const auto colon = line.find(':');
    const auto field = line.substr(0, colon);
    auto value = colon == std::string::npos ? std::string() : line.substr(colon + 1);
    if (!value.empty() && value.front() == ' ') value.erase(0, 1);
    if (field == "data") {
      data_ += (has_data_ ? "\n" : "") + value;
      has_data_ = true;
    } else if (field == "id") {
      id_ = value;
    } else if (field == "retry" && !value.empty() && value.find_first_not_of("0123456789") == std::string::npos &&
               value.size() < 9) {
      retry_ = std::chrono::milliseconds(std::stol(value));
    }
  }

  std::function<void(const std::string&)> on_data_;
  std::string pending_;
  std::string data_;
  bool has_data_ = false;
  std::string id_;
  std::string last_id_;
  std::chrono::milliseconds retry_{1000};
};

// "2024-05-01T10:00:00Z  #42  cart/crt_1 v3  ItemAdded  {...}"
std::string event_line(const boost::json::value& e) {
  auto text = [&](const char* key) {
    const auto* v = at_path(e, key);
    return v ? cell_text(*v) : std::string("?");
  };
  const std::string data = shorten(text("data"), 160);  // whole UTF-8 characters
  return text("at") + "  #" + text("position") + "  " + text("stream_type") + "/" + text("stream_id") + " v" +
         text("version") + "  " + text("type") + "  " + data;
}

// Sleeps `d`, waking early on an interrupt.
void pause_for(std::chrono::milliseconds d) {
  for (auto left = d; left.count() > 0 && !interrupted; left -= 50ms) std::this_thread::sleep_for(std::min(left, 50ms));
}

}  // namespace

int tail_verb(context& c, const arguments&) {
  catch_interrupts();
  event_stream_parser parser([&c](const std::string& data) {
    boost::json::error_code ec;
    const auto event = boost::json::parse(data, ec);
    if (c.json()) c.out << (ec ? compact(boost::json::value(data)) : compact(event)) << "\n";
    else c.out << (ec ? terminal_safe(data) : event_line(event)) << "\n";
    c.out.flush();
  });
  const auto target = "/admin/events/live" + query({{"types", c.option("types")}, {"stream", c.option("stream")}});
  bool followed = false;  // a stream was open once: from then on every failure is retried
  while (!interrupted) {
    auto request = c.api.request("GET", target);
    request.headers.emplace_back("Accept", "text/event-stream");
    if (!parser.last_id().empty()) request.headers.emplace_back("Last-Event-ID", parser.last_id());
    parser.restart();
    try {
      const auto answer = stream_request(
          c.api.url(), request, 60s,
          [&](std::string_view bytes) {
            if (!followed) {
              followed = true;
              c.err << "commercectl: following " << c.api.url().text << target << " (Ctrl-C to stop)" << std::endl;
            }
            parser.feed(bytes);
          },
          [] { return interrupted != 0; });
      if (interrupted) break;
      if (answer.status != 200) {
        // Refused (a 4xx) is final; a node that is stopping or overloaded (5xx) is waited for.
        if (answer.status < 500 || !followed) throw problem_of(answer);
        c.err << "commercectl: " << terminal_safe(problem_of(answer).what()) << "; trying again" << std::endl;
      } else if (followed) {
        c.err << "commercectl: the stream ended; reconnecting" << std::endl;
      }
    } catch (const unreachable& e) {
      if (interrupted) break;
      if (!followed) throw;
      c.err << "commercectl: " << terminal_safe(e.what()) << "; reconnecting" << std::endl;
    }
    pause_for(parser.retry());
  }
  return 0;
}

}  // namespace commercectl
