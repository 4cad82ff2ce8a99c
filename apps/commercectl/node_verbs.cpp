// The node and its entities: status, actors, cluster, get, events, audit.
#include "apps/commercectl/verbs.hpp"

#include <map>

namespace commercectl {
namespace {

// The kinds `get` and `events` know: the name an operator types, the collection in
// /v1/{collection}/{id}/events, and where one entity is read.
struct entity_kind {
  const char* name;
  const char* collection;
  const char* read_path;  // + id
};

const entity_kind kinds[] = {
    {"product", "products", "/v1/products/"},      {"cart", "carts", "/v1/carts/"},
    {"order", "orders", "/v1/orders/"},            {"campaign", "campaigns", "/v1/campaigns/"},
    {"profile", "profiles", "/v1/profiles/"},      {"job", "pricing-jobs", "/v1/pricing-jobs/"},
    {"review", "merge-reviews", "/v1/merge-reviews/"}, {"alert", "alerts", "/admin/alerts/"},
};

// The name, its plural, the collection, and the long singular ("pricing-job") all work.
const entity_kind& kind_named(const std::string& name) {
  for (const auto& k : kinds) {
    const std::string collection = k.collection;
    if (name == k.name || name == std::string(k.name) + "s" || name == collection ||
        name + "s" == collection)
      return k;
  }
  std::string known;
  for (const auto& k : kinds) known += (known.empty() ? "" : ", ") + std::string(k.name);
  throw usage_error("unknown KIND '" + name + "': one of " + known);
}

boost::json::value body_or_null(const http_answer& a) {
  boost::json::error_code ec;
  auto v = boost::json::parse(a.body, ec);
  return ec ? boost::json::value(nullptr) : v;
}

// "postgres ok, redis ok": the members of an answer besides its status.
std::string details_of(const boost::json::value& v, const char* skip) {
  std::string out;
  if (!v.is_object()) return out;
  for (const auto& [key, value] : v.as_object())
    if (key != skip) out += (out.empty() ? "" : ", ") + terminal_safe(key) + " " + cell_text(value);
  return out;
}

void add_tree_rows(const boost::json::value& node, const std::string& indent, boost::json::array& rows) {
  if (!node.is_object()) return;
  const auto& o = node.as_object();
  boost::json::object row;
  const auto* id = o.if_contains("id");
  row["id"] = indent + (id ? cell_text(*id) : std::string("?"));
  for (const char* key : {"type", "state", "restarts", "strategy"}) row[key] = o.contains(key) ? o.at(key) : nullptr;
  rows.push_back(std::move(row));
  if (const auto* children = o.if_contains("children"); children && children->is_array())
    for (const auto& child : children->as_array()) add_tree_rows(child, indent + "  ", rows);
}

}  // namespace

int status_verb(context& c, const arguments&) {
  const auto health = c.api.get_answer("/healthz");
  const auto ready = c.api.get_answer("/readyz");
  const auto cluster = c.api.get("/admin/cluster");
  const auto health_body = body_or_null(health);
  const auto ready_body = body_or_null(ready);
  if (c.json()) {
    print_json(c.out, boost::json::object{{"health", health_body}, {"ready", ready_body}, {"cluster", cluster}});
  } else {
    std::vector<std::vector<std::string>> rows;
    const auto* version = at_path(health_body, "version");
    rows.push_back({"health", health.status == 200 ? "ok" + (version ? " (version " + cell_text(*version) + ")" : "")
                                                   : "failing (HTTP " + std::to_string(health.status) + ")"});
    rows.push_back({"ready", ready.status == 200 ? "ready (" + details_of(ready_body, "status") + ")"
                                                 : "not ready: " + terminal_safe(problem_of(ready).detail)});
    if (const auto* self = at_path(cluster, "self")) rows.push_back({"node", cell_text(*self)});
    if (const auto* nodes = at_path(cluster, "nodes"); nodes && nodes->is_array()) {
      std::string text = std::to_string(nodes->as_array().size());
      std::string each;
      for (const auto& n : nodes->as_array()) {
        const auto* id = at_path(n, "id");
        const auto* status = at_path(n, "status");
        each += (each.empty() ? "" : ", ") + (id ? cell_text(*id) : "?") + " " + (status ? cell_text(*status) : "?");
      }
      rows.push_back({"nodes", text + (each.empty() ? "" : " (" + each + ")")});
    }
    if (const auto* count = at_path(cluster, "shards.count")) rows.push_back({"shards", cell_text(*count)});
    print_text_table(c.out, {"", ""}, rows);
  }
  if (health.status != 200 || ready.status != 200) {
    const auto why = problem_of(ready.status != 200 ? ready : health);
    c.err << "commercectl: " << terminal_safe(why.code) << ": " << terminal_safe(why.detail) << "\n";
    return 1;
  }
  return 0;
}

int actors_verb(context& c, const arguments&) {
  const auto tree = c.api.get("/admin/actors");
  if (c.json()) return print_json(c.out, tree), 0;
  boost::json::array rows;
  add_tree_rows(tree, "", rows);
  print_table(c.out, {{"id", "id"}, {"type", "type"}, {"state", "state"}, {"restarts", "restarts"}, {"strategy", "strategy"}},
              rows);
  return 0;
}

int cluster_verb(context& c, const arguments&) {
  const auto cluster = c.api.get("/admin/cluster");
  if (c.json()) return print_json(c.out, cluster), 0;
  if (const auto* self = at_path(cluster, "self")) c.out << "self    " << cell_text(*self) << "\n";
  if (const auto* owners = at_path(cluster, "shards.owners"); owners && owners->is_object()) {
    std::map<std::string, int> by_owner;
    for (const auto& [shard, owner] : owners->as_object()) ++by_owner[cell_text(owner)];
    std::string each;
    for (const auto& [owner, count] : by_owner) each += (each.empty() ? "" : ", ") + owner + ": " + std::to_string(count);
    const auto* count = at_path(cluster, "shards.count");
    c.out << "shards  " << (count ? cell_text(*count) : "?") << " (" << (each.empty() ? "none owned" : each) << ")\n";
  }
  c.out << "\n";
  boost::json::value nodes = boost::json::array{};
  if (const auto* n = at_path(cluster, "nodes")) nodes = *n;
  show_list(c, nodes,
            {{"id", "id"}, {"status", "status"}, {"address", "address"}, {"http", "http"}, {"shards", "shards"},
             {"lease_expires_at", "lease_expires_at"}});
  return 0;
}

int get_verb(context& c, const arguments& args) {
  const auto& kind = kind_named(args[0]);
  show_object(c, c.api.get(kind.read_path + segment(args[1])));
  return 0;
}

int events_verb(context& c, const arguments& args) {
  const auto& kind = kind_named(args[0]);
  const auto from = c.option("from").empty() ? "" : positive_number(c.option("from"), "--from");
  const auto limit = c.option("limit").empty() ? "" : positive_number(c.option("limit"), "--limit");
  const auto events = c.api.get("/v1/" + std::string(kind.collection) + "/" + segment(args[1]) + "/events" +
                                query({{"from", from}, {"limit", limit}, {"cursor", c.option("cursor")}}));
  // The journal's events ([{version, type, data, at}]); a profile's are the raw events it holds.
  if (events.is_array()) show_list(c, events, {{"version", "version"}, {"at", "at"}, {"type", "type"}, {"data", "data"}});
  else show_list(c, events, {});
  return 0;
}

int audit_verb(context& c, const arguments&) {
  const std::string limit = c.option("limit").empty() ? "" : positive_number(c.option("limit"), "--limit");
  const auto entries =
      c.api.get("/admin/audit" + query({{"who", c.option("who")}, {"limit", limit}, {"cursor", c.option("cursor")}}));
  show_list(c, entries,
            {{"at", "at"}, {"who", "who"}, {"method", "method"}, {"path", "path"}, {"status", "status"}, {"reason", "reason"}});
  return 0;
}

}  // namespace commercectl
