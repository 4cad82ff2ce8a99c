#include "adapters/redis/redis_connection.hpp"

#include <hiredis/hiredis.h>

#include <memory>

namespace commerce::adapters::redis {
namespace {

timeval to_timeval(std::chrono::milliseconds d) {
  return {static_cast<time_t>(d.count() / 1000), static_cast<suseconds_t>((d.count() % 1000) * 1000)};
}

redis_reply convert(const redisReply* r) {
  redis_reply out;
  switch (r->type) {
    case REDIS_REPLY_STRING: out.kind = redis_reply::type::string; break;
    case REDIS_REPLY_ARRAY: out.kind = redis_reply::type::array; break;
    case REDIS_REPLY_INTEGER: out.kind = redis_reply::type::integer; break;
    case REDIS_REPLY_STATUS: out.kind = redis_reply::type::status; break;
    case REDIS_REPLY_ERROR: out.kind = redis_reply::type::error; break;
    default: out.kind = redis_reply::type::nil; break;
  }
  if (r->str) out.text.assign(r->str, r->len);
  out.integer = r->integer;
  for (std::size_t i = 0; i < r->elements; ++i) out.elements.push_back(convert(r->element[i]));
  return out;
}

}  // namespace

redis_connection::redis_connection(redis_options options) : options_(std::move(options)) {}

redis_connection::~redis_connection() {
  if (context_) redisFree(context_);
}

void redis_connection::fail(const std::string& what) {
  std::string detail = what;
  if (context_) {
    if (context_->errstr[0]) detail += ": " + std::string(context_->errstr);
    redisFree(context_);
    context_ = nullptr;
  }
  throw redis_unavailable("Redis at " + options_.host + ":" + std::to_string(options_.port) + ": " + detail);
}

redisContext* redis_connection::connected() {
  if (context_) return context_;
  context_ = redisConnectWithTimeout(options_.host.c_str(), options_.port, to_timeval(options_.connect_timeout));
  if (!context_) throw redis_unavailable("Redis: cannot allocate a connection");
  if (context_->err) fail("cannot connect");
  if (redisSetTimeout(context_, to_timeval(options_.command_timeout)) != REDIS_OK) fail("cannot set the timeout");
  return context_;
}

std::vector<redis_reply> redis_connection::pipeline(const std::vector<std::vector<std::string>>& commands) {
  auto* c = connected();
  // The whole pipeline in RESP, written once: hiredis's own formatting allocates per argument.
  std::string resp;
  for (const auto& args : commands) {
    resp += '*' + std::to_string(args.size()) + "\r\n";
    for (const auto& a : args) {
      resp += '$' + std::to_string(a.size()) + "\r\n";
      resp += a;
      resp += "\r\n";
    }
  }
  if (redisAppendFormattedCommand(c, resp.data(), resp.size()) != REDIS_OK) fail("cannot queue the commands");
  std::vector<redis_reply> replies;
  replies.reserve(commands.size());
  for (std::size_t i = 0; i < commands.size(); ++i) {
    void* raw = nullptr;
    if (redisGetReply(c, &raw) != REDIS_OK || !raw) fail("no answer");
    std::unique_ptr<redisReply, void (*)(void*)> reply(static_cast<redisReply*>(raw), freeReplyObject);
    replies.push_back(convert(reply.get()));
  }
  return replies;
}

}  // namespace commerce::adapters::redis
