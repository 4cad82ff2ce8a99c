#include "adapters/http/server.hpp"

#include "common/log.hpp"
#include "common/metrics.hpp"
#include "common/problem.hpp"

#include <boost/asio/dispatch.hpp>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <algorithm>
#include <array>
#include <atomic>
#include <cctype>
#include <cstdio>
#include <mutex>
#include <optional>
#include <stdexcept>
#include <thread>
#include <unordered_map>

namespace commerce::adapters::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

class session;

using request_message = bhttp::request<bhttp::string_body>;

// The answer to a request that could not be read, sent before closing; nullopt when the
// connection just ends (the peer left or was too slow) or on success.
std::optional<http_response> read_error_answer(const beast::error_code& ec, const server_options& options) {
  if (ec == bhttp::error::body_limit)
    return problem(413, "payload_too_large", "Payload too large",
                   "the body exceeds the limit of " + std::to_string(options.body_limit) + " bytes");
  if (ec == bhttp::error::header_limit)
    return problem(431, "headers_too_large", "Request header fields too large",
                   "the request line and headers exceed " + std::to_string(options.header_limit) + " bytes");
  if (ec && ec.category() == bhttp::make_error_code(bhttp::error::bad_target).category() &&
      ec != bhttp::error::end_of_stream && ec != bhttp::error::partial_message)
    return problem(400, "bad_request", "Bad request", "malformed HTTP: " + ec.message());
  return std::nullopt;
}

http_request to_http_request(request_message&& message) {
  http_request request;
  request.method = std::string(message.method_string());
  request.target = std::string(message.target());
  for (const auto& field : message) {
    std::string name(field.name_string());
    std::transform(name.begin(), name.end(), name.begin(), [](unsigned char c) { return std::tolower(c); });
    request.headers.emplace_back(std::move(name), std::string(field.value()));
  }
  request.body = std::move(message.body());
  return request;
}

// The open connections, so that stop() can close the idle ones and wait for the busy ones.
// Sessions run on the I/O thread, but the last reference to one may be dropped on any thread
// (a responder held by an actor), hence the lock.
struct session_registry {
  std::mutex mutex;
  std::unordered_map<session*, std::weak_ptr<session>> open;
  std::atomic<std::size_t> count{0};
  std::atomic<std::size_t> in_flight{0};  // requests handed to the handler, not yet answered
  bool draining = false;  // I/O thread only
  metrics::gauge& open_gauge = metrics::registry::global().get_gauge("commerce_http_connections", "Open HTTP connections");
  metrics::counter& refused = metrics::registry::global().get_counter(
      "commerce_http_connections_refused_total", "Connections answered 503 because max_connections were open");
  metrics::counter& shed = metrics::registry::global().get_counter(
      "commerce_http_requests_shed_total", "Requests answered 503 at once because max_in_flight were being handled");
  metrics::gauge& streams = metrics::registry::global().get_gauge("commerce_http_streams", "Open streamed answers (server-sent events)");
  metrics::counter& streams_dropped = metrics::registry::global().get_counter(
      "commerce_http_streams_dropped_total", "Streamed answers closed because their reader let stream_buffer_limit bytes pile up");
};

// The writing end of a connection's streamed answer. Producers call write and close from any
// thread; they only queue bytes under the lock, and the connection's I/O thread sends them
// (session::flush_stream), one write at a time. It holds its connection weakly: a producer that
// keeps it after the end keeps no socket open.
class session_stream final : public http_stream {
 public:
  session_stream(std::weak_ptr<session> owner, asio::any_io_executor io, std::size_t limit, bool chunked,
                 session_registry& registry)
      : owner_(std::move(owner)), io_(std::move(io)), limit_(limit), chunked_(chunked), registry_(registry) {
    registry_.streams.add(1);
  }
  ~session_stream() override { registry_.streams.add(-1); }

  bool write(std::string bytes) override { return queue(std::move(bytes), true); }

  void close() override {
    std::lock_guard<std::mutex> lock(mutex_);
    if (closed_ || ending_) return;
    ending_ = true;
    schedule_flush();
  }

  std::size_t queued() const override {
    std::lock_guard<std::mutex> lock(mutex_);
    return queued_;
  }

