#include "config/config.hpp"

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <fstream>
#include <limits>
#include <map>
#include <sstream>

namespace commerce::config {

extern const char* const default_config_text;

namespace {

std::string trim(const std::string& s) {
  const auto first = s.find_first_not_of(" \t\r");
  if (first == std::string::npos) return "";
  return s.substr(first, s.find_last_not_of(" \t\r") - first + 1);
}

// A value and where it came from, for error messages.
struct setting {
  std::string value;
  std::string source;
};

// INI: "[section]" lines and "key = value" lines; '#' starts a comment line.
void parse_ini(const std::string& text, const std::string& source, std::map<std::string, setting>& out) {
  std::istringstream in(text);
  std::string line, section;
  for (int number = 1; std::getline(in, line); ++number) {
    line = trim(line);
    if (line.empty() || line[0] == '#') continue;
    const std::string where = source + ":" + std::to_string(number);
    if (line.front() == '[') {
      if (line.back() != ']') throw config_error(where + ": malformed section header '" + line + "'");
      section = trim(line.substr(1, line.size() - 2));
      continue;
    }
    const auto eq = line.find('=');
    if (eq == std::string::npos) throw config_error(where + ": expected 'key = value', got '" + line + "'");
    if (section.empty()) throw config_error(where + ": key outside of a [section]");
    out[section + "." + trim(line.substr(0, eq))] = {trim(line.substr(eq + 1)), where};
  }
}

[[noreturn]] void bad_value(const std::string& key, const setting& s, const std::string& expected) {
  throw config_error(s.source + ": " + key + " = '" + s.value + "' is not " + expected);
}

std::uint64_t to_unsigned(const std::string& key, const setting& s, std::uint64_t max) {
  if (s.value.empty() || !std::all_of(s.value.begin(), s.value.end(), [](unsigned char c) { return std::isdigit(c); }))
    bad_value(key, s, "a non-negative integer");
  errno = 0;
  const auto v = std::strtoull(s.value.c_str(), nullptr, 10);
  if (errno != 0 || v > max) bad_value(key, s, "at most " + std::to_string(max));
  return v;
}

std::uint16_t to_port(const std::string& key, const setting& s) {
  const auto v = to_unsigned(key, s, 65535);
  if (v == 0) bad_value(key, s, "a port (1-65535)");
  return static_cast<std::uint16_t>(v);
}

template <class Duration>
Duration to_duration(const std::string& key, const setting& s) {
  auto d = parse_duration(s.value);
  if (!d) bad_value(key, s, "a duration such as 500ms, 30s or 10m, at most 87600h (10 years)");
  return std::chrono::duration_cast<Duration>(*d);
}

// "a, b,c" → {"a", "b", "c"}: items trimmed, empty ones dropped.
std::vector<std::string> comma_list(const std::string& text) {
  std::vector<std::string> out;
  std::string item;
  for (std::size_t i = 0; i <= text.size(); ++i) {
    if (i == text.size() || text[i] == ',') {
      const auto first = item.find_first_not_of(' '), last = item.find_last_not_of(' ');
      if (first != std::string::npos) out.push_back(item.substr(first, last - first + 1));
      item.clear();
    } else {
      item += text[i];
    }
  }
  return out;
}

using apply_fn = std::function<void(node_config&, const std::string& key, const setting&)>;

// Every key commerced knows, in the order of config/commerced.conf.
const std::vector<std::pair<std::string, apply_fn>>& known_keys() {
  using ms = std::chrono::milliseconds;
  static const std::vector<std::pair<std::string, apply_fn>> keys = {
      // 0 asks the system for a free port; the node logs the one it got.
      {"http.port", [](node_config& c, auto& k, auto& s) { c.http.port = static_cast<std::uint16_t>(to_unsigned(k, s, 65535)); }},
      {"http.address", [](node_config& c, auto&, auto& s) { c.http.address = s.value; }},
      {"http.body_limit", [](node_config& c, auto& k, auto& s) { c.http.body_limit = to_unsigned(k, s, 1ull << 32); }},
      {"http.header_limit", [](node_config& c, auto& k, auto& s) { c.http.header_limit = to_unsigned(k, s, 1ull << 20); }},
      {"http.read_timeout", [](node_config& c, auto& k, auto& s) { c.http.read_timeout = to_duration<ms>(k, s); }},
      {"http.idle_timeout", [](node_config& c, auto& k, auto& s) { c.http.idle_timeout = to_duration<ms>(k, s); }},
      {"http.max_connections", [](node_config& c, auto& k, auto& s) {
         c.http.max_connections = to_unsigned(k, s, 1'000'000);
         if (c.http.max_connections == 0) bad_value(k, s, "at least 1");
       }},
      {"http.max_in_flight", [](node_config& c, auto& k, auto& s) {
         c.http.max_in_flight = to_unsigned(k, s, 1'000'000);
         if (c.http.max_in_flight == 0) bad_value(k, s, "at least 1");
       }},
      {"http.shutdown_grace", [](node_config& c, auto& k, auto& s) { c.http.shutdown_grace = to_duration<ms>(k, s); }},
      // As the gateway compares them with a Host header's name: lower case, no brackets, no port.
      {"http.allowed_hosts", [](node_config& c, auto& k, auto& s) {
         c.http.allowed_hosts.clear();
         for (auto host : comma_list(s.value)) {
           for (auto& ch : host) ch = static_cast<char>(std::tolower(static_cast<unsigned char>(ch)));
           if (host.size() > 2 && host.front() == '[' && host.back() == ']') host = host.substr(1, host.size() - 2);
           else if (std::count(host.begin(), host.end(), ':') == 1)
             bad_value(k, s, "host names without a port, such as shop-admin.example.com or [::1]");
           c.http.allowed_hosts.push_back(std::move(host));
         }
       }},
      {"admin.token", [](node_config& c, auto&, auto& s) { c.admin_token = s.value; }},
      // Each label names one operator in the audit log: "admin" and "ingest" are the two built-in
      // tokens', and no label or token may appear twice.
      {"admin.operator_tokens", [](node_config& c, auto& k, auto& s) {
         c.operator_tokens.clear();
         for (const auto& item : comma_list(s.value)) {
           const auto eq = item.find('=');
           if (eq == 0 || eq == std::string::npos || eq + 1 == item.size())
             bad_value(k, s, "a list of label=token, such as ana=s3cret,bo=t0ken");
           auto label = item.substr(0, eq), token = item.substr(eq + 1);
           if (label == "admin" || label == "ingest") bad_value(k, s, "labels other than admin and ingest");
           for (const auto& [other_label, other_token] : c.operator_tokens)
             if (other_label == label || other_token == token) bad_value(k, s, "a label and a token for each operator");
           c.operator_tokens.emplace_back(std::move(label), std::move(token));
         }
       }},
      {"admin.token_file", [](node_config& c, auto& k, auto& s) {
         if (s.value.empty()) bad_value(k, s, "a file path");
         c.admin_token_file = s.value;
       }},
      {"cart.reservation_ttl", [](node_config& c, auto& k, auto& s) { c.cart_reservation_ttl = to_duration<ms>(k, s); }},
      {"idempotency.retention", [](node_config& c, auto& k, auto& s) { c.idempotency_retention = to_duration<ms>(k, s); }},
      {"checkout.resume_after", [](node_config& c, auto& k, auto& s) {
         c.checkout_resume_after = to_duration<ms>(k, s);
         if (c.checkout_resume_after.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"checkout.give_up_after", [](node_config& c, auto& k, auto& s) {
         c.checkout_give_up_after = to_duration<ms>(k, s);
         if (c.checkout_give_up_after.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"payment.url", [](node_config& c, auto& k, auto& s) {
         if (s.value.rfind("http://", 0) != 0) bad_value(k, s, "an http:// URL such as http://127.0.0.1:8099");
         c.payment.url = s.value;
       }},
      {"payment.attempt_timeout", [](node_config& c, auto& k, auto& s) {
         c.payment.attempt_timeout = to_duration<ms>(k, s);
         if (c.payment.attempt_timeout.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"payment.max_attempts", [](node_config& c, auto& k, auto& s) {
         c.payment.max_attempts = static_cast<int>(to_unsigned(k, s, 100));
         if (c.payment.max_attempts == 0) bad_value(k, s, "at least 1");
       }},
      {"payment.retry_backoff", [](node_config& c, auto& k, auto& s) { c.payment.retry_backoff = to_duration<ms>(k, s); }},
      {"payment.breaker_failures", [](node_config& c, auto& k, auto& s) {
         c.payment.breaker_failures = static_cast<int>(to_unsigned(k, s, 10'000));
         if (c.payment.breaker_failures == 0) bad_value(k, s, "at least 1");
       }},
      {"payment.breaker_window", [](node_config& c, auto& k, auto& s) { c.payment.breaker_window = to_duration<ms>(k, s); }},
      {"payment.breaker_cool_down", [](node_config& c, auto& k, auto& s) { c.payment.breaker_cool_down = to_duration<ms>(k, s); }},
      {"messaging.url", [](node_config& c, auto& k, auto& s) {
         if (s.value.rfind("http://", 0) != 0) bad_value(k, s, "an http:// URL such as http://127.0.0.1:8099");
         c.messaging.url = s.value;
       }},
      {"messaging.attempt_timeout", [](node_config& c, auto& k, auto& s) {
         c.messaging.attempt_timeout = to_duration<ms>(k, s);
         if (c.messaging.attempt_timeout.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"messaging.poll_interval", [](node_config& c, auto& k, auto& s) {
         c.messaging.poll_interval = to_duration<ms>(k, s);
         if (c.messaging.poll_interval.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"postgres.host", [](node_config& c, auto&, auto& s) { c.postgres.host = s.value; }},
      {"postgres.port", [](node_config& c, auto& k, auto& s) { c.postgres.port = to_port(k, s); }},
      {"postgres.database", [](node_config& c, auto&, auto& s) { c.postgres.database = s.value; }},
      {"postgres.user", [](node_config& c, auto&, auto& s) { c.postgres.user = s.value; }},
      {"postgres.password", [](node_config& c, auto&, auto& s) { c.postgres.password = s.value; }},
      {"postgres.connect_timeout", [](node_config& c, auto& k, auto& s) { c.postgres.connect_timeout = to_duration<ms>(k, s); }},
      {"postgres.attempt_timeout", [](node_config& c, auto& k, auto& s) {
         c.postgres.attempt_timeout = to_duration<ms>(k, s);
         if (c.postgres.attempt_timeout < std::chrono::seconds(1)) bad_value(k, s, "at least 1s");
       }},
      {"postgres.keepalives_idle", [](node_config& c, auto& k, auto& s) {
         c.postgres.keepalives_idle = to_duration<ms>(k, s);
         if (c.postgres.keepalives_idle < std::chrono::seconds(1)) bad_value(k, s, "at least 1s");
       }},
      {"postgres.keepalives_interval", [](node_config& c, auto& k, auto& s) {
         c.postgres.keepalives_interval = to_duration<ms>(k, s);
         if (c.postgres.keepalives_interval < std::chrono::seconds(1)) bad_value(k, s, "at least 1s");
       }},
      {"postgres.keepalives_count", [](node_config& c, auto& k, auto& s) {
         c.postgres.keepalives_count = static_cast<int>(to_unsigned(k, s, 100));
         if (c.postgres.keepalives_count == 0) bad_value(k, s, "at least 1");
       }},
      {"postgres.tcp_user_timeout", [](node_config& c, auto& k, auto& s) { c.postgres.tcp_user_timeout = to_duration<ms>(k, s); }},
      {"postgres.statement_timeout", [](node_config& c, auto& k, auto& s) { c.postgres.statement_timeout = to_duration<ms>(k, s); }},
      {"redis.host", [](node_config& c, auto&, auto& s) { c.redis.host = s.value; }},
      {"redis.port", [](node_config& c, auto& k, auto& s) { c.redis.port = to_port(k, s); }},
      {"redis.connect_timeout", [](node_config& c, auto& k, auto& s) {
         c.redis.connect_timeout = to_duration<ms>(k, s);
         if (c.redis.connect_timeout.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"redis.command_timeout", [](node_config& c, auto& k, auto& s) {
         c.redis.command_timeout = to_duration<ms>(k, s);
         if (c.redis.command_timeout.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"redis.stream_maxlen", [](node_config& c, auto& k, auto& s) {
         c.redis.stream_maxlen = to_unsigned(k, s, 1'000'000'000);
         if (c.redis.stream_maxlen == 0) bad_value(k, s, "at least 1");
       }},
      {"search.cache_ttl", [](node_config& c, auto& k, auto& s) {
         c.search_cache_ttl = to_duration<ms>(k, s);
         if (c.search_cache_ttl < std::chrono::seconds(1)) bad_value(k, s, "at least 1s");
       }},
      {"webhooks.secret", [](node_config& c, auto&, auto& s) { c.webhooks_secret = s.value; }},
      {"store.url", [](node_config& c, auto& k, auto& s) {
         if (!s.value.empty() && s.value.rfind("http://", 0) != 0)
           bad_value(k, s, "empty or an http:// URL such as http://127.0.0.1:8099");
         c.store.url = s.value;
       }},
      {"alerts.notify", [](node_config& c, auto&, auto& s) { c.alerts_notify = s.value; }},
      {"cdp.default_region", [](node_config& c, auto& k, auto& s) {
         if (s.value.size() != 2 || !std::isupper(static_cast<unsigned char>(s.value[0])) ||
             !std::isupper(static_cast<unsigned char>(s.value[1])))
           bad_value(k, s, "a country code of two capital letters such as US or DE");
         c.cdp.default_region = s.value;
       }},
      {"cdp.default_currency", [](node_config& c, auto& k, auto& s) {
         if (s.value.size() != 3 || !std::all_of(s.value.begin(), s.value.end(), [](char x) { return x >= 'A' && x <= 'Z'; }))
           bad_value(k, s, "a currency code of three capital letters such as USD");
         c.cdp.default_currency = s.value;
       }},
      {"cdp.blocked_identifiers", [](node_config& c, auto&, auto& s) { c.cdp.blocked_identifiers = comma_list(s.value); }},
      {"cdp.ingest_token", [](node_config& c, auto&, auto& s) { c.cdp.ingest_token = s.value; }},
      {"store.access_token", [](node_config& c, auto&, auto& s) { c.store.access_token = s.value; }},
      {"store.attempt_timeout", [](node_config& c, auto& k, auto& s) {
         c.store.attempt_timeout = to_duration<ms>(k, s);
         if (c.store.attempt_timeout.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"pricing.sync_give_up_after", [](node_config& c, auto& k, auto& s) {
         c.pricing.sync_give_up_after = to_duration<ms>(k, s);
         if (c.pricing.sync_give_up_after.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"pricing.reconcile_interval", [](node_config& c, auto& k, auto& s) {
         c.pricing.reconcile_interval = to_duration<ms>(k, s);
         if (c.pricing.reconcile_interval < std::chrono::seconds(1)) bad_value(k, s, "at least 1s");
       }},
      {"cluster.enabled", [](node_config& c, auto& k, auto& s) {
         if (s.value != "true" && s.value != "false") bad_value(k, s, "true or false");
         c.cluster.enabled = s.value == "true";
       }},
      {"cluster.node_id", [](node_config& c, auto& k, auto& s) {
         if (s.value.size() > 64 || s.value.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-") != std::string::npos)
           bad_value(k, s, "empty or 1-64 characters of [A-Za-z0-9._-]");
         c.cluster.node_id = s.value;
       }},
      {"cluster.node_id_file", [](node_config& c, auto& k, auto& s) {
         if (s.value.empty()) bad_value(k, s, "a file path");
         c.cluster.node_id_file = s.value;
       }},
      {"cluster.address", [](node_config& c, auto&, auto& s) { c.cluster.address = s.value; }},
      {"cluster.port", [](node_config& c, auto& k, auto& s) { c.cluster.port = to_port(k, s); }},
      {"cluster.shards", [](node_config& c, auto& k, auto& s) {
         c.cluster.shards = static_cast<std::uint32_t>(to_unsigned(k, s, 65'536));
         if (c.cluster.shards == 0) bad_value(k, s, "at least 1");
       }},
      {"cluster.lease", [](node_config& c, auto& k, auto& s) {
         c.cluster.lease = to_duration<ms>(k, s);
         if (c.cluster.lease < std::chrono::milliseconds(300)) bad_value(k, s, "at least 300ms");
       }},
      {"live.max_streams", [](node_config& c, auto& k, auto& s) { c.live.max_streams = to_unsigned(k, s, 1'000'000); }},
      {"live.heartbeat", [](node_config& c, auto& k, auto& s) {
         c.live.heartbeat = to_duration<ms>(k, s);
         if (c.live.heartbeat < std::chrono::milliseconds(100)) bad_value(k, s, "at least 100ms");
       }},
      {"live.max_buffered", [](node_config& c, auto& k, auto& s) {
         c.live.max_buffered = to_unsigned(k, s, 1'000'000'000);
         if (c.live.max_buffered < 4096) bad_value(k, s, "at least 4096");
       }},
      {"live.poll_interval", [](node_config& c, auto& k, auto& s) {
         c.live.poll_interval = to_duration<ms>(k, s);
         if (c.live.poll_interval.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"journal.max_batch", [](node_config& c, auto& k, auto& s) {
         c.journal.max_batch = to_unsigned(k, s, 100'000);
         if (c.journal.max_batch == 0) bad_value(k, s, "at least 1");
       }},
      {"journal.max_delay", [](node_config& c, auto& k, auto& s) {
         c.journal.max_delay = to_duration<std::chrono::microseconds>(k, s);
       }},
      {"journal.readers", [](node_config& c, auto& k, auto& s) {
         c.journal.readers = to_unsigned(k, s, 64);
         if (c.journal.readers == 0) bad_value(k, s, "at least 1");
       }},
      {"entities.passivate_after", [](node_config& c, auto& k, auto& s) { c.entities.passivate_after = to_duration<ms>(k, s); }},
      {"entities.snapshot_every", [](node_config& c, auto& k, auto& s) {
         c.entities.snapshot_every = static_cast<std::int64_t>(to_unsigned(k, s, 1'000'000));
       }},
      {"timers.poll_interval", [](node_config& c, auto& k, auto& s) {
         c.timer_poll_interval = to_duration<ms>(k, s);
         if (c.timer_poll_interval.count() == 0) bad_value(k, s, "at least 1ms");
       }},
      {"scheduler.max_threads", [](node_config& c, auto& k, auto& s) {
         c.scheduler_max_threads = to_unsigned(k, s, 256);
         if (c.scheduler_max_threads == 0) bad_value(k, s, "at least 1");
       }},
      {"scheduler.moderate_sleep", [](node_config& c, auto& k, auto& s) {
         c.scheduler_moderate_sleep = to_duration<std::chrono::microseconds>(k, s);
       }},
      {"log.level", [](node_config& c, auto& k, auto& s) {
         static const char* levels[] = {"debug", "info", "warn", "error"};
         if (std::find(std::begin(levels), std::end(levels), s.value) == std::end(levels))
           bad_value(k, s, "one of debug, info, warn, error");
         c.log_level = s.value;
       }},
  };
  return keys;
}

std::string env_name(const std::string& key) {
  std::string name = "COMMERCED_";
  for (char c : key) name += c == '.' ? '_' : static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return name;
}

std::string quote(const std::string& v) {
  std::string out = "'";
  for (char c : v) {
    if (c == '\'' || c == '\\') out += '\\';
    out += c;
  }
  return out + "'";
}

}  // namespace

std::string postgres_config::conninfo(const std::string& session_settings) const {
  // libpq counts these in whole seconds; round up, so that 1500ms never becomes 1s. A zero
  // (a config not loaded from the defaults) leaves libpq's own default.
  const auto whole_seconds = [](std::chrono::milliseconds d) { return std::to_string((d.count() + 999) / 1000); };
  std::string s = "host=" + quote(host) + " port=" + std::to_string(port) + " dbname=" + quote(database) +
                  " user=" + quote(user) + " application_name=commerced keepalives=1";
  if (attempt_timeout.count() > 0) s += " connect_timeout=" + whole_seconds(attempt_timeout);
  if (keepalives_idle.count() > 0) s += " keepalives_idle=" + whole_seconds(keepalives_idle);
  if (keepalives_interval.count() > 0) s += " keepalives_interval=" + whole_seconds(keepalives_interval);
  if (keepalives_count > 0) s += " keepalives_count=" + std::to_string(keepalives_count);
  if (tcp_user_timeout.count() > 0) s += " tcp_user_timeout=" + std::to_string(tcp_user_timeout.count());
  s += " options='-c statement_timeout=" + std::to_string(statement_timeout.count());
  if (!session_settings.empty()) s += " -c " + session_settings;
  s += "'";
  if (!password.empty()) s += " password=" + quote(password);
  return s;
}

env_lookup process_environment() {
  return [](const std::string& name) -> std::optional<std::string> {
    if (const char* v = std::getenv(name.c_str())) return std::string(v);
    return std::nullopt;
  };
}

const char* default_file() { return default_config_text; }

std::optional<std::chrono::microseconds> parse_duration(const std::string& text) {
  std::size_t digits = 0;
  while (digits < text.size() && std::isdigit(static_cast<unsigned char>(text[digits]))) ++digits;
  if (digits == 0 || digits > 12) return std::nullopt;
  const long long n = std::stoll(text.substr(0, digits));
  const std::string unit = text.substr(digits);
  long long unit_us = 0;
  if (unit == "us") unit_us = 1;
  else if (unit == "ms") unit_us = 1'000;
  else if (unit == "s") unit_us = 1'000'000;
  else if (unit == "m") unit_us = 60'000'000;
  else if (unit == "h") unit_us = 3'600'000'000;
  else return std::nullopt;
  // Longer is refused rather than overflowing: 12 digits of hours do not fit in microseconds
  // (found by fuzz/config_fuzz.cpp), and a timer's deadline in nanoseconds must fit too.
  if (n > max_duration.count() / unit_us) return std::nullopt;
  return std::chrono::microseconds(n * unit_us);
}

node_config load(const std::optional<std::string>& file, const env_lookup& env) {
  std::map<std::string, setting> settings;
  parse_ini(default_config_text, "defaults", settings);
  if (file) {
    std::ifstream in(*file);
    if (!in) throw config_error("cannot read config file " + *file);
    std::stringstream text;
    text << in.rdbuf();
    parse_ini(text.str(), *file, settings);
  }
  const auto& keys = known_keys();
  for (const auto& entry : settings)
    if (std::none_of(keys.begin(), keys.end(), [&](const auto& k) { return k.first == entry.first; }))
      throw config_error(entry.second.source + ": unknown key '" + entry.first + "'");
  node_config config;
  for (const auto& [key, apply] : keys) {
    auto it = settings.find(key);
    if (it == settings.end()) throw config_error("defaults: key '" + key + "' is missing");
    const std::string name = env_name(key);
    if (auto v = env(name)) it->second = {*v, "environment " + name};
    apply(config, key, it->second);
  }
  return config;
}

}  // namespace commerce::config
