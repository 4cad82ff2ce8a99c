// The sandbox payment provider (API.md, "Sandbox payment provider"): a stand-in with Stripe-like
// semantics that the node reaches only over HTTP, as it would a real provider. Plain C++ behind
// the project's HTTP server; apps/sandbox runs it as a program of its own.
//
//   POST /v1/charges  {"amount", "currency", "source": token, "description"?}   Idempotency-Key
//        tok_ok 200 charge · tok_declined 402 card_declined (never retried)
//        tok_flaky 503 for the first two attempts of each key, then 200 · tok_slow 200 after 3 s
//        (409 idempotency_key_in_use for the same key meanwhile) · tok_hang charges and never answers ·
//        tok_crash charges and then the sandbox exits without answering (the connection resets)
//        Messages to an address at unreachable.example are answered 503, every time.
//   POST /v1/refunds  {"charge", "amount"?}   Idempotency-Key; never more than was charged
//   GET  /charges     every charge made, oldest first, with what was refunded
//
// It stands in for the messaging provider (email) too, with the same key semantics:
//   POST /v1/messages {"to", "template", "data"?}   Idempotency-Key
//   GET  /messages    every message taken, oldest first
//
// A key answered once gets the same answer again and never charges or sends twice. Charges,
// refunds, messages and answered keys are appended to a JSON-lines file and read back at start,
// so they survive a restart of the sandbox.
#pragma once

#include "common/http_message.hpp"

#include <chrono>
#include <memory>
#include <string>

namespace commerce::adapters::sandbox {

class payment_sandbox {
 public:
  // `data_file` is created if missing. `slow_delay` is how long tok_slow takes.
  explicit payment_sandbox(std::string data_file, std::chrono::milliseconds slow_delay = std::chrono::seconds(3));
  ~payment_sandbox();
  payment_sandbox(const payment_sandbox&) = delete;
  payment_sandbox& operator=(const payment_sandbox&) = delete;

  // An http_handler: answers at once, or later from a timer thread (tok_slow).
  void handle(http_request request, http_responder respond);

 private:
  struct impl;
  std::unique_ptr<impl> impl_;
};

}  // namespace commerce::adapters::sandbox