  void on_close(std::function<void()> callback) override {
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (!finished_) {
        callback_ = std::move(callback);
        return;
      }
    }
    callback();
  }

  // The status line and headers, sent as they are, before anything written.
  void queue_head(std::string head) { queue(std::move(head), false); }

  // I/O thread: what to send next (empty: nothing), and whether the stream should end now.
  struct next_write {
    std::string bytes;
    std::size_t payload = 0;  // of those, bytes counted in queued()
    bool end = false;
  };
  next_write take() {
    std::lock_guard<std::mutex> lock(mutex_);
    next_write next{std::move(pending_), pending_payload_, false};
    pending_.clear();
    pending_payload_ = 0;
    if (next.bytes.empty()) {
      writing_ = false;
      next.end = ending_ && !closed_;
      if (next.end) closed_ = true;
    }
    return next;
  }
  void sent(std::size_t payload) {
    std::lock_guard<std::mutex> lock(mutex_);
    queued_ -= payload;
  }
  bool chunked() const { return chunked_; }

  // I/O thread, once the connection is closing for any reason: no more writes, and the
  // producer hears of it.
  void finish() {
    std::function<void()> callback;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (finished_) return;
      closed_ = finished_ = true;
      callback = std::move(callback_);
    }
    if (callback) callback();
  }

 private:
  bool queue(std::string bytes, bool payload);
  void schedule_flush();  // under the lock

  std::weak_ptr<session> owner_;
  asio::any_io_executor io_;
  const std::size_t limit_;
  const bool chunked_;
  session_registry& registry_;
  mutable std::mutex mutex_;
  std::string pending_;
  std::size_t pending_payload_ = 0;
  std::size_t queued_ = 0;  // payload bytes pending or being written
  bool writing_ = false;    // a flush is posted or a write is in flight
  bool ending_ = false;     // close() asked: send what is queued, then end
  bool closed_ = false;     // no more writes taken
  bool finished_ = false;   // the connection is closing; callback_ was called
  std::function<void()> callback_;
};

class session : public std::enable_shared_from_this<session> {
 public:
  session(tcp::socket socket, const server_options& options, const http_handler& handler, session_registry& registry)
      : stream_(std::move(socket)), options_(options), handler_(handler), registry_(registry) {
    registry_.open_gauge.set(static_cast<std::int64_t>(++registry_.count));
  }

  ~session() {
    std::lock_guard<std::mutex> lock(registry_.mutex);
    registry_.open.erase(this);
    registry_.open_gauge.set(static_cast<std::int64_t>(--registry_.count));
  }

  void start() {
    {
      std::lock_guard<std::mutex> lock(registry_.mutex);
      registry_.open.emplace(this, weak_from_this());
    }
    asio::dispatch(stream_.get_executor(), beast::bind_front_handler(&session::read, shared_from_this()));
  }

