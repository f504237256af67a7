// SPDX-License-Identifier: GPL-2.0-only
// The "normal" format: aligned text tables for people. Every string goes
// through text::escape(), so that what sysfs or device-mapper hold cannot
// move the cursor, recolour the terminal or break a table's rows, and
// columns are as wide as the terminal shows them.
#include <algorithm>
#include <sstream>
#include <string>
#include <type_traits>
#include <utility>

#include "p2praid/fields.hpp"
#include "p2praid/printer.hpp"
#include "p2praid/printer_impl.hpp"
#include "p2praid/size.hpp"
#include "p2praid/text.hpp"

namespace p2praid::output {
namespace {

using report::Value;
using Grid = std::vector<std::vector<std::string>>;

std::string join(const report::Strings& items) {
  std::string out;
  for (const auto& s : items) {
    if (!out.empty()) out += ',';
    out += s;
  }
  return out.empty() ? "-" : out;
}

template <typename Number>
std::string number_text(Number n, report::Unit unit) {
  if (unit == report::Unit::Bytes && n >= 0)
    return units::format_size(static_cast<std::uint64_t>(n));
  return std::to_string(n);
}

std::string cell_text(const Value& value, report::Unit unit) {
  return std::visit(
      [unit](const auto& v) -> std::string {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return "-";
        } else if constexpr (std::is_same_v<T, bool>) {
          return v ? "yes" : "no";
        } else if constexpr (std::is_same_v<T, std::string>) {
          return v.empty() ? "-" : v;
        } else if constexpr (std::is_same_v<T, report::Strings>) {
          return join(v);
        } else {
          return number_text(v, unit);
        }
      },
      value);
}

bool is_number(const Value& value) {
  return std::holds_alternative<std::int64_t>(value) ||
         std::holds_alternative<std::uint64_t>(value);
}

// A column is right-aligned if it holds numbers and nulls only.
bool numeric_column(const report::Table& t, std::size_t c) {
  return std::all_of(t.rows.begin(), t.rows.end(), [c](const auto& row) {
    return is_number(row.at(c)) || std::holds_alternative<std::monostate>(row.at(c));
  });
}

// Whether a row after `row` sits at `level` before the tree climbs above it.
bool has_later_sibling(const std::vector<int>& depth, std::size_t row, int level) {
  for (std::size_t next = row + 1; next < depth.size() && depth[next] >= level; ++next) {
    if (depth[next] == level) return true;
  }
  return false;
}

// "|- ", "`- " branches for row `row` of a tree, with "|  " for open ancestors.
std::string tree_prefix(const std::vector<int>& depth, std::size_t row) {
  const int d = depth[row];
  std::string prefix;
  for (int level = 1; level <= d; ++level) {
    const bool more = has_later_sibling(depth, row, level);
    if (level < d) {
      prefix += more ? "|  " : "   ";
    } else {
      prefix += more ? "|- " : "`- ";
    }
  }
  return prefix;
}

// Headings and escaped cell texts; json_only columns stay empty.
Grid grid(const report::Table& t) {
  Grid cells(1);
  for (const auto& c : t.columns) cells[0].push_back(c.json_only ? "" : c.heading);
  for (std::size_t r = 0; r < t.rows.size(); ++r) {
    auto& line = cells.emplace_back();
    for (std::size_t c = 0; c < t.columns.size(); ++c) {
      if (t.columns[c].json_only) {
        line.emplace_back();
        continue;
      }
      std::string text = text::escape(cell_text(t.rows[r].at(c), t.columns[c].unit));
      if (c == 0 && !t.depth.empty()) text.insert(0, tree_prefix(t.depth, r));
      line.push_back(std::move(text));
    }
  }
  return cells;
}

std::vector<std::size_t> widths(const Grid& cells) {
  std::vector<std::size_t> width(cells.front().size(), 0);
  for (const auto& row : cells) {
    for (std::size_t c = 0; c < row.size(); ++c) {
      width[c] = std::max(width[c], text::width(row[c]));
    }
  }
  return width;
}

class TextPrinter final : public Printer {
 public:
  explicit TextPrinter(Options options) : options_(std::move(options)) {}

  void print(const report::Report& full, std::ostream& out) const override {
    const auto report = options_.fields.empty() ? full : fields::select(full, options_.fields);
    bool first = true;
    for (const auto& section : report.sections) {
      std::ostringstream block;
      std::visit([&](const auto& s) { render(s, block); }, section);
      if (block.str().empty()) continue;
      if (!first && options_.headings) out << '\n';
      out << block.str();
      first = false;
    }
  }

 private:
  bool shown(report::Audience audience) const {
    switch (audience) {
      case report::Audience::JsonOnly:
        return false;
      case report::Audience::VerboseText:
        return options_.verbosity > 0;
      default:
        return true;
    }
  }

  void title(const std::string& text, std::ostream& out) const {
    if (!text.empty() && options_.headings) out << text << ":\n";
  }

  void render(const report::Table& t, std::ostream& out) const {
    if (!shown(t.audience)) return;
    title(t.title, out);
    if (t.rows.empty()) {
      if (options_.headings) out << "  (none)\n";
      return;
    }
    Grid cells = grid(t);
    if (!options_.headings) cells.erase(cells.begin());
    if (options_.separator) {
      separated(t, cells, out);
      return;
    }
    const auto width = widths(cells);
    for (const auto& row : cells) {
      std::string line = " ";
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (t.columns[c].json_only) continue;
        const std::string pad(width[c] - text::width(row[c]), ' ');
        line += ' ';
        line += numeric_column(t, c) ? pad + row[c] : row[c] + pad;
      }
      line.erase(line.find_last_not_of(' ') + 1);
      out << line << '\n';
    }
  }

  // Cells joined by the separator, without padding (--separator).
  void separated(const report::Table& t, const Grid& cells, std::ostream& out) const {
    for (const auto& row : cells) {
      std::string line;
      bool first = true;
      for (std::size_t c = 0; c < row.size(); ++c) {
        if (t.columns[c].json_only) continue;
        if (!first) line += *options_.separator;
        line += row[c];
        first = false;
      }
      out << line << '\n';
    }
  }

  void render(const report::Record& rec, std::ostream& out) const {
    if (!shown(rec.audience)) return;
    title(rec.title, out);
    std::size_t width = 0;
    for (const auto& [col, value] : rec.fields) width = std::max(width, col.heading.size());
    for (const auto& [col, value] : rec.fields) {
      out << "  " << col.heading << ':' << std::string(width - col.heading.size() + 1, ' ')
          << text::escape(cell_text(value, col.unit)) << '\n';
    }
  }

  void render(const report::Notes& notes, std::ostream& out) const {
    if (!shown(notes.audience) || options_.quiet || notes.lines.empty()) return;
    title(notes.title, out);
    const char* indent = notes.title.empty() ? "" : "  ";
    for (const auto& line : notes.lines) out << indent << text::escape(line) << '\n';
  }

  void render(const report::Text& text, std::ostream& out) const {
    if (!shown(text.audience)) return;
    if (text.title.empty()) {
      out << text::escape(text.value) << '\n';
      return;
    }
    title(text.title, out);
    out << "  " << text::escape(text.value) << '\n';
  }

  Options options_;
};

}  // namespace

std::unique_ptr<Printer> make_text_printer(const Options& options) {
  return std::make_unique<TextPrinter>(options);
}

}  // namespace p2praid::output
