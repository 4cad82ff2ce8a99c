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

const char* const hex_digits = "0123456789abcdef";

void append_escape(std::string& out, const char* prefix, unsigned value) {
  out += prefix;
  out += hex_digits[(value >> 4) & 15];
  out += hex_digits[value & 15];
}

// The length of the valid UTF-8 sequence starting at text[at] (RFC 3629: no overlong forms, no
// surrogates, nothing above U+10FFFF), or 0 when the byte there starts none.
std::size_t utf8_sequence(std::string_view text, std::size_t at) {
  const auto byte = [&](std::size_t i) { return static_cast<unsigned char>(text[i]); };
  const unsigned char lead = byte(at);
  std::size_t size = 0;
  unsigned char low = 0x80, high = 0xBF;  // the range of the second byte
  if (lead >= 0xC2 && lead <= 0xDF) size = 2;
  else if (lead >= 0xE0 && lead <= 0xEF) {
    size = 3;
    if (lead == 0xE0) low = 0xA0;
    if (lead == 0xED) high = 0x9F;
  } else if (lead >= 0xF0 && lead <= 0xF4) {
    size = 4;
    if (lead == 0xF0) low = 0x90;
    if (lead == 0xF4) high = 0x8F;
  } else {
    return 0;
  }
  if (at + size > text.size()) return 0;
  if (byte(at + 1) < low || byte(at + 1) > high) return 0;
  for (std::size_t i = 2; i < size; ++i)
    if ((byte(at + i) & 0xC0) != 0x80) return 0;
  return size;
}

// JSON text with DEL and the C1 controls of its strings written as \u escapes: the same value,
// nothing a terminal acts on (the serializer escapes C0 controls already). Outside strings JSON
// text is ASCII, so only strings hold such characters.
std::string json_text(const boost::json::value& value) {
  const auto text = boost::json::serialize(value);
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size(); ++i) {
    const auto c = static_cast<unsigned char>(text[i]);
    if (c == 0x7F) {
      out += "\\u007f";
    } else if (c == 0xC2 && i + 1 < text.size() && static_cast<unsigned char>(text[i + 1]) >= 0x80 &&
               static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      append_escape(out, "\\u00", static_cast<unsigned char>(text[++i]));
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
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
      out << (first ? "" : ",\n") << inner << json_text(boost::json::value(key)) << ": ";
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
    out << json_text(v);
  }
}

struct field_lines {
  std::vector<std::pair<std::string, std::string>> lines;
  std::vector<std::pair<std::string, const boost::json::array*>> tables;

  void add(const std::string& prefix, const boost::json::object& o) {
    for (const auto& [key, value] : o) {
      const auto name = prefix + terminal_safe(key);
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

std::string compact(const boost::json::value& value) { return json_text(value); }

std::string terminal_safe(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    const auto c = static_cast<unsigned char>(text[i]);
    std::size_t size = 1;
    if (c >= 0x20 && c < 0x7F) out += static_cast<char>(c);
    else if (c == '\n') out += "\\n";
    else if (c == '\r') out += "\\r";
    else if (c == '\t') out += "\\t";
    else if (c < 0x80) append_escape(out, "\\x", c);  // the other C0 controls, DEL
    else if ((size = utf8_sequence(text, i)) == 0) {
      append_escape(out, "\\x", c);  // not UTF-8: a lone byte (a C1 control to a Latin-1 terminal)
      size = 1;
    } else if (c == 0xC2 && static_cast<unsigned char>(text[i + 1]) <= 0x9F) {
      append_escape(out, "\\u00", static_cast<unsigned char>(text[i + 1]));  // U+0080-U+009F
    } else {
      out.append(text.substr(i, size));
    }
    i += size;
  }
  return out;
}

std::string shorten(std::string text, std::size_t limit) {
  if (limit < 3 || width(text) <= limit) return text;
  std::size_t seen = 0, at = 0;
  for (; at < text.size(); ++at)
    if ((text[at] & 0xC0) != 0x80 && seen++ == limit - 3) break;
  return text.substr(0, at) + "...";
}

std::string cell_text(const boost::json::value& value) {
  if (value.is_null() || (value.is_string() && value.as_string().empty())) return "-";
  if (value.is_string()) return terminal_safe(value.as_string());
  if (is_money(value))
    return std::to_string(value.as_object().at("amount").as_int64()) + " " +
           terminal_safe(value.as_object().at("currency").as_string());
  if (value.is_array() && !holds_objects(value.as_array())) {
    std::string out;
    for (const auto& element : value.as_array()) out += (out.empty() ? "" : ", ") + cell_text(element);
    return out;
  }
  return terminal_safe(json_text(value));
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
    std::string h = terminal_safe(c.heading);
    std::transform(h.begin(), h.end(), h.begin(), [](unsigned char ch) { return ch == '_' ? ' ' : std::toupper(ch); });
    headings.push_back(h);
  }
  std::vector<std::vector<std::string>> cells;
  for (const auto& row : rows) {
    std::vector<std::string> line;
    for (const auto& c : columns) {
      const auto* v = row.is_object() ? at_path(row, c.path) : nullptr;
      line.push_back(shorten(v ? cell_text(*v) : (row.is_object() ? "" : cell_text(row)), max_cell));
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
    out << "\n" << key << " (" << rows->size() << "):\n";  // key: terminal_safe already
    print_table(out, columns_of(*rows), *rows, "  ");
  }
}

}  // namespace commercectl