  // On the I/O thread, when the server stops: a connection waiting for its next request is
  // closed now; one whose request is being handled is closed after its answer; a stream is
  // ended after what was queued.
  void drain() {
    if (live_) return live_->close();
    if (busy_) return;
    beast::error_code ignored;  // nothing unread to linger for, and its read is still pending
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  // Waits (idle_timeout) for the first bytes of the next request, then gives the whole request
  // read_timeout to arrive: a client trickling bytes cannot hold the connection for longer.
  void read() {
    parser_.emplace();
    parser_->body_limit(options_.body_limit);
    parser_->header_limit(static_cast<std::uint32_t>(options_.header_limit));
    if (buffer_.size() > 0) return read_request();  // pipelined: already here
    stream_.expires_after(options_.idle_timeout);
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, std::size_t n) {
      if (ec) return self->close();  // the peer left, or stayed quiet past the idle timeout
      self->buffer_.commit(n);
      self->read_request();
    });
  }

  void read_request() {
    stream_.expires_after(options_.read_timeout);
    bhttp::async_read(stream_, buffer_, *parser_, beast::bind_front_handler(&session::on_read, shared_from_this()));
  }

  void on_read(beast::error_code ec, std::size_t) {
    if (auto answer = read_error_answer(ec, options_)) return fail(std::move(*answer));
    if (ec) return close();  // the peer left, or was too slow (read_timeout)

    auto message = parser_->release();
    keep_alive_ = message.keep_alive();
    version_ = message.version();
    http_request request = to_http_request(std::move(message));
    busy_ = true;
    // Admission control: beyond max_in_flight the node is overloaded, and a fast 503 beats a
    // request queued behind thousands of others until its client gives up.
    if (registry_.in_flight.fetch_add(1) >= options_.max_in_flight) {
      registry_.in_flight.fetch_sub(1);
      registry_.shed.add();
      auto r = problem(503, "overloaded", "Service unavailable", "too many requests in flight; try again shortly");
      r.headers.emplace_back("Retry-After", "1");
      return write(std::move(r));
    }
    stream_.expires_never();  // the handler answers in bounded time (the gateway has deadlines)

    auto guard = std::make_shared<answer_guard>(shared_from_this());
    handler_(std::move(request), [guard](http_response response) {
      guard->settle();
      guard->owner->post_write(std::move(response));
    });
  }

  // Counts the request out of in_flight once answered, and answers 503 for a request dropped
  // unanswered (the actor holding it stopped), so that no client waits forever.
  struct answer_guard {
    std::shared_ptr<session> owner;
    std::atomic<bool> answered{false};
    explicit answer_guard(std::shared_ptr<session> s) : owner(std::move(s)) {}
    void settle() {
      if (!answered.exchange(true)) owner->registry_.in_flight.fetch_sub(1);
    }
    ~answer_guard() {
      if (answered) return;
      settle();
      auto dropped = problem(503, "unavailable", "Service unavailable", "the request was dropped; try again");
      dropped.headers.emplace_back("Retry-After", "1");
      owner->post_write(std::move(dropped));
    }
  };

  void post_write(http_response response) {
    asio::post(stream_.get_executor(),
               [self = shared_from_this(), response = std::move(response)]() mutable { self->write(std::move(response)); });
  }

  void fail(http_response response) {
    keep_alive_ = false;
    busy_ = true;
    write(std::move(response));
  }

  // Called by session_stream through asio::post:
 public:
  // I/O thread: sends what the stream has queued, one write at a time, until nothing is left.
  void flush_stream() {
    auto next = live_->take();
    if (next.end) return end_stream();
    if (next.bytes.empty()) return;
    auto bytes = std::make_shared<std::string>(std::move(next.bytes));
    // A client that takes nothing for read_timeout is gone (or stalled): the write fails and the
    // stream closes, so a stop never waits on it. Only the write's timer is set: the read
    // watching for the client's close stays without one.
    stream_.expires_after(options_.read_timeout);
    asio::async_write(stream_, asio::buffer(*bytes),
                      [self = shared_from_this(), bytes, payload = next.payload](beast::error_code ec, std::size_t) {
                        self->stream_.expires_never();
                        if (ec) return self->close_stream();
                        self->live_->sent(payload);
                        self->flush_stream();
                      });
  }

  // I/O thread: the stream ended, the client left, a write failed or the reader was too slow:
  // the connection is closed at once (a stream's client sends nothing to linger for).
  void close_stream() {
    live_->finish();
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ignored);
    stream_.close();
  }

 private:
  // A stream's headers, sent before its first event; the stream then holds the connection
  // until it ends (the producer closes it, the server stops, or the client leaves).
  void start_stream(http_response response) {
    stream_.expires_never();
    const bool chunked = version_ >= 11;
    std::string head = (version_ >= 11 ? "HTTP/1.1 " : "HTTP/1.0 ") + std::to_string(response.status) + " " +
                       std::string(bhttp::obsolete_reason(static_cast<bhttp::status>(response.status))) +
                       "\r\nServer: commerced\r\nContent-Type: " + response.content_type +
                       "\r\nX-Content-Type-Options: nosniff\r\nCache-Control: no-cache\r\nConnection: close\r\n";
    if (chunked) head += "Transfer-Encoding: chunked\r\n";
    for (const auto& [name, value] : response.headers) head += name + ": " + value + "\r\n";
    head += "\r\n";
    live_ = std::make_shared<session_stream>(weak_from_this(), stream_.get_executor(), options_.stream_buffer_limit,
                                             chunked, registry_);
    live_->queue_head(std::move(head));
    watch_stream();
    response.stream(live_);
    if (registry_.draining) live_->close();  // answered after the stop began: ends at once
  }

  // A streamed answer's client sends nothing more; reading tells when it has gone.
  void watch_stream() {
    stream_.async_read_some(asio::buffer(discarded_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->close_stream();
      self->watch_stream();
    });
  }

  // The end of a stream asked for: the last chunk, then the connection is closed.
  void end_stream() {
    live_->finish();
    if (!live_->chunked()) return close_stream();
    static const std::string last_chunk = "0\r\n\r\n";
    stream_.expires_after(options_.read_timeout);
    asio::async_write(stream_, asio::buffer(last_chunk), [self = shared_from_this()](beast::error_code, std::size_t) {
      self->close_stream();
    });
  }

  void write(http_response response) {
    if (response.stream) return start_stream(std::move(response));
    if (registry_.draining) keep_alive_ = false;
    auto out = std::make_shared<bhttp::response<bhttp::string_body>>(static_cast<bhttp::status>(response.status), version_);
    out->set(bhttp::field::server, "commerced");
    out->set(bhttp::field::content_type, response.content_type);
    // Every answer: a browser must take the declared type, never guess one from the body (a
    // JSON answer echoing a client's text must not run as HTML or script).
    out->set("X-Content-Type-Options", "nosniff");
    for (auto& [name, value] : response.headers) out->set(name, value);
    out->body() = std::move(response.body);
    out->keep_alive(keep_alive_);
    out->prepare_payload();
    stream_.expires_after(options_.read_timeout);  // a client that does not read its answer
    bhttp::async_write(stream_, *out, [self = shared_from_this(), out](beast::error_code ec, std::size_t) {
      self->busy_ = false;
      if (ec || !self->keep_alive_ || self->registry_.draining) return self->close();
      self->read();
    });
  }

  // A lingering close: stop sending, then read and discard whatever the client still sends
  // (the rest of a body refused with 413, say) until it closes too or `linger` has passed.
  // Closing with unread data would answer the client's last writes with a reset, which can
  // destroy our answer before the client has read it.
  void close() {
    beast::error_code ignored;
    stream_.socket().shutdown(tcp::socket::shutdown_send, ignored);
    stream_.expires_after(linger);
    discard();
  }

  void discard() {
    stream_.async_read_some(asio::buffer(discarded_), [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stream_.close();  // the client closed, or lingered too long
      self->discard();
    });
  }

  static constexpr std::chrono::seconds linger{2};

  beast::tcp_stream stream_;
  beast::flat_buffer buffer_;
  std::optional<bhttp::request_parser<bhttp::string_body>> parser_;
  const server_options& options_;
  const http_handler& handler_;
  session_registry& registry_;
  std::array<char, 16384> discarded_;
  std::shared_ptr<session_stream> live_;  // set once the answer is a stream
  bool keep_alive_ = false;
  bool busy_ = false;  // a request is being handled or answered
  unsigned version_ = 11;
};

