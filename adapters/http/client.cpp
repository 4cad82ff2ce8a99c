#include "adapters/http/client.hpp"

#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

#include <cctype>
#include <charconv>
#include <map>
#include <thread>
#include <utility>
#include <vector>

namespace commerce::adapters::http {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = beast::http;
using tcp = asio::ip::tcp;

constexpr std::size_t max_idle_per_endpoint = 64;

}  // namespace

std::optional<endpoint> parse_http_url(const std::string& url) {
  const std::string scheme = "http://";
  if (url.compare(0, scheme.size(), scheme) != 0) return std::nullopt;
  const auto rest = url.substr(scheme.size());
  const auto authority = rest.substr(0, rest.find('/'));
  const auto colon = authority.rfind(':');
  endpoint out;
  out.host = authority.substr(0, colon);
  if (out.host.empty()) return std::nullopt;
  if (colon != std::string::npos) {
    const auto port = authority.substr(colon + 1);
    unsigned value = 0;
    const auto [end, error] = std::from_chars(port.data(), port.data() + port.size(), value);
    if (port.empty() || error != std::errc() || end != port.data() + port.size() || value == 0 || value > 65535)
      return std::nullopt;
    out.port = static_cast<std::uint16_t>(value);
  }
  return out;
}

namespace {

// The I/O thread's world; calls reach it through client::impl.
struct client_io {
  asio::io_context io;
  asio::executor_work_guard<asio::io_context::executor_type> guard{io.get_executor()};
  tcp::resolver resolver{io};
  // Kept-alive connections by endpoint; touched only on the I/O thread.
  std::map<std::pair<std::string, std::uint16_t>, std::vector<std::unique_ptr<beast::tcp_stream>>> idle;
  std::thread thread;
};

}  // namespace

struct client::impl : client_io {};

namespace {

// One call, from taking a connection to the callback.
struct call : std::enable_shared_from_this<call> {
  client_io& owner;
  endpoint to;
  bhttp::request<bhttp::string_body> request;
  std::chrono::steady_clock::time_point deadline;
  std::function<void(client_result)> done;
  std::unique_ptr<beast::tcp_stream> stream;
  bool reused = false;
  bool written_before = false;  // an earlier connection of this call took the request, maybe
  beast::flat_buffer buffer;
  bhttp::response<bhttp::string_body> response;

  call(client_io& o, endpoint e, bhttp::request<bhttp::string_body> r, std::chrono::steady_clock::time_point d,
       std::function<void(client_result)> cb)
      : owner(o), to(std::move(e)), request(std::move(r)), deadline(d), done(std::move(cb)) {}

  void start() {
    auto& pool = owner.idle[{to.host, to.port}];
    if (pool.empty()) return connect();
    stream = std::move(pool.back());
    pool.pop_back();
    reused = true;
    stream->expires_at(deadline);
    write();
  }

  void connect() {
    reused = false;
    stream = std::make_unique<beast::tcp_stream>(owner.io);
    stream->expires_at(deadline);
    owner.resolver.async_resolve(to.host, std::to_string(to.port),
                                 [self = shared_from_this()](beast::error_code ec, tcp::resolver::results_type found) {
                                   if (ec) return self->fail(ec, false);
                                   self->stream->async_connect(found, [self](beast::error_code ec, const tcp::endpoint&) {
                                     if (ec) return self->fail(ec, false);
                                     self->write();
                                   });
                                 });
  }

  void write() {
    bhttp::async_write(*stream, request, [self = shared_from_this()](beast::error_code ec, std::size_t) {
      if (ec) return self->stale_or_fail(ec);
      bhttp::async_read(*self->stream, self->buffer, self->response, [self](beast::error_code ec, std::size_t) {
        if (ec) return self->stale_or_fail(ec);
        self->succeed();
      });
    });
  }

  // A kept-alive connection the server had already closed fails before any answer: that is
  // no failure of the call, so it goes again on a fresh connection.
  void stale_or_fail(beast::error_code ec) {
    const bool closed = ec == bhttp::error::end_of_stream || ec == asio::error::connection_reset ||
                        ec == asio::error::eof || ec == asio::error::broken_pipe;
    if (reused && closed && buffer.size() == 0) {
      // The server may have read the request before closing (a reset after the write): the
      // retry is harmless with an idempotency key, but should it fail, the call stays "maybe".
      written_before = true;
      response = {};
      return connect();
    }
    fail(ec, true);
  }

  void fail(beast::error_code ec, bool maybe_delivered) {
    client_result r;
    r.error = ec == beast::error::timeout ? client_result::failure::timeout : client_result::failure::connection;
    r.maybe_delivered = maybe_delivered || written_before;
    r.detail = ec.message();
    done(std::move(r));
  }

  void succeed() {
    client_result r;
    r.maybe_delivered = true;
    r.response.status = static_cast<int>(response.result_int());
    for (const auto& field : response) {
      std::string name(field.name_string());
      for (auto& c : name) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      if (name == "content-type") r.response.content_type = std::string(field.value());
      else r.response.headers.emplace_back(std::move(name), std::string(field.value()));
    }
    r.response.body = std::move(response.body());
    if (response.keep_alive()) {
      auto& pool = owner.idle[{to.host, to.port}];
      if (pool.size() < max_idle_per_endpoint) {
        stream->expires_never();
        pool.push_back(std::move(stream));
      }
    }
    done(std::move(r));
  }
};

}  // namespace

client::client() : impl_(std::make_unique<impl>()) {
  impl_->thread = std::thread([this] { impl_->io.run(); });
}

client::~client() {
  impl_->guard.reset();
  impl_->io.stop();
  impl_->thread.join();
}

void client::send(const endpoint& to, http_request request, std::chrono::milliseconds timeout,
                  std::function<void(client_result)> done) {
  bhttp::request<bhttp::string_body> out{bhttp::string_to_verb(request.method), request.target, 11};
  out.set(bhttp::field::host, to.host + ":" + std::to_string(to.port));
  out.set(bhttp::field::user_agent, "commerced");
  out.set(bhttp::field::content_type, "application/json");
  for (const auto& [name, value] : request.headers) out.set(name, value);
  out.body() = std::move(request.body);
  out.keep_alive(true);
  out.prepare_payload();
  auto c = std::make_shared<call>(*impl_, to, std::move(out), std::chrono::steady_clock::now() + timeout, std::move(done));
  asio::post(impl_->io, [c] { c->start(); });
}

}  // namespace commerce::adapters::http
