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

// Indented two spaces a level, ending with a newline.
void print_json(std::ostream& out, const boost::json::value& value);
// On one line (a line of `tail -o json`).
std::string compact(const boost::json::value& value);

// A value as one cell: strings bare, null and "" "-", money "1200 EUR", arrays of scalars joined by
// ", ", anything else compact JSON. Line breaks become spaces.
std::string cell_text(const boost::json::value& value);

// The value at a dotted path ("progress.done") of an object; nullptr when there is none.
const boost::json::value* at_path(const boost::json::value& row, std::string_view path);

struct column {
  std::string heading;
  std::string path;  // into each row, dotted
};

// Every key of the objects in `rows`, in the order first seen.
std::vector<column> columns_of(const boost::json::array& rows);

// Headings in capitals, then one line per row; columns two spaces apart, cells cut at 80
// characters (the JSON form has them whole).
void print_table(std::ostream& out, const std::vector<column>& columns, const boost::json::array& rows,
                 const std::string& indent = "");
void print_text_table(std::ostream& out, const std::vector<std::string>& headings,
                      const std::vector<std::vector<std::string>>& rows, const std::string& indent = "");

// One object: "key  value" lines (nested objects' keys dotted: inventory.on_hand), then each
// array of objects as a table under its name.
void print_fields(std::ostream& out, const boost::json::object& object);

}  // namespace commercectl
