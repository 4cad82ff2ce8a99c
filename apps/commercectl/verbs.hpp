// commercectl's verbs: one table (verbs.cpp) says for each its words, arguments, options, whether
// it changes anything (then --reason is required) and its help; the verbs themselves live in
// node_verbs.cpp (the node and its entities), operation_verbs.cpp (what operators act on) and
// tail.cpp (the live events). Adding a verb: write its function, add its row.
#pragma once

#include "apps/commercectl/api_client.hpp"
#include "apps/commercectl/command_line.hpp"
#include "apps/commercectl/output.hpp"

#include <iostream>
#include <string>
#include <vector>

namespace commercectl {

struct context {
  api_client api;
  output_format format = output_format::table;
  const command_line& line;
  mutation why;          // the reason and idempotency key of this invocation's mutation
  bool dry_run = false;  // --dry-run
  bool yes = false;      // --yes: act without asking
  std::ostream& out = std::cout;
  std::ostream& err = std::cerr;   // also where a question is asked
  std::istream& in = std::cin;     // where its answer is read

  bool json() const { return format == output_format::json; }
  std::string option(const std::string& name) const { return line.option(name); }
};

using arguments = std::vector<std::string>;
using verb_function = int (*)(context&, const arguments&);

enum class effect { reads, changes, changes_unless_dry_run };

struct verb {
  std::string name;                  // "dead-letters retry"
  std::vector<std::string> params;   // positional: {"ID"}
  std::vector<std::string> options;  // besides the global ones: {"limit", "cursor"}
  effect changes = effect::reads;
  std::string summary;  // one line, for the list of verbs
  std::string details;  // more, for the verb's own --help
  verb_function run = nullptr;
};

const std::vector<verb>& all_verbs();

// Runs the command line: help, usage checks, then the verb. The exit status.
int run_command(const command_line& line);

// --- shared by the verbs ---------------------------------------------------------------------

// One object: JSON as is, or "key  value" lines.
void show_object(context& c, const boost::json::value& answer);
// A list (an array, or a page {"items", "next_cursor"}): JSON as is, or a table with `columns`
// (every key of the rows when empty) and, when there is more, how to ask for it.
void show_list(context& c, const boost::json::value& answer, const std::vector<column>& columns);
// `text` must be a whole number >= 1 (`what` names it in the usage error).
std::string positive_number(const std::string& text, const std::string& what);
// A path segment.
std::string segment(const std::string& id);

// node_verbs.cpp
int status_verb(context&, const arguments&);
int actors_verb(context&, const arguments&);
int cluster_verb(context&, const arguments&);
int get_verb(context&, const arguments&);
int events_verb(context&, const arguments&);
int audit_verb(context&, const arguments&);

// operation_verbs.cpp
int dead_letters_list(context&, const arguments&);
int dead_letters_retry(context&, const arguments&);
int dead_letters_discard(context&, const arguments&);
int dead_letters_retry_all(context&, const arguments&);
int dead_letters_discard_all(context&, const arguments&);
int campaigns_list(context&, const arguments&);
int campaigns_get(context&, const arguments&);
int campaigns_activate(context&, const arguments&);
int campaigns_pause(context&, const arguments&);
int campaigns_rollback(context&, const arguments&);
int campaigns_audit(context&, const arguments&);
int jobs_list(context&, const arguments&);
int jobs_get(context&, const arguments&);
int jobs_audit(context&, const arguments&);
int reviews_list(context&, const arguments&);
int reviews_approve(context&, const arguments&);
int reviews_reject(context&, const arguments&);
int profiles_get(context&, const arguments&);
int profiles_find(context&, const arguments&);
int alerts_list(context&, const arguments&);
int alerts_get(context&, const arguments&);
int alerts_ack(context&, const arguments&);

// tail.cpp
int tail_verb(context&, const arguments&);

}  // namespace commercectl