bool session_stream::queue(std::string bytes, bool payload) {
  std::lock_guard<std::mutex> lock(mutex_);
  if (closed_ || ending_) return false;
  if (bytes.empty()) return true;  // an empty chunk would end the answer
  // Over the limit only with something already waiting: one frame bigger than the limit still
  // goes out to a reader that keeps up.
  if (payload && queued_ > 0 && queued_ + bytes.size() > limit_) {
    closed_ = true;
    registry_.streams_dropped.add();
    asio::post(io_, [owner = owner_] {
      if (auto s = owner.lock()) s->close_stream();
    });
    return false;
  }
  if (payload) {
    queued_ += bytes.size();
    pending_payload_ += bytes.size();
  }
  if (payload && chunked_) {
    char size[20];
    const int n = std::snprintf(size, sizeof size, "%zx\r\n", bytes.size());
    pending_.append(size, static_cast<std::size_t>(n)).append(bytes).append("\r\n");
  } else {
    pending_ += bytes;
  }
  schedule_flush();
  return true;
}

void session_stream::schedule_flush() {
  if (writing_) return;
  writing_ = true;
  asio::post(io_, [owner = owner_] {
    if (auto s = owner.lock()) s->flush_stream();
  });
}

// What a connection over max_connections gets before it is closed, as raw HTTP.
std::string over_capacity_answer() {
  const auto r = problem(503, "too_many_connections", "Service unavailable", "too many open connections; try again");
  return "HTTP/1.1 503 Service Unavailable\r\nServer: commerced\r\nContent-Type: " + r.content_type +
         "\r\nX-Content-Type-Options: nosniff\r\nRetry-After: 1\r\nConnection: close\r\nContent-Length: " + std::to_string(r.body.size()) + "\r\n\r\n" +
         r.body;
}

}  // namespace

