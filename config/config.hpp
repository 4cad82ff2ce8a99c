// The node's configuration: typed values with their defaults from config/commerced.conf
// (compiled in), overridden by an optional file, then by COMMERCED_<SECTION>_<KEY> variables.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

namespace commerce::config {

struct http_config {
  std::uint16_t port = 0;
  std::string address;
  std::size_t body_limit = 0;
  std::size_t header_limit = 0;
  std::chrono::milliseconds read_timeout{};
  std::chrono::milliseconds idle_timeout{};
  std::size_t max_connections = 0;
  std::size_t max_in_flight = 0;
  std::chrono::milliseconds shutdown_grace{};
  std::vector<std::string> allowed_hosts;  // names besides localhost and the address it binds
};

struct postgres_config {
  std::string host;
  std::uint16_t port = 0;
  std::string database;
  std::string user;
  std::string password;
  std::chrono::milliseconds connect_timeout{};
  // Each connection: how long one attempt to connect may take; TCP keepalives (idle time
  // before the first probe, time between probes, probes lost before the connection is dead);
  // how long sent data may stay unacknowledged; the server's statement_timeout (0: none).
  // Together they bound how long a half-open connection can hold a blocked caller.
  std::chrono::milliseconds attempt_timeout{};
  std::chrono::milliseconds keepalives_idle{};
  std::chrono::milliseconds keepalives_interval{};
  int keepalives_count = 0;
  std::chrono::milliseconds tcp_user_timeout{};
  std::chrono::milliseconds statement_timeout{};

  // A libpq connection string (keyword = value form, values quoted) with the settings above;
  // `session_settings` ("name=value", no spaces) is one more setting for the session.
  std::string conninfo(const std::string& session_settings = "") const;
};

// An empty host: no Redis (nothing published, /readyz does not ask for it).
struct redis_config {
  std::string host;
  std::uint16_t port = 0;
  std::chrono::milliseconds connect_timeout{};
  std::chrono::milliseconds command_timeout{};
  std::uint64_t stream_maxlen = 0;
};

// Server-sent events (GET …/live): the node's cap on open streams, the heartbeat that keeps
// proxies from closing a quiet one, the bytes a reader may leave unsent before it is dropped,
// and how often the journal is read for them while any is open.
struct live_config {
  std::size_t max_streams = 0;
  std::chrono::milliseconds heartbeat{};
  std::size_t max_buffered = 0;
  std::chrono::milliseconds poll_interval{};
};

// API.md, Cluster. node_id empty: the one in node_id_file (made on first start).
struct cluster_config {
  bool enabled = false;
  std::string node_id;
  std::string node_id_file;
  std::string address;  // CAF middleman
  std::uint16_t port = 0;
  std::uint32_t shards = 0;
  std::chrono::milliseconds lease{};
};

struct journal_config {
  std::size_t max_batch = 0;
  std::chrono::microseconds max_delay{};
  std::size_t readers = 0;
};

struct entity_config {
  std::chrono::milliseconds passivate_after{};
  std::int64_t snapshot_every = 0;
};

// The payment provider the node charges through (the sandbox unless configured otherwise).
struct payment_config {
  std::string url;
  std::chrono::milliseconds attempt_timeout{};
  int max_attempts = 0;
  std::chrono::milliseconds retry_backoff{};
  int breaker_failures = 0;
  std::chrono::milliseconds breaker_window{};
  std::chrono::milliseconds breaker_cool_down{};
};

// The messaging provider the outbox relay sends notifications to (the sandbox's by default).
struct messaging_config {
  std::string url;
  std::chrono::milliseconds attempt_timeout{};
  std::chrono::milliseconds poll_interval{};
};

// The store platform (Shopify's Admin API; the sandbox's under scripts/run): where prices are
// pushed and counts are read from. An empty url: no store platform, nothing is pushed or read.
struct store_config {
  std::string url;
  std::string access_token;
  std::chrono::milliseconds attempt_timeout{};
};

struct pricing_config {
  std::chrono::milliseconds sync_give_up_after{};  // per price change, for an unavailable platform, then a dead letter
  std::chrono::milliseconds reconcile_interval{};
};

// The customer data platform (API.md): how identifiers are read and who may send events.
struct cdp_config {
  std::string default_region;  // ISO 3166 alpha-2, for national phone numbers
  std::string default_currency;  // of a purchase event without one
  std::vector<std::string> blocked_identifiers;  // besides the built-in blocklist
  std::string ingest_token;  // POST /v1/events takes it besides the admin token (empty: admin only)
};

struct node_config {
  http_config http;
  std::string admin_token;
  // Where a generated admin token is written (mode 0600) when admin_token is empty.
  std::string admin_token_file;
  std::vector<std::pair<std::string, std::string>> operator_tokens;  // label, token
  std::chrono::milliseconds cart_reservation_ttl{};
  std::chrono::milliseconds idempotency_retention{};
  std::chrono::milliseconds checkout_resume_after{};
  std::chrono::milliseconds checkout_give_up_after{};
  payment_config payment;
  messaging_config messaging;
  postgres_config postgres;
  redis_config redis;
  std::chrono::milliseconds search_cache_ttl{};  // how long a search page stays in Redis
  std::string webhooks_secret;  // the store platform's webhook signing key (empty: webhooks refused)
  store_config store;
  pricing_config pricing;
  std::string alerts_notify;  // the merchant's address for alerts (empty: alerts are not sent)
  cdp_config cdp;
  live_config live;
  cluster_config cluster;
  journal_config journal;
  entity_config entities;
  std::chrono::milliseconds timer_poll_interval{};
  std::size_t scheduler_max_threads = 0;
  std::chrono::microseconds scheduler_moderate_sleep{};
  std::string log_level;
};

// Any problem with a file, a key or a value; the message names the key and its source.
class config_error : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

using env_lookup = std::function<std::optional<std::string>(const std::string& name)>;
env_lookup process_environment();

// Defaults, then `file` if given, then the environment. Throws config_error.
node_config load(const std::optional<std::string>& file, const env_lookup& env = process_environment());

// The annotated default file, as compiled in (for `commerced --print-defaults`).
const char* default_file();

// The longest duration a key takes: 10 years.
inline constexpr std::chrono::microseconds max_duration = std::chrono::hours(24 * 365 * 10);

// "500ms", "30s", "10m", "1h", "250us" → duration; nullopt when malformed or longer than
// max_duration.
std::optional<std::chrono::microseconds> parse_duration(const std::string& text);

}  // namespace commerce::config
