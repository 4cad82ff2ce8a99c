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

#include <cstdio>

namespace commerce::actors {
namespace {

// Newest first in id order: the milliseconds left until 10^13 ms (the year 2286), then a
// random part so two entries of one millisecond differ.
std::string new_audit_id(std::int64_t now_ms) {
  char left[16];
  std::snprintf(left, sizeof left, "%013lld", static_cast<long long>(9'999'999'999'999LL - now_ms));
  return "aud_" + std::string(left) + "_" + secure::random_hex(4);
}

}  // namespace

std::variant<std::string, http_response> audit_reason_of(const http_request& request) {
  const auto& header = request.header("x-audit-reason");
  auto reason = percent_decoded(header);
  auto refuse = [](std::string_view detail) {
    return problem(422, "validation_failed", "Validation failed", "X-Audit-Reason " + std::string(detail),
                   {{"field", "X-Audit-Reason"}});
  };
  if (reason.size() > domain::max_audit_reason)
    return refuse("must be at most " + std::to_string(domain::max_audit_reason) + " bytes once decoded");
  if (!valid_utf8(reason) || reason.find('\0') != std::string::npos)
    return refuse("must be UTF-8 text, percent-encoded (as encodeURIComponent writes it)");
  return reason;
}

http_responder audited(const gateway_call& call, std::string reason, http_responder respond) {
  domain::record_operator_action entry{call.operator_label,
                                       call.request.method,
                                       std::string(path_of(call.request.target)).substr(0, domain::max_audit_path),
                                       std::move(reason),
                                       call.request.header("idempotency-key"),
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
