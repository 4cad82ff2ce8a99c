// What operators act on: dead letters (one, or every one a filter matches), campaigns, pricing
// jobs, merge reviews, profiles and alerts.
#include "apps/commercectl/verbs.hpp"

namespace commercectl {
namespace {

std::string limit_of(const context& c) {
  return c.option("limit").empty() ? "" : positive_number(c.option("limit"), "--limit");
}

// The query of a list: its filters, then the page (--limit, --cursor).
std::string page_query(const context& c, std::vector<std::pair<std::string, std::string>> filters = {}) {
  filters.emplace_back("limit", limit_of(c));
  filters.emplace_back("cursor", c.option("cursor"));
  return query(filters);
}

const std::vector<column> letter_columns{{"id", "id"},         {"target", "target"},
                                         {"message_type", "message_type"}, {"status", "status"},
                                         {"attempts", "attempts"}, {"last_failed_at", "last_failed_at"},
                                         {"reason", "reason"}};

const std::vector<column> audit_columns{{"at", "at"},           {"sku", "sku"},       {"old_price", "old_price"},
                                        {"new_price", "new_price"}, {"reason", "reason"}, {"source", "source"}};

// A change's answer: the object as it is now.
int changed(context& c, const boost::json::value& answer) {
  show_object(c, answer);
  return 0;
}

// A count of the answer (Boost.JSON reads a large one as unsigned); 0 when absent.
std::int64_t integer_at(const boost::json::value& v, const char* path) {
  const auto* at = at_path(v, path);
  if (at && at->is_int64()) return at->as_int64();
  if (at && at->is_uint64()) return static_cast<std::int64_t>(at->as_uint64());
  return 0;
}

// retry-all / discard-all: a dry run first, then the action on exactly what it counted (the
// letters matching the filter up to the last id it saw); the node refuses (filter_changed) if
// that set changed in between.
int bulk(context& c, const std::string& action, const std::string& done_word) {
  boost::json::object filter;
  if (!c.option("target").empty()) filter["target"] = c.option("target");
  if (!c.option("type").empty()) filter["message_type"] = c.option("type");
  if (!c.option("status").empty()) filter["status"] = c.option("status");  // the node acts on pending letters only
  const std::string path = "/admin/dead-letters/bulk";
  // The dry run changes nothing; it goes with a key of its own (the action's body differs).
  const auto preview = c.api.change("POST", path, boost::json::object{{"action", action}, {"filter", filter}, {"dry_run", true}},
                                    mutation{c.why.reason, fresh_idempotency_key()});
  const auto count = integer_at(preview, "count");
  if (!c.json()) {
    // The filter as the node applies it (it adds status=pending), else as sent.
    const auto* applied = at_path(preview, "filter");
    const auto& shown_filter = applied && applied->is_object() ? applied->as_object() : filter;
    std::string shown;
    for (const auto& [key, value] : shown_filter)
      if (!value.is_null() && !(value.is_string() && value.as_string().empty()))
        shown += (shown.empty() ? "" : " ") + std::string(key) + "=" + cell_text(value);
    if (shown.empty()) shown = "(every letter)";
    c.out << "filter: " << shown << "\n" << count << (count == 1 ? " letter matches" : " letters match");
    if (const auto* through = at_path(preview, "through_id"); through && count > 0)
      c.out << " (ids up to " << cell_text(*through) << ")";
    c.out << "\n";
    if (const auto* sample = at_path(preview, "sample"); sample && sample->is_array() && !sample->as_array().empty()) {
      c.out << "sample:\n";
      print_table(c.out, letter_columns, sample->as_array(), "  ");
    }
  }
  if (c.dry_run) {
    if (c.json()) print_json(c.out, preview);
    else c.out << "dry run: nothing was " << done_word << "\n";
    return 0;
  }
  if (count == 0) {
    if (c.json()) print_json(c.out, boost::json::object{{"action", action}, {"count", 0}, {"results", boost::json::array{}}});
    else c.out << "nothing to " << action << "\n";
    return 0;
  }
  boost::json::object act{{"action", action}, {"filter", filter}, {"dry_run", false}, {"expected_count", count}};
  if (const auto* through = at_path(preview, "through_id")) act["through_id"] = *through;
  const auto result = c.api.change("POST", path, act, c.why);
  if (c.json()) return print_json(c.out, result), 0;
  c.out << done_word << " " << integer_at(result, "count") << (integer_at(result, "count") == 1 ? " letter" : " letters") << "\n";
  if (const auto* results = at_path(result, "results"); results && results->is_array() && !results->as_array().empty())
    print_table(c.out, {{"id", "id"}, {"outcome", "outcome"}}, results->as_array(), "  ");
  return 0;
}

}  // namespace

// --- dead letters ------------------------------------------------------------------------------

int dead_letters_list(context& c, const arguments&) {
  show_list(c,
            c.api.get("/admin/dead-letters" + page_query(c, {{"target", c.option("target")},
                                                             {"message_type", c.option("type")},
                                                             {"status", c.option("status")}})),
            letter_columns);
  return 0;
}

int dead_letters_retry(context& c, const arguments& args) {
  return changed(c, c.api.change("POST", "/admin/dead-letters/" + segment(args[0]) + "/retry", nullptr, c.why));
}

int dead_letters_discard(context& c, const arguments& args) {
  return changed(c, c.api.change("DELETE", "/admin/dead-letters/" + segment(args[0]), nullptr, c.why));
}

int dead_letters_retry_all(context& c, const arguments&) { return bulk(c, "retry", "retried"); }
int dead_letters_discard_all(context& c, const arguments&) { return bulk(c, "discard", "discarded"); }

// --- campaigns ---------------------------------------------------------------------------------

int campaigns_list(context& c, const arguments&) {
  show_list(c, c.api.get("/v1/campaigns" + page_query(c, {{"status", c.option("status")}})),
            {{"id", "id"},
             {"name", "name"},
             {"status", "status"},
             {"trigger", "trigger"},
             {"rule", "rule"},
             {"priority", "priority"},
             {"triggered", "trigger_count"},
             {"last_triggered_at", "last_triggered_at"}});
  return 0;
}

int campaigns_get(context& c, const arguments& args) {
  show_object(c, c.api.get("/v1/campaigns/" + segment(args[0])));
  return 0;
}

int campaigns_activate(context& c, const arguments& args) {
  return changed(c, c.api.change("PATCH", "/v1/campaigns/" + segment(args[0]), boost::json::object{{"status", "active"}}, c.why));
}

int campaigns_pause(context& c, const arguments& args) {
  return changed(c, c.api.change("PATCH", "/v1/campaigns/" + segment(args[0]), boost::json::object{{"status", "paused"}}, c.why));
}

int campaigns_rollback(context& c, const arguments& args) {
  return changed(c, c.api.change("POST", "/v1/campaigns/" + segment(args[0]) + "/rollback", nullptr, c.why));
}

int campaigns_audit(context& c, const arguments& args) {
  show_list(c, c.api.get("/v1/campaigns/" + segment(args[0]) + "/audit" + page_query(c)), audit_columns);
  return 0;
}

// --- pricing jobs ------------------------------------------------------------------------------

int jobs_list(context& c, const arguments&) {
  show_list(c, c.api.get("/v1/pricing-jobs" + page_query(c)),
            {{"id", "id"},
             {"name", "name"},
             {"status", "status"},
             {"done", "progress.done"},
             {"total", "progress.total"},
             {"dry_run", "dry_run"},
             {"created_at", "created_at"}});
  return 0;
}

int jobs_get(context& c, const arguments& args) {
  show_object(c, c.api.get("/v1/pricing-jobs/" + segment(args[0])));
  return 0;
}

int jobs_audit(context& c, const arguments& args) {
  show_list(c, c.api.get("/v1/pricing-jobs/" + segment(args[0]) + "/audit" + page_query(c)), audit_columns);
  return 0;
}

// --- merge reviews -----------------------------------------------------------------------------

int reviews_list(context& c, const arguments&) {
  show_list(c, c.api.get("/v1/merge-reviews" + page_query(c, {{"status", c.option("status")}})),
            {{"id", "id"},
             {"status", "status"},
             {"candidates", "candidates"},
             {"event_id", "event_id"},
             {"reason", "reason"},
             {"opened_at", "opened_at"}});
  return 0;
}

int reviews_approve(context& c, const arguments& args) {
  return changed(c, c.api.change("POST", "/v1/merge-reviews/" + segment(args[0]) + "/approve", nullptr, c.why));
}

int reviews_reject(context& c, const arguments& args) {
  return changed(c, c.api.change("POST", "/v1/merge-reviews/" + segment(args[0]) + "/reject", nullptr, c.why));
}

// --- profiles ----------------------------------------------------------------------------------

int profiles_get(context& c, const arguments& args) {
  show_object(c, c.api.get("/v1/profiles/" + segment(args[0])));
  return 0;
}

int profiles_find(context& c, const arguments&) {
  std::string found;
  for (const char* option : {"email", "phone", "whatsapp", "loyalty-id", "device-id", "cookie-id", "qr-id"}) {
    if (c.option(option).empty()) continue;
    if (!found.empty()) throw usage_error("give one identifier at a time");
    std::string name = option;
    for (auto& ch : name)
      if (ch == '-') ch = '_';
    found = "?" + name + "=" + url_encode(c.option(option));
  }
  if (found.empty()) throw usage_error("profiles find needs an identifier: --email E, --phone P, ...");
  show_object(c, c.api.get("/v1/profiles" + found));
  return 0;
}

// --- alerts ------------------------------------------------------------------------------------

int alerts_list(context& c, const arguments&) {
  show_list(c, c.api.get("/admin/alerts" + page_query(c, {{"status", c.option("status")}})),
            {{"id", "id"},
             {"status", "status"},
             {"topic", "topic"},
             {"subject", "subject"},
             {"raised_at", "raised_at"},
             {"message", "message"}});
  return 0;
}

int alerts_get(context& c, const arguments& args) {
  show_object(c, c.api.get("/admin/alerts/" + segment(args[0])));
  return 0;
}

int alerts_ack(context& c, const arguments& args) {
  const auto note = c.option("note").empty() ? c.why.reason : c.option("note");
  return changed(c, c.api.change("POST", "/admin/alerts/" + segment(args[0]) + "/acknowledge",
                                 boost::json::object{{"note", note}}, c.why));
}

}  // namespace commercectl
