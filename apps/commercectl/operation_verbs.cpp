// What operators act on: dead letters (one, or every one a filter matches), campaigns, pricing
// jobs, merge reviews, profiles and alerts.
#include "apps/commercectl/verbs.hpp"

#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <chrono>

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

// A bulk action may take long: the node delivers the letters one after another.
constexpr std::chrono::minutes bulk_timeout{5};

// "filter: target=cart\n3 letters match (ids up to 41)\n" and a sample of them.
void show_dry_run(std::ostream& out, const boost::json::object& filter, const boost::json::value& preview,
                  std::int64_t count) {
  // The filter as the node applies it (it adds status=pending), else as sent.
  const auto* applied = at_path(preview, "filter");
  const auto& shown_filter = applied && applied->is_object() ? applied->as_object() : filter;
  std::string shown;
  for (const auto& [key, value] : shown_filter)
    if (!value.is_null() && !(value.is_string() && value.as_string().empty()))
      shown += (shown.empty() ? "" : " ") + terminal_safe(key) + "=" + cell_text(value);
  if (shown.empty()) shown = "(every letter)";
  out << "filter: " << shown << "\n" << count << (count == 1 ? " letter matches" : " letters match");
  if (const auto* through = at_path(preview, "through_id"); through && count > 0)
    out << " (ids up to " << cell_text(*through) << ")";
  out << "\n";
  if (const auto* sample = at_path(preview, "sample"); sample && sample->is_array() && !sample->as_array().empty()) {
    out << "sample:\n";
    print_table(out, letter_columns, sample->as_array(), "  ");
  }
}

// `text` as one word of a shell command line (quoted when it needs to be).
std::string shell_word(const std::string& text) {
  const bool plain = !text.empty() && std::all_of(text.begin(), text.end(), [](unsigned char ch) {
    return std::isalnum(ch) || ch == '/' || ch == '_' || ch == '-' || ch == '.' || ch == ':' || ch == ',';
  });
  if (plain) return text;
  std::string out = "'";
  for (const char ch : text) out += ch == '\'' ? std::string("'\\''") : std::string(1, ch);
  return out + "'";
}

// Asks `question` on stderr; true on y or yes (any case), false on anything else or end of input.
bool confirmed(context& c, const std::string& question) {
  c.out.flush();
  c.err << question << std::flush;
  std::string answer;
  if (!std::getline(c.in, answer)) {
    c.err << "\n";
    return false;
  }
  const auto first = answer.find_first_not_of(" \t\r");
  answer = first == std::string::npos ? "" : answer.substr(first, answer.find_last_not_of(" \t\r") - first + 1);
  std::transform(answer.begin(), answer.end(), answer.begin(), [](unsigned char ch) { return std::tolower(ch); });
  return answer == "y" || answer == "yes";
}

