#include "apps/commercectl/output.hpp"

#include <algorithm>
#include <cctype>

namespace commercectl {
namespace {

constexpr std::size_t max_cell = 80;

// Characters, not bytes: a UTF-8 continuation byte starts none.
std::size_t width(std::string_view text) {
  return static_cast<std::size_t>(std::count_if(text.begin(), text.end(), [](char c) { return (c & 0xC0) != 0x80; }));
}

std::string cut(std::string text, std::size_t limit) {
  if (width(text) <= limit) return text;
  std::size_t seen = 0, at = 0;
  for (; at < text.size(); ++at)
    if ((text[at] & 0xC0) != 0x80 && seen++ == limit - 3) break;
  return text.substr(0, at) + "...";
}

std::string one_line(std::string text) {
  for (auto& c : text)
    if (c == '\n' || c == '\r' || c == '\t') c = ' ';
  return text;
}

bool is_money(const boost::json::value& v) {
  if (!v.is_object()) return false;
  const auto& o = v.as_object();
  return o.size() == 2 && o.contains("amount") && o.at("amount").is_int64() && o.contains("currency") &&
         o.at("currency").is_string();
}

bool holds_objects(const boost::json::array& a) {
  return std::any_of(a.begin(), a.end(), [](const boost::json::value& v) { return v.is_object() && !is_money(v); });
}

void pretty(std::ostream& out, const boost::json::value& v, int depth) {
  const std::string inner(static_cast<std::size_t>(depth + 1) * 2, ' ');
  const std::string outer(static_cast<std::size_t>(depth) * 2, ' ');
  if (v.is_object() && !v.as_object().empty()) {
    out << "{\n";
    bool first = true;
    for (const auto& [key, member] : v.as_object()) {
      out << (first ? "" : ",\n") << inner << boost::json::serialize(boost::json::value(key)) << ": ";
      pretty(out, member, depth + 1);
      first = false;
    }
    out << "\n" << outer << "}";
  } else if (v.is_array() && !v.as_array().empty()) {
    out << "[\n";
    bool first = true;
    for (const auto& element : v.as_array()) {
      out << (first ? "" : ",\n") << inner;
      pretty(out, element, depth + 1);
      first = false;
    }
    out << "\n" << outer << "]";
  } else {
    out << boost::json::serialize(v);
  }
}

struct field_lines {
  std::vector<std::pair<std::string, std::string>> lines;
  std::vector<std::pair<std::string, const boost::json::array*>> tables;

  void add(const std::string& prefix, const boost::json::object& o) {
    for (const auto& [key, value] : o) {
      const auto name = prefix + std::string(key);
      if (value.is_object() && !value.as_object().empty() && !is_money(value)) add(name + ".", value.as_object());
      else if (value.is_array() && holds_objects(value.as_array())) tables.emplace_back(name, &value.as_array());
      else lines.emplace_back(name, value.is_array() && value.as_array().empty() ? "(none)" : cell_text(value));
    }
  }
};

}  // namespace

void print_json(std::ostream& out, const boost::json::value& value) {
  pretty(out, value, 0);
  out << "\n";
}

std::string compact(const boost::json::value& value) { return boost::json::serialize(value); }

std::string cell_text(const boost::json::value& value) {
  if (value.is_null() || (value.is_string() && value.as_string().empty())) return "-";
  if (value.is_string()) return one_line(std::string(value.as_string()));
  if (is_money(value))
    return std::to_string(value.as_object().at("amount").as_int64()) + " " +
           std::string(value.as_object().at("currency").as_string());
  if (value.is_array() && !holds_objects(value.as_array())) {
    std::string out;
    for (const auto& element : value.as_array()) out += (out.empty() ? "" : ", ") + cell_text(element);
    return out;
  }
  return one_line(boost::json::serialize(value));
}

const boost::json::value* at_path(const boost::json::value& row, std::string_view path) {
  const boost::json::value* at = &row;
  while (!path.empty()) {
    const auto dot = path.find('.');
    const auto key = path.substr(0, dot);
    if (!at->is_object()) return nullptr;
    at = at->as_object().if_contains(key);
    if (!at) return nullptr;
    path = dot == std::string_view::npos ? std::string_view() : path.substr(dot + 1);
  }
  return at;
}

std::vector<column> columns_of(const boost::json::array& rows) {
  std::vector<column> out;
  for (const auto& row : rows) {
    if (!row.is_object()) continue;
    for (const auto& [key, value] : row.as_object()) {
      const std::string name(key);
      if (std::none_of(out.begin(), out.end(), [&](const column& c) { return c.path == name; })) out.push_back({name, name});
    }
  }
  return out;
}

void print_text_table(std::ostream& out, const std::vector<std::string>& headings,
                      const std::vector<std::vector<std::string>>& rows, const std::string& indent) {
  std::vector<std::size_t> widths;
  for (const auto& h : headings) widths.push_back(width(h));
  for (const auto& row : rows)
    for (std::size_t i = 0; i < row.size() && i < widths.size(); ++i) widths[i] = std::max(widths[i], width(row[i]));
  auto line = [&](const std::vector<std::string>& cells) {
    std::string text = indent;
    for (std::size_t i = 0; i < widths.size(); ++i) {
      const auto& cell = i < cells.size() ? cells[i] : std::string();
      text += cell;
      if (i + 1 < widths.size()) text += std::string(widths[i] - width(cell) + 2, ' ');
    }
    text.erase(text.find_last_not_of(' ') + 1);
    out << text << "\n";
  };
  if (std::any_of(headings.begin(), headings.end(), [](const std::string& h) { return !h.empty(); })) line(headings);
  for (const auto& row : rows) line(row);
}

void print_table(std::ostream& out, const std::vector<column>& columns, const boost::json::array& rows,
                 const std::string& indent) {
  std::vector<std::string> headings;
  for (const auto& c : columns) {
    std::string h = c.heading;
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return ch == '_' ? ' ' : std::toupper(ch); });
    headings.push_back(h);
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (const auto& c : columns) {
      const auto* v = row.is_object() ? at_path(row, c.path) : nullptr;
      line.push_back(cut(v ? cell_text(*v) : (row.is_object() ? "" : cell_text(row)), max_cell));
    }
    cells.push_back(std::move(line));
  }
  print_text_table(out, headings, cells, indent);
}

void print_fields(std::ostream& out, const boost::json::object& object) {
  field_lines fields;
  fields.add("", object);
  std::size_t key_width = 0;
  for (const auto& [key, value] : fields.lines) key_width = std::max(key_width, width(key));
  for (const auto& [key, value] : fields.lines) out << key << std::string(key_width - width(key) + 2, ' ') << value << "\n";
  for (const auto& [key, rows] : fields.tables) {
    out << "\n" << key << " (" << rows->size() << "):\n";
    print_table(out, columns_of(*rows), *rows, "  ");
  }
}

}  // namespace commercectl
