// Recording an operator's call in the audit log (domain/audit.hpp). The gateway wraps the
// responder of every admin call that may change something; the wrapper records the entry
// when the answer is ready and lets the answer go once the entry is in the journal, so an
// operator who saw an answer can find it in /admin/audit.
#include "actors/entity_client.hpp"
#include "actors/gateway_call.hpp"
#include "common/log.hpp"
#include "api/request_checks.hpp"
#include "common/secure.hpp"
#include "domain/audit.hpp"

#include <algorithm>
#include <atomic>
#include <cstdio>
#include <optional>

namespace commerce::actors {
namespace {

// Newest first in id order: the milliseconds left until 10^13 ms (the year 2286), then what is
// left of a count of this node's entries (so two of one millisecond keep their order here), then
// a random part (so two nodes' entries of one millisecond differ).
std::string new_audit_id(std::int64_t now_ms) {
  static std::atomic<std::uint32_t> written{0};
  char id[64];
  std::snprintf(id, sizeof id, "aud_%013lld_%09u_", static_cast<long long>(9'999'999'999'999LL - now_ms),
                999'999'999u - written.fetch_add(1) % 1'000'000'000u);
  return id + secure::random_hex(4);
}

// X-Audit-Reason, percent-decoded strictly ('+' is a plus sign here, not a space).
std::optional<std::string> percent_decode(std::string_view text) {
  auto hex = [](char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
  };
  std::string out;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if (text[i] != '%') {
      out += text[i];
      continue;
    }
    if (i + 2 >= text.size()) return std::nullopt;
    const int high = hex(text[i + 1]), low = hex(text[i + 2]);
    if (high < 0 || low < 0) return std::nullopt;
    out += static_cast<char>(high * 16 + low);
    i += 2;
  }
  return out;
}

}  // namespace

std::variant<std::string, http_response> audit_reason_of(const http_request& request) {
  auto refuse = [](std::string_view detail) {
    return problem(422, "validation_failed", "Validation failed", "X-Audit-Reason " + std::string(detail),
                   {{"field", "X-Audit-Reason"}});
  };
  int given = 0;
  for (const auto& [name, value] : request.headers) given += name == "x-audit-reason";
  if (given > 1) return refuse("must be given once");
  const auto reason = percent_decode(request.header("x-audit-reason"));
  if (!reason) return refuse("must be percent-encoded UTF-8 (as encodeURIComponent writes it)");
  if (reason->size() > domain::max_audit_reason)
    return refuse("must be at most " + std::to_string(domain::max_audit_reason) + " bytes once decoded");
  // Control characters would reach other operators' terminals (commercectl audit) as commands.
  if (!valid_utf8(*reason) ||
      std::any_of(reason->begin(), reason->end(), [](char c) { return static_cast<unsigned char>(c) < 0x20 || c == 0x7f; }))
    return refuse("must be UTF-8 text without control characters");
  return *reason;
}

http_responder audited(const gateway_call& call, std::string reason, bool keep_body, http_responder respond) {
  const auto& body = call.request.body;
  const bool json_body = keep_body && !body.empty() && body.size() <= domain::max_audit_request &&
                         call.request.header("content-type").rfind("application/json", 0) == 0;
  domain::record_operator_action entry{call.operator_label,
                                       call.request.method,
                                       std::string(path_of(call.request.target)).substr(0, domain::max_audit_path),
                                       std::move(reason),
                                       call.request.header("idempotency-key"),
                                       json_body ? body : std::string(),
                                       0};
  return [&system = call.self->system(), regions = call.services().regions, timeout = call.options().request_timeout,
          entry = std::move(entry), respond = std::move(respond)](http_response answer) mutable {
    entry.status = answer.status;
    // An actor of its own: the answer may come from any thread, and the entry must be
    // written before it goes.
    system.spawn([regions, timeout, entry, respond = std::move(respond),
                  answer = std::move(answer)](caf::event_based_actor* self) mutable {
      const auto id = new_audit_id(system_now().ms_since_epoch);
      auto send = std::make_shared<std::function<void()>>([respond, answer]() mutable { respond(std::move(answer)); });
      entity_client<domain::audit_decider>(self, regions, timeout)
          .command(
              id, entry, {}, std::nullopt,
              [self, send, id](protocols::entity_reply<domain::audit_decider>& reply) {
                if (reply.status != protocols::entity_status::accepted)
                  log::error("an operator's call was not recorded in the audit log", {{"id", id}});
                (*send)();
                self->quit();
              },
              [self, send, id](caf::error& e) {
                log::error("an operator's call was not recorded in the audit log",
                           {{"id", id}, {"error", self->system().render(e)}});
                (*send)();
                self->quit();
              });
    });
  };
}

}  // namespace commerce::actors