parsed_request parse_request(std::string_view bytes, const server_options& options) {
  bhttp::request_parser<bhttp::string_body> parser;
  parser.body_limit(options.body_limit);
  parser.header_limit(static_cast<std::uint32_t>(options.header_limit));
  parsed_request out;
  beast::error_code ec;
  while (!parser.is_done()) {
    const auto used = parser.put(asio::buffer(bytes.data() + out.consumed, bytes.size() - out.consumed), ec);
    out.consumed += used;
    if (ec == bhttp::error::need_more || (!ec && used == 0)) {
      ec = {};
      if (used == 0 || out.consumed == bytes.size()) {
        parser.put_eof(ec);  // no more bytes: what a connection closed by the peer reads
        break;
      }
      continue;
    }
    if (ec) break;
  }
  if (auto answer = read_error_answer(ec, options)) out.error = std::move(*answer);
  else if (!ec && parser.is_done()) {
    auto message = parser.release();
    out.keep_alive = message.keep_alive();
    out.request = to_http_request(std::move(message));
  }
  return out;
}

struct server::impl {
  server_options options;
  http_handler handler;
  asio::io_context io{1};
  // A session waiting for the gateway's answer has no I/O pending; without this, run() would
  // return once the acceptor closes on stop, and answers still owed would never be written.
  asio::executor_work_guard<asio::io_context::executor_type> keep_running = asio::make_work_guard(io);
  tcp::acceptor acceptor{io};
  session_registry sessions;
  std::thread thread;

  void accept() {
    acceptor.async_accept([this](beast::error_code ec, tcp::socket socket) {
      if (!acceptor.is_open()) return;
      if (ec) log::warn("accept failed", {{"error", ec.message()}});
      else if (sessions.count >= options.max_connections) {
        sessions.refused.add();
        refuse(std::move(socket));
      }
      else std::make_shared<session>(std::move(socket), options, handler, sessions)->start();
      accept();
    });
  }

  // A fresh socket's send buffer takes the short answer at once: the write does not block.
  static void refuse(tcp::socket socket) {
    static const std::string answer = over_capacity_answer();
    beast::error_code ignored;
    asio::write(socket, asio::buffer(answer), ignored);
    socket.shutdown(tcp::socket::shutdown_both, ignored);
    socket.close(ignored);
  }

  void drain() {
    beast::error_code ignored;
    acceptor.close(ignored);
    sessions.draining = true;
    std::vector<std::shared_ptr<session>> open;
    {
      std::lock_guard<std::mutex> lock(sessions.mutex);
      for (auto& [raw, weak] : sessions.open)
        if (auto s = weak.lock()) open.push_back(std::move(s));
    }
    for (auto& s : open) s->drain();
  }
};

server::server(server_options options, http_handler handler) : impl_(std::make_unique<impl>()) {
  impl_->options = std::move(options);
  impl_->handler = std::move(handler);
}

server::~server() { stop(); }

void server::start() {
  auto& i = *impl_;
  const std::string where = i.options.address + ":" + std::to_string(i.options.port);
  try {
    const tcp::endpoint endpoint(asio::ip::make_address(i.options.address), i.options.port);
    i.acceptor.open(endpoint.protocol());
    i.acceptor.set_option(asio::socket_base::reuse_address(true));
    i.acceptor.bind(endpoint);
    i.acceptor.listen(asio::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    throw std::runtime_error("cannot listen on " + where + ": " + e.what());
  }
  i.accept();
  i.thread = std::thread([&i] { i.io.run(); });
}

void server::stop() {
  auto& i = *impl_;
  if (!i.thread.joinable()) return;
  asio::post(i.io, [&i] { i.drain(); });
  const auto deadline = std::chrono::steady_clock::now() + i.options.shutdown_grace;
  while (i.sessions.count > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  if (i.sessions.count > 0) log::warn("closing connections still busy after the shutdown grace", {{"connections", i.sessions.count.load()}});
  i.io.stop();
  i.thread.join();
}

std::size_t server::connections() const { return impl_->sessions.count; }

std::uint16_t server::port() const { return impl_->acceptor.local_endpoint().port(); }

}  // namespace commerce::adapters::http