// retry-all / discard-all: a dry run first, then -- once the operator said yes (the question on a
// terminal, --yes otherwise) -- the action on exactly what it counted (the letters matching the
// filter up to the last id it saw); the node refuses (filter_changed) if that set changed in
// between.
int bulk(context& c, const std::string& action, const std::string& done_word) {
  // Nobody to ask: asked for nothing, by a script, is a mistake found before any call.
  const bool can_ask = ::isatty(STDIN_FILENO) && ::isatty(STDERR_FILENO);
  if (!c.dry_run && !c.yes && !can_ask)
    throw usage_error("dead-letters " + action + "-all acts on many letters and stdin is not a terminal to ask on: "
                      "review with --dry-run, then pass --yes to act");
  boost::json::object filter;
  if (!c.option("target").empty()) filter["target"] = c.option("target");
  if (!c.option("type").empty()) filter["message_type"] = c.option("type");
  if (!c.option("status").empty()) filter["status"] = c.option("status");  // the node acts on pending letters only
  const std::string path = "/admin/dead-letters/bulk";
  // The dry run changes nothing; it goes with a key of its own (the action's body differs).
  const auto preview = c.api.change("POST", path, boost::json::object{{"action", action}, {"filter", filter}, {"dry_run", true}},
                                    mutation{c.why.reason, fresh_idempotency_key()});
  const auto count = integer_at(preview, "count");
  const bool will_ask = !c.dry_run && !c.yes && count > 0;
  // People see the dry run: on stdout in a table, on stderr before the question with -o json
  // (whose stdout holds one document, the final answer).
  if (!c.json()) show_dry_run(c.out, filter, preview, count);
  else if (will_ask) show_dry_run(c.err, filter, preview, count);
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
  if (will_ask) {
    std::string question = action + " " + std::to_string(count) + (count == 1 ? " letter? [y/N] " : " letters? [y/N] ");
    question[0] = static_cast<char>(std::toupper(static_cast<unsigned char>(question[0])));
    if (!confirmed(c, question)) {
      // Declined: as a dry run, with status 0 (the operator chose; nothing failed).
      if (c.json()) {
        print_json(c.out, preview);
        c.err << "nothing done\n";
      } else {
        c.out << "nothing done\n";
      }
      return 0;
    }
  }
  boost::json::object act{{"action", action}, {"filter", filter}, {"dry_run", false}, {"expected_count", count}};
  if (const auto* through = at_path(preview, "through_id")) act["through_id"] = *through;
  // If the answer is lost, the same key is no help: a second run makes a new dry run of what is
  // left. What was done shows in the list.
  std::string list = "commercectl dead-letters list --status pending";
  if (!c.option("target").empty()) list += " --target " + shell_word(c.option("target"));
  if (!c.option("type").empty()) list += " --type " + shell_word(c.option("type"));
  const auto if_lost = "the node may have " + done_word + " some or all of the " + std::to_string(count) +
                       " letters (it acts on them one after another): check `" + list + "` before trying again";
  const auto result = c.api.change("POST", path, act, c.why, bulk_timeout, if_lost);
  // A retry reports each letter's outcome: one that was not accepted makes the run a failure
  // for scripts (status 1), though the others were done.
  std::size_t not_accepted = 0, pending_again = 0;
  const auto* results = at_path(result, "results");
  if (action == "retry" && results && results->is_array())
    for (const auto& r : results->as_array()) {
      if (const auto* o = r.is_object() ? r.as_object().if_contains("outcome") : nullptr; o && *o != "accepted")
        ++not_accepted;
      if (const auto* p = r.is_object() ? r.as_object().if_contains("pending") : nullptr; p && *p == true)
        ++pending_again;
    }
  if (c.json()) {
    print_json(c.out, result);
  } else {
    c.out << done_word << " " << integer_at(result, "count") << (integer_at(result, "count") == 1 ? " letter" : " letters") << "\n";
    if (results && results->is_array() && !results->as_array().empty())
      print_table(c.out, {{"id", "id"}, {"outcome", "outcome"}}, results->as_array(), "  ");
  }
  if (not_accepted == 0) return 0;
  c.err << not_accepted << (not_accepted == 1 ? " letter was" : " letters were") << " not accepted (see the outcomes); "
        << pending_again << " of them pending again\n";
  return 1;
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

// The list's items are summaries (no progress object): skus, batches and batches_done.
int jobs_list(context& c, const arguments&) {
  auto answer = c.api.get("/v1/pricing-jobs" + page_query(c, {{"status", c.option("status")}}));
  if (!c.json()) {
    // BATCHES reads done/total.
    if (auto* items = answer.is_object() ? answer.as_object().if_contains("items") : nullptr; items && items->is_array())
      for (auto& row : items->as_array()) {
        if (!row.is_object()) continue;
        auto& job = row.as_object();
        const auto* done = job.if_contains("batches_done");
        const auto* total = job.if_contains("batches");
        job["batches_shown"] = (done ? cell_text(*done) : "?") + "/" + (total ? cell_text(*total) : "?");
      }
  }
  show_list(c, answer,
            {{"id", "id"},
             {"name", "name"},
             {"status", "status"},
             {"skus", "skus"},
             {"batches", "batches_shown"},
             {"dry_run", "dry_run"},
             {"created_at", "created_at"},
             {"finished_at", "finished_at"}});
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
