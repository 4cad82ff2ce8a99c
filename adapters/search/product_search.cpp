#include "adapters/search/product_search.hpp"

#include "adapters/postgres/lazy_connection.hpp"
#include "common/log.hpp"
#include "common/metrics.hpp"

#include <caf/all.hpp>

#include <boost/json.hpp>

#include <cctype>
#include <memory>

namespace commerce::adapters::search {
namespace {

using protocols::search_request;
using protocols::search_result;
using protocols::stored_event;

constexpr std::uint64_t default_per_page = 20;
constexpr const char* cache_keys = "search:keys";

// Changes a row only when its text changes (a price does not move a product in any search) and
// only forwards: an older event delivered again is left alone.
constexpr const char* upsert_sql = R"sql(
INSERT INTO catalog_search (sku, name, category, version) VALUES ($1, $2, $3, $4::bigint)
ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, version = EXCLUDED.version
WHERE catalog_search.version < EXCLUDED.version
  AND (catalog_search.name, catalog_search.category) IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.category))sql";

// Ranked by ts_rank (a name match weighs more than a SKU's, a SKU's more than a category's),
// then by SKU so that pages are stable; the window count is taken before LIMIT.
constexpr const char* search_sql = R"sql(
SELECT sku, count(*) OVER () FROM catalog_search, to_tsquery('simple', $1) AS query
WHERE document @@ query ORDER BY ts_rank(document, query) DESC, sku LIMIT $2::bigint OFFSET $3::bigint)sql";

constexpr const char* count_sql =
    "SELECT count(*) FROM catalog_search WHERE document @@ to_tsquery('simple', $1)";

struct search_state {
  product_search_options options;
  std::unique_ptr<postgres::lazy_connection> db;
  std::unique_ptr<redis::redis_connection> redis;
  metrics::counter* hits = nullptr;
  metrics::counter* misses = nullptr;
  metrics::gauge* hit_ratio = nullptr;
  // After Redis failed to answer, searches leave it alone until then (each try could wait for
  // a connect timeout, and searches queue behind it).
  std::chrono::steady_clock::time_point redis_back_at{};
  static inline const char* name = "product_search";
};

using search_actor = protocols::product_search_actor::stateful_pointer<search_state>;

std::string join(const std::vector<std::string>& terms, const std::string& separator, const std::string& suffix = "") {
  std::string out;
  for (const auto& t : terms) out += (out.empty() ? "" : separator) + t + suffix;
  return out;
}

std::string cache_key(const std::string& normalised, const search_request& r) {
  auto key = "search:" + normalised + ":page:" + std::to_string(r.page);
  if (r.per_page != default_per_page) key += ":per_page:" + std::to_string(r.per_page);
  return key;
}

// Redis, unless it failed to answer a moment ago.
redis::redis_connection* cache(search_actor self) {
  auto& st = self->state;
  return st.redis && std::chrono::steady_clock::now() >= st.redis_back_at ? st.redis.get() : nullptr;
}

void cache_failed(search_actor self, const char* what, const std::exception& e) {
  if (dynamic_cast<const redis::redis_unavailable*>(&e))
    self->state.redis_back_at = std::chrono::steady_clock::now() + std::chrono::seconds(5);
  log::warn(what, {{"error", e.what()}});
}

void count(search_actor self, bool hit) {
  auto& st = self->state;
  (hit ? st.hits : st.misses)->add();
  const auto h = static_cast<double>(st.hits->value()), m = static_cast<double>(st.misses->value());
  st.hit_ratio->set_double(h / (h + m));
}

// The cached page, if Redis has it (and answers).
std::optional<search_result> cached(search_actor self, const std::string& key) {
  auto* redis = cache(self);
  if (!redis) return std::nullopt;
  try {
    const auto r = redis->command({"GET", key});
    if (r.kind != redis::redis_reply::type::string) return std::nullopt;
    const auto v = boost::json::parse(r.text).as_object();
    search_result out;
    out.total = v.at("total").to_number<std::int64_t>();
    for (const auto& sku : v.at("skus").as_array()) out.skus.emplace_back(sku.as_string());
    out.cached = true;
    return out;
  } catch (const std::exception& e) {
    cache_failed(self, "search cache not read", e);
    return std::nullopt;
  }
}

// The page for its TTL, and its key in the set of cached keys, which lives as long as the
// newest of them (so that it does not outgrow what it lists by much).
void keep(search_actor self, const std::string& key, const search_result& result) {
  auto* redis = cache(self);
  if (!redis) return;
  boost::json::array skus(result.skus.begin(), result.skus.end());
  const auto value = boost::json::serialize(boost::json::object{{"total", result.total}, {"skus", std::move(skus)}});
  const auto ttl = std::to_string(self->state.options.cache_ttl.count());
  try {
    // Listed first: a page in Redis is always one the next catalog change drops.
    for (const auto& reply : redis->pipeline({{"SADD", cache_keys, key},
                                              {"EXPIRE", cache_keys, ttl},
                                              {"SET", key, value, "EX", ttl}}))
      if (reply.is_error()) return log::warn("search cache not written", {{"key", key}, {"error", reply.text}});
  } catch (const std::exception& e) {
    cache_failed(self, "search cache not written", e);
  }
}

