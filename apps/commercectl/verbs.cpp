#include "apps/commercectl/verbs.hpp"

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <sstream>

namespace commercectl {
namespace {

const char* const default_url = "http://127.0.0.1:8080";
constexpr std::size_t max_reason_bytes = 500;  // the audit log's limit (domain/audit.hpp)

const std::vector<std::string> page = {"limit", "cursor"};

std::vector<std::string> with(std::vector<std::string> a, const std::vector<std::string>& b) {
  a.insert(a.end(), b.begin(), b.end());
  return a;
}

const char* const kinds_text = "KIND: product, cart, order, campaign, profile, job (pricing job), review (merge review), alert.";

}  // namespace

const std::vector<verb>& all_verbs() {
  using e = effect;
  static const std::vector<verb> verbs{
      {"status", {}, {}, e::reads, "health, readiness and the cluster at a glance",
       "Asks /healthz, /readyz and /admin/cluster. Exits 1 when the node is not ready.", status_verb},
      {"actors", {}, {}, e::reads, "the supervision tree, with each actor's state and restarts", "", actors_verb},
      {"cluster", {}, {}, e::reads, "the cluster's nodes, their leases and who owns the shards", "", cluster_verb},
      {"get", {"KIND", "ID"}, {}, e::reads, "one entity's state", kinds_text, get_verb},
      {"events", {"KIND", "ID"}, {"from", "limit", "cursor"}, e::reads, "one entity's journal events, oldest first",
       std::string(kinds_text) +
           "\n--from FROM starts at that version (default 1); --limit LIMIT returns at most that many.\n"
           "A profile's events (those it holds, merged ones included) come a page at a time: --limit, and\n"
           "--cursor CURSOR for the next page (the table says which).",
       events_verb},
      {"audit", {}, with({"who"}, page), e::reads, "the operators' audit log, newest first: who changed what, why and when",
       "--who WHO: one token's label (admin for admin.token).", audit_verb},
      {"dead-letters list", {}, with({"target", "type", "status"}, page), e::reads, "the dead-letter office",
       "--target TARGET: letters whose target starts with it (e.g. cart, subscription/price_sync);\n"
       "--type TYPE: of that message type; --status STATUS: pending, retried or discarded.",
       dead_letters_list},
      {"dead-letters retry", {"ID"}, {}, e::changes, "delivers one dead letter again", "", dead_letters_retry},
      {"dead-letters discard", {"ID"}, {}, e::changes, "discards one dead letter", "", dead_letters_discard},
      {"dead-letters retry-all", {}, {"target", "type", "status", "dry-run", "yes"}, e::changes_unless_dry_run,
       "retries every dead letter the filter matches",
       "First a dry run: how many letters match and a sample. Then it asks before it acts:\n"
       "  - on a terminal (stdin and stderr), `Retry 3 letters? [y/N]` on stderr: y or yes acts; any\n"
       "    other answer does nothing, prints \"nothing done\" and exits 0;\n"
       "  - otherwise (a script, a pipe) it does not ask: --yes is required to act, and without it the\n"
       "    command is a usage error (exit 2) and nothing is sent: review with --dry-run, then pass --yes.\n"
       "It acts on exactly what the dry run counted (the letters matching up to the last id it saw); if\n"
       "the matching set changed in between, nothing is done (filter_changed). Only pending letters are\n"
       "acted on. --dry-run stops after the dry run (no --reason needed). With -o json and --yes only the\n"
       "final answer is printed; when it asks, the dry run is shown on stderr.\n"
       "Each letter's outcome is printed; if any is not `accepted` the command exits 1 and says how\n"
       "many of those are pending again (a refusal by an entity is final; a letter not taken is pending).\n"
       "The node delivers the letters one after another, so the call may take minutes: it is given 5\n"
       "minutes. If no answer comes in time the node may have acted on some or all of them: check\n"
       "`dead-letters list --status pending` before trying again.",
       dead_letters_retry_all},
      {"dead-letters discard-all", {}, {"target", "type", "status", "dry-run", "yes"}, e::changes_unless_dry_run,
       "discards every dead letter the filter matches",
       "As retry-all, discarding: a dry run, then `Discard 3 letters? [y/N]` on a terminal (y or yes\n"
       "acts; anything else prints \"nothing done\" and exits 0), --yes required when stdin is not a\n"
       "terminal (without it: usage error, exit 2, nothing sent). Given 5 minutes; after a time-out\n"
       "check `dead-letters list --status pending` before trying again.",
       dead_letters_discard_all},
      {"campaigns list", {}, with({"status"}, page), e::reads, "pricing campaigns (--status draft, active, paused, ...)",
       "", campaigns_list},
      {"campaigns get", {"ID"}, {}, e::reads, "one campaign", "", campaigns_get},
      {"campaigns activate", {"ID"}, {}, e::changes, "activates a campaign: it acts on its trigger from now on", "",
       campaigns_activate},
      {"campaigns pause", {"ID"}, {}, e::changes, "pauses a campaign", "", campaigns_pause},
      {"campaigns rollback", {"ID"}, {}, e::changes,
       "restores the prices the campaign changed",
       "A price changed since by someone else is left alone (audited as rollback_skipped).",
       campaigns_rollback},
      {"campaigns audit", {"ID"}, page, e::reads, "the price changes a campaign made", "", campaigns_audit},
      {"jobs list", {}, with({"status"}, page), e::reads, "pricing jobs (--status queued, running, completed, ...)",
       "BATCHES is done/total: the job's SKUs go in batches.", jobs_list},
      {"jobs get", {"ID"}, {}, e::reads, "one pricing job, with its progress and results", "", jobs_get},
      {"jobs audit", {"ID"}, page, e::reads, "the price changes a pricing job made", "", jobs_audit},
      {"reviews list", {}, with({"status"}, page), e::reads, "merge reviews (--status pending, approved or rejected)", "",
       reviews_list},
      {"reviews approve", {"ID"}, {}, e::changes, "approves a merge review: its profiles are merged", "",
       reviews_approve},
      {"reviews reject", {"ID"}, {}, e::changes, "rejects a merge review", "", reviews_reject},
      {"profiles get", {"ID"}, {}, e::reads, "a customer's profile (the 360)", "", profiles_get},
      {"profiles find", {}, {"email", "phone", "whatsapp", "loyalty-id", "device-id", "cookie-id", "qr-id"}, e::reads,
       "the active profile holding an identifier",
       "Give exactly one of --email, --phone, --whatsapp, --loyalty-id, --device-id, --cookie-id, --qr-id.",
       profiles_find},
      {"alerts list", {}, with({"status"}, page), e::reads, "the operator's alerts (--status open or acknowledged)", "",
       alerts_list},
      {"alerts get", {"ID"}, {}, e::reads, "one alert", "", alerts_get},
      {"alerts ack", {"ID"}, {"note"}, e::changes, "acknowledges an alert",
       "--note NOTE is kept with the alert (default: the --reason).", alerts_ack},
      {"tail", {}, {"types", "stream"}, e::reads, "follows the journal's events live, until interrupted",
       "One line per event (one JSON object per line with -o json). --types TYPES: event or stream types,\n"
       "comma-separated (e.g. CartCreated,order); --stream STREAM: one entity's id. Reconnects where it\n"
       "left off if the connection drops; Ctrl-C (SIGINT) or SIGTERM ends it with status 0.",
       tail_verb},
  };
  return verbs;
}

namespace {

std::vector<std::string> words_of(const std::string& name) {
  std::istringstream in(name);
  std::vector<std::string> out;
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

std::string usage_of(const verb& v) {
  std::string out = "usage: commercectl " + v.name;
  for (const auto& p : v.params) out += " " + p;
  for (const auto& o : v.options) {
    if (o == "dry-run" || o == "yes") out += " [--" + o + "]";
    else {
      std::string meta = o;
      std::transform(meta.begin(), meta.end(), meta.begin(), [](unsigned char c) { return c == '-' ? '_' : std::toupper(c); });
      out += " [--" + o + " " + meta + "]";
    }
  }
  if (v.changes == effect::changes) out += " --reason R";
  if (v.changes == effect::changes_unless_dry_run) out += " --reason R (unless --dry-run)";
  return out;
}

const char* const general_usage =
    "usage: commercectl [--url U] [--token-file F] [-o table|json] [--reason R] [--dry-run] [--yes] VERB ...";

void print_help(std::ostream& out) {
  out << general_usage << "\n\n"
      << "The operator's command line of a commerced node.\n\nverbs:\n";
  std::vector<std::vector<std::string>> rows;
  for (const auto& v : all_verbs()) {
    std::string call = v.name;
    for (const auto& p : v.params) call += " " + p;
    rows.push_back({call, v.summary});
  }
  print_text_table(out, {"", ""}, rows, "  ");
  out << "\noptions (before or after the verb):\n"
         "  --url U               the node (default $COMMERCECTL_URL, else " << default_url << ")\n"
         "  --token-file F        the admin token, read from file F (a trailing newline is dropped)\n"
         "  --token T             the admin token (default $COMMERCECTL_TOKEN). Prefer $COMMERCECTL_TOKEN\n"
         "                        or --token-file: a token on the command line is seen by every user of\n"
         "                        the machine (ps) and kept in the shell's history\n"
         "  -o, --output F        table (default: aligned columns) or json (the API's JSON, for scripts)\n"
         "  --reason R            why; required by every verb that changes something, kept in the audit log\n"
         "  --idempotency-key K   the key a change is sent with (default: a fresh one); to repeat a change\n"
         "                        that may have been done, give the key the first try printed\n"
         "  --dry-run             retry-all / discard-all: show what would be done, do nothing\n"
         "  --yes                 retry-all / discard-all: act without asking (required when stdin is not\n"
         "                        a terminal; on a terminal they ask y/N after the dry run)\n"
         "  -h, --help            this help; commercectl VERB --help for one verb\n"
         "\nexit status: 0 done (or a question answered no: nothing done); 1 the node refused (its problem\n"
         "code is printed), could not be reached, or a retry-all left a letter not accepted; 2 usage error.\n";
}

void print_verb_help(std::ostream& out, const verb& v) {
  out << usage_of(v) << "\n\n" << v.summary << "\n";
  if (!v.details.empty()) out << "\n" << v.details << "\n";
  if (v.changes != effect::reads)
    out << "\nChanges the node: sent with X-Audit-Reason (--reason) and an Idempotency-Key, recorded in the audit log.\n";
}

void print_group_help(std::ostream& out, const std::string& group) {
  out << "usage: commercectl " << group << " VERB ...\n\n";
  for (const auto& v : all_verbs())
    if (words_of(v.name).front() == group && words_of(v.name).size() > 1) {
      print_verb_help(out, v);
      out << "\n";
    }
}

// The verb the words name (the longest match), or nullptr.
const verb* find_verb(const std::vector<std::string>& words) {
  const verb* best = nullptr;
  std::size_t best_size = 0;
  for (const auto& v : all_verbs()) {
    const auto name = words_of(v.name);
    if (name.size() <= words.size() && std::equal(name.begin(), name.end(), words.begin()) && name.size() > best_size) {
      best = &v;
      best_size = name.size();
    }
  }
  return best;
}

std::vector<std::string> group_verbs(const std::string& group) {
  std::vector<std::string> out;
  for (const auto& v : all_verbs()) {
    const auto name = words_of(v.name);
    if (name.size() > 1 && name.front() == group) out.push_back(name[1]);
  }
  return out;
}

std::string joined(const std::vector<std::string>& items) {
  std::string out;
  for (const auto& i : items) out += (out.empty() ? "" : ", ") + i;
  return out;
}

// One line of text that the audit log can keep whole.
void check_reason(const std::string& reason) {
  for (const unsigned char c : reason)
    if (c < 0x20 || c == 0x7f) throw usage_error("--reason must be one line of text, without control characters");
  if (reason.size() > max_reason_bytes) throw usage_error("--reason must be at most 500 bytes");
}

std::string env_or(const char* name, const std::string& otherwise) {
  const char* value = std::getenv(name);
  return value && *value ? value : otherwise;
}

// The token in file `path`, without its trailing line break(s).
std::string read_token_file(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw usage_error("cannot read --token-file " + path + ": " + std::strerror(errno));
  std::ostringstream text;
  text << in.rdbuf();
  if (in.bad()) throw usage_error("cannot read --token-file " + path);
  std::string token = text.str();
  while (!token.empty() && (token.back() == '\n' || token.back() == '\r')) token.pop_back();
  if (token.empty()) throw usage_error("--token-file " + path + " is empty");
  return token;
}

}  // namespace

void show_object(context& c, const boost::json::value& answer) {
  if (c.json()) return print_json(c.out, answer);
  if (answer.is_object()) return print_fields(c.out, answer.as_object());
  c.out << cell_text(answer) << "\n";
}

void show_list(context& c, const boost::json::value& answer, const std::vector<column>& columns) {
  if (c.json()) return print_json(c.out, answer);
  static const boost::json::array none;
  const boost::json::array* rows = &none;
  if (answer.is_array()) rows = &answer.as_array();
  else if (const auto* items = at_path(answer, "items"); items && items->is_array()) rows = &items->as_array();
  if (rows->empty()) c.out << "(none)\n";
  else print_table(c.out, columns.empty() ? columns_of(*rows) : columns, *rows);
  if (const auto* next = at_path(answer, "next_cursor"); next && next->is_string())
    c.out << "more: --cursor " << terminal_safe(next->as_string()) << "\n";
}

std::string positive_number(const std::string& text, const std::string& what) {
  const bool digits = !text.empty() && text.size() <= 18 &&
                      std::all_of(text.begin(), text.end(), [](unsigned char ch) { return std::isdigit(ch); });
  if (!digits || std::stoll(text) < 1) throw usage_error(what + " must be a whole number of 1 or more");
  return text;
}

std::string segment(const std::string& id) { return url_encode(id); }

int run_command(const command_line& line) {
  const bool help = line.switches.count("help") > 0;
  if (line.words.empty()) {
    if (help) return print_help(std::cout), 0;
    if (line.switches.count("version")) return std::cout << "commercectl " << COMMERCE_VERSION << "\n", 0;
    throw usage_error("no verb given");
  }
  const verb* v = find_verb(line.words);
  const auto& group = line.words.front();
  if (!v) {
    const auto sub = group_verbs(group);
    if (sub.empty()) throw usage_error("unknown verb '" + group + "'");
    if (help && line.words.size() == 1) return print_group_help(std::cout, group), 0;
    if (line.words.size() == 1) throw usage_error(group + " needs one of: " + joined(sub));
    throw usage_error("unknown verb '" + group + " " + line.words[1] + "' (" + group + " takes " + joined(sub) + ")");
  }
  if (help) return print_verb_help(std::cout, *v), 0;

  const auto name_size = words_of(v->name).size();
  const arguments args(line.words.begin() + static_cast<std::ptrdiff_t>(name_size), line.words.end());
  try {
    for (const auto& [name, value] : line.options)
      if (!global_options.count(name) && std::find(v->options.begin(), v->options.end(), name) == v->options.end())
        throw usage_error(v->name + " takes no option --" + name);
    for (const auto& name : line.switches)
      if (name != "help" && std::find(v->options.begin(), v->options.end(), name) == v->options.end())
        throw usage_error(v->name + " takes no option --" + name);
    if (args.size() < v->params.size()) throw usage_error(v->name + " needs " + v->params[args.size()]);
    if (args.size() > v->params.size()) throw usage_error("unexpected argument '" + args[v->params.size()] + "'");
    for (const auto& a : args)
      if (a.empty()) throw usage_error("an empty argument");

    const auto format = line.option("output", "table");
    if (format != "table" && format != "json") throw usage_error("-o takes table or json, not '" + format + "'");
    const auto url_text = line.option("url", env_or("COMMERCECTL_URL", default_url));
    const auto url = parse_base_url(url_text);
    if (!url) throw usage_error("the URL must look like http://host:port, not '" + url_text + "'");
    if (line.options.count("token") && line.options.count("token-file"))
      throw usage_error("give --token or --token-file, not both");
    const auto token = line.options.count("token-file") ? read_token_file(line.option("token-file"))
                                                        : line.option("token", env_or("COMMERCECTL_TOKEN", ""));
    if (token.find_first_of("\r\n") != std::string::npos) throw usage_error("the token holds a line break");

    const bool dry_run = line.switches.count("dry-run") > 0;
    const auto reason = line.option("reason");
    const bool changes = v->changes == effect::changes || (v->changes == effect::changes_unless_dry_run && !dry_run);
    if (changes && reason.empty())
      throw usage_error(v->name + " changes the node: give --reason \"why\" (it is kept in the audit log)");
    check_reason(reason);
    auto key = line.option("idempotency-key", fresh_idempotency_key());
    if (key.empty() || key.size() > 255 || key.find_first_of("\r\n") != std::string::npos)
      throw usage_error("--idempotency-key must be 1 to 255 characters of one line");

    context c{api_client(*url, token), format == "json" ? output_format::json : output_format::table, line,
              mutation{reason, key}, dry_run, line.switches.count("yes") > 0};
    return v->run(c, args);
  } catch (const usage_error& e) {
    throw usage_error(std::string(e.what()) + "\n" + usage_of(*v));
  }
}

}  // namespace commercectl
