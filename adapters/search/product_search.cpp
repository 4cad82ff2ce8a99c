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

constexpr const char* upsert_sql = R"sql(
INSERT INTO catalog_search (sku, name, category, version) VALUES ($1, $2, $3, $4::bigint)
ON CONFLICT (sku) DO UPDATE SET name = EXCLUDED.name, category = EXCLUDED.category, version = EXCLUDED.version
WHERE catalog_search.version < EXCLUDED.version)sql";

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

void count(search_actor self, bool hit) {
  auto& st = self->state;
  (hit ? st.hits : st.misses)->add();
  const auto h = static_cast<double>(st.hits->value()), m = static_cast<double>(st.misses->value());
  st.hit_ratio->set_double(h / (h + m));
}

// The cached page, if Redis has it (and answers).
std::optional<search_result> cached(search_actor self, const std::string& key) {
  auto& st = self->state;
  if (!st.redis) return std::nullopt;
  try {
    const auto r = st.redis->command({"GET", key});
    if (r.kind != redis::redis_reply::type::string) return std::nullopt;
    const auto v = boost::json::parse(r.text).as_object();
    search_result out;
    out.total = v.at("total").to_number<std::int64_t>();
    for (const auto& sku : v.at("skus").as_array()) out.skus.emplace_back(sku.as_string());
    out.cached = true;
    return out;
  } catch (const std::exception& e) {
    log::warn("search cache not read", {{"key", key}, {"error", e.what()}});
    return std::nullopt;
  }
}

void keep(search_actor self, const std::string& key, const search_result& result) {
  auto& st = self->state;
  if (!st.redis) return;
  boost::json::array skus(result.skus.begin(), result.skus.end());
  const auto value = boost::json::serialize(boost::json::object{{"total", result.total}, {"skus", std::move(skus)}});
  try {
    st.redis->pipeline({{"SET", key, value, "EX", std::to_string(st.options.cache_ttl.count())},
                        {"SADD", cache_keys, key}});
  } catch (const std::exception& e) {
    log::warn("search cache not written", {{"key", key}, {"error", e.what()}});
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

// Every cached page may hold a product that changed, or miss one that now matches.
void drop_cache(search_actor self) {
  auto& st = self->state;
  if (!st.redis) return;
  try {
    auto keys = st.redis->command({"SMEMBERS", cache_keys}).elements;
    std::vector<std::string> del{"DEL", cache_keys};
    for (const auto& k : keys) del.push_back(k.text);
    st.redis->command(del);
  } catch (const std::exception& e) {
    // Pages may then be served stale until their TTL: say so.
    log::warn("search cache not dropped after a catalog change", {{"error", e.what()}});
  }
}

caf::result<void> index(search_actor self, const std::vector<stored_event>& events) {
  bool changed = false;
  try {
    for (const auto& e : events) {
      if (e.stream_type != "product" || (e.event_type != "ProductCreated" && e.event_type != "ProductUpdated")) continue;
      const auto data = boost::json::parse(e.data).as_object();
      const std::string name(data.at("name").as_string());
      const auto* category = data.if_contains("category");
      const std::string category_text = category && category->is_string() ? std::string(category->as_string()) : "";
      const auto version = std::to_string(e.version);
      self->state.db->run(upsert_sql, {e.stream_id.c_str(), name.c_str(), category_text.c_str(), version.c_str()});
      changed = true;
    }
  } catch (const std::exception& e) {
    // Transient (the database): the subscription delivers the batch again.
    return caf::make_error(caf::sec::runtime_error, std::string("search index not updated: ") + e.what());
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