search_result search(search_actor self, const search_request& r) {
  auto& st = self->state;
  const auto terms = terms_of(r.query);
  const auto normalised = join(terms, " ");
  const auto key = cache_key(normalised, r);
  if (auto hit = cached(self, key)) {
    count(self, true);
    hit->normalised_query = normalised;
    return *hit;
  }
  count(self, false);
  search_result out;
  out.normalised_query = normalised;
  const auto query = join(terms, " & ", ":*");
  const auto limit = std::to_string(r.per_page), offset = std::to_string((r.page - 1) * r.per_page);
  auto rows = st.db->run(search_sql, {query.c_str(), limit.c_str(), offset.c_str()});
  for (int i = 0; i < PQntuples(rows.get()); ++i) {
    out.skus.emplace_back(PQgetvalue(rows.get(), i, 0));
    out.total = std::stoll(PQgetvalue(rows.get(), i, 1));
  }
  if (out.skus.empty() && r.page > 1) out.total = std::stoll(PQgetvalue(st.db->run(count_sql, {query.c_str()}).get(), 0, 0));
  keep(self, key, out);
  return out;
}

// Every cached page may hold a product that changed, or miss one that now matches: all go, a
// thousand at a time so that Redis is never blocked for long. Tried even right after Redis
// failed to answer: a page left behind would be served stale until its TTL.
void drop_cache(search_actor self) {
  auto& st = self->state;
  if (!st.redis) return;
  try {
    for (;;) {
      const auto popped = st.redis->command({"SPOP", cache_keys, "1000"}).elements;
      if (popped.empty()) break;
      std::vector<std::string> unlink{"UNLINK"};
      for (const auto& k : popped) unlink.push_back(k.text);
      st.redis->command(unlink);
    }
  } catch (const std::exception& e) {
    cache_failed(self, "search cache not dropped after a catalog change; pages may be stale until their TTL", e);
  }
}

// A product event's name and category, or nullopt when the event holds no text to index.
std::optional<std::pair<std::string, std::string>> text_of(const stored_event& e) {
  if (e.stream_type != "product" || (e.event_type != "ProductCreated" && e.event_type != "ProductUpdated"))
    return std::nullopt;
  const auto data = boost::json::parse(e.data).as_object();
  const auto* category = data.if_contains("category");
  return std::pair(std::string(data.at("name").as_string()),
                   category && category->is_string() ? std::string(category->as_string()) : std::string());
}

caf::result<void> index(search_actor self, const std::vector<stored_event>& events) {
  bool changed = false;
  for (const auto& e : events) {
    std::optional<std::pair<std::string, std::string>> text;
    try {
      text = text_of(e);
    } catch (const std::exception& failure) {
      // It will never decode: parked as a dead letter, and the index goes on without it.
      return protocols::permanent_failure("cannot index " + e.event_type + " at position " +
                                          std::to_string(e.position) + ": " + failure.what());
    }
    if (!text) continue;
    try {
      const auto version = std::to_string(e.version);
      auto done = self->state.db->run(upsert_sql, {e.stream_id.c_str(), text->first.c_str(), text->second.c_str(),
                                                   version.c_str()});
      changed = changed || std::string(PQcmdTuples(done.get())) != "0";
    } catch (const std::exception& failure) {
      // The database: the subscription delivers the batch again (what is done stays done).
      if (changed) drop_cache(self);
      return caf::make_error(caf::sec::runtime_error, std::string("search index not updated: ") + failure.what());
    }
  }
  if (changed) drop_cache(self);
  return {};
}

protocols::product_search_actor::behavior_type product_search(search_actor self, product_search_options options) {
  auto& st = self->state;
  auto& registry = metrics::registry::global();
  st.hits = &registry.get_counter("commerce_search_requests_total", "Product searches by cache outcome", {{"cache", "hit"}});
  st.misses = &registry.get_counter("commerce_search_requests_total", "Product searches by cache outcome", {{"cache", "miss"}});
  st.hit_ratio = &registry.get_gauge("commerce_search_cache_hit_ratio", "Share of product searches answered from Redis");
  st.db = std::make_unique<postgres::lazy_connection>(options.conninfo, "product search");
  if (options.redis) st.redis = std::make_unique<redis::redis_connection>(*options.redis);
  st.options = std::move(options);
  return {
      [self](protocols::search_atom, const search_request& r) -> caf::result<search_result> {
        try {
          return search(self, r);
        } catch (const std::exception& e) {
          return caf::make_error(caf::sec::runtime_error, std::string("search failed: ") + e.what());
        }
      },
      [self](protocols::deliver_atom, const std::vector<stored_event>& events) { return index(self, events); },
  };
}

}  // namespace

std::vector<std::string> terms_of(const std::string& query) {
  std::vector<std::string> terms;
  std::string term;
  for (char c : query) {
    const auto u = static_cast<unsigned char>(c);
    if (u < 128 && std::isalnum(u)) {
      term += static_cast<char>(std::tolower(u));
    } else if (!term.empty()) {
      terms.push_back(std::move(term));
      term.clear();
    }
  }
  if (!term.empty()) terms.push_back(std::move(term));
  return terms;
}

protocols::product_search_actor spawn_product_search(caf::actor_system& system, product_search_options options) {
  return system.spawn<caf::detached>(product_search, std::move(options));
}

}  // namespace commerce::adapters::search
