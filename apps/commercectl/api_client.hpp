// The node's API as commercectl uses it: the admin token on every call, JSON answers, problems
// (application/problem+json) turned into `refused`, and every mutation sent with the operator's
// reason (X-Audit-Reason) and an Idempotency-Key, so that it is recorded and safe to repeat.
#pragma once

#include "apps/commercectl/http_client.hpp"

#include <boost/json.hpp>

#include <chrono>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

namespace commercectl {

// The node answered, and said no: the problem's status, code and detail.
struct refused : std::runtime_error {
  refused(int status, std::string code, std::string detail)
      : std::runtime_error(code + ": " + detail), status(status), code(std::move(code)), detail(std::move(detail)) {}
  int status;
  std::string code;
  std::string detail;
};

// The problem an answer carries (status >= 400), or one made up from its status and body.
refused problem_of(const http_answer& answer);

// How long a call may take, all told (http_client.hpp), unless it says otherwise.
inline constexpr std::chrono::milliseconds default_call_timeout{30'000};

// Who asked and why, for one mutation.
struct mutation {
  std::string reason;
  std::string idempotency_key;
};

// A fresh key: 128 random bits as hex, prefixed so the audit log shows where it came from.
std::string fresh_idempotency_key();

// `?a=1&b=2` from the pairs whose value is not empty ("" when none is), values percent-encoded.
std::string query(const std::vector<std::pair<std::string, std::string>>& params);

class api_client {
 public:
  api_client(base_url url, std::string token);

  const base_url& url() const { return url_; }

  // GET `target`; the JSON answer, or throws refused (status >= 400) / unreachable.
  boost::json::value get(const std::string& target) const;
  // GET `target` without judging the status (healthz, readyz).
  http_answer get_answer(const std::string& target) const;
  // POST/PUT/PATCH/DELETE with `body` (null: none); the JSON answer (null when it has none).
  // When the request went out but no answer came (the node may have acted), the unreachable
  // error says what to do: `if_lost`, or by default how to repeat it safely with the same key.
  boost::json::value change(const std::string& method, const std::string& target, const boost::json::value& body,
                            const mutation& why, std::chrono::milliseconds timeout = default_call_timeout,
                            const std::string& if_lost = "") const;
  // A request with the token added, for a streaming call (tail).
  http_request request(const std::string& method, const std::string& target) const;

 private:
  base_url url_;
  std::string token_;
};

}  // namespace commercectl
