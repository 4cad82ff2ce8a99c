// How answers are shown. `-o json`: the node's JSON, one valid document per command, members in
// the order the node sent them (stable for scripts). `-o table`: aligned columns for lists and
// "key  value" lines for one object, for people; money reads "1200 EUR" (minor units, as the
// API counts them).
#pragma once

#include <boost/json.hpp>

#include <ostream>
#include <string>
#include <string_view>
#include <vector>

namespace commercectl {

enum class output_format { table, json };

// Indented two spaces a level, ending with a newline. Control characters in strings are written
// as escapes (C0 by the serializer; DEL and C1 as \u007f, \u0080...): the same JSON value, but
// nothing a terminal would act on.
void print_json(std::ostream& out, const boost::json::value& value);
// On one line (a line of `tail -o json`).
std::string compact(const boost::json::value& value);

// Text made safe to write to a terminal: whatever the node sends must not move the cursor,
// recolour the screen, retitle the window or hide what follows. Every C0 control and DEL is
// escaped (\n \r \t as such, the others \xNN), as is every C1 control (U+0080-U+009F, as
// \u0080) and every byte that is not part of valid UTF-8 (\xNN); valid UTF-8 text is kept.
std::string terminal_safe(std::string_view text);

// `text` cut to `limit` characters (UTF-8 sequences kept whole), "..." ending a cut one.
std::string shorten(std::string text, std::size_t limit);

// A value as one cell: strings bare, null and "" "-", money "1200 EUR", arrays of scalars joined by
// ", ", anything else compact JSON; always terminal_safe (one line: line breaks show as \n).
std::string cell_text(const boost::json::value& value);

// The value at a dotted path ("progress.done") of an object; nullptr when there is none.
const boost::json::value* at_path(const boost::json::value& row, std::string_view path);

struct column {
  std::string heading;
  std::string path;  // into each row, dotted
};

// Every key of the objects in `rows`, in the order first seen.
std::vector<column> columns_of(const boost::json::array& rows);

// Headings in capitals, then one line per row (cells of print_text_table are written as given:
// callers make them terminal_safe); columns two spaces apart, cells cut at 80
// characters (the JSON form has them whole).
void print_table(std::ostream& out, const std::vector<column>& columns, const boost::json::array& rows,
                 const std::string& indent = "");
void print_text_table(std::ostream& out, const std::vector<std::string>& headings,
                      const std::vector<std::vector<std::string>>& rows, const std::string& indent = "");

// One object: "key  value" lines (nested objects' keys dotted: inventory.on_hand), then each
// array of objects as a table under its name.
void print_fields(std::ostream& out, const boost::json::object& object);

}  // namespace commercectl
