// SPDX-License-Identifier: GPL-2.0-only
// The "json" format, in the style of lvm2's json_std: numbers unquoted,
// missing values null, lists as arrays. Strings hold whatever sysfs or
// device-mapper gave: nlohmann escapes control characters as RFC 8259 asks
// and replaces bytes that are not UTF-8 with U+FFFD, so the document stays
// valid JSON.
#include <type_traits>
#include <utility>

#include <nlohmann/json.hpp>

#include "p2praid/fields.hpp"
#include "p2praid/printer.hpp"
#include "p2praid/printer_impl.hpp"

namespace p2praid::output {
namespace {

// ordered_json keeps the columns in the order the command gave them.
using json = nlohmann::ordered_json;

json to_json(const report::Value& value) {
  return std::visit(
      [](const auto& v) -> json {
        using T = std::decay_t<decltype(v)>;
        if constexpr (std::is_same_v<T, std::monostate>) {
          return nullptr;
        } else {
          return v;
        }
      },
      value);
}

bool shown(report::Audience audience) {
  return audience != report::Audience::TextOnly;
}

class JsonPrinter final : public Printer {
 public:
  explicit JsonPrinter(Options options) : options_(std::move(options)) {}

  void print(const report::Report& full, std::ostream& out) const override {
    const auto report = options_.fields.empty() ? full : fields::select(full, options_.fields);
    json doc = json::object();
    for (const auto& section : report.sections) {
      std::visit([&](const auto& s) { add(s, doc); }, section);
    }
    out << doc.dump(2, ' ', false, json::error_handler_t::replace) << '\n';
  }

 private:
  static void add(const report::Table& t, json& doc) {
    if (!shown(t.audience)) return;
    json rows = json::array();
    for (const auto& row : t.rows) {
      json obj = json::object();
      for (std::size_t c = 0; c < t.columns.size(); ++c) obj[t.columns[c].key] = to_json(row.at(c));
      rows.push_back(std::move(obj));
    }
    doc[t.key] = std::move(rows);
  }

  static void add(const report::Record& rec, json& doc) {
    if (!shown(rec.audience)) return;
    json obj = json::object();
    for (const auto& [col, value] : rec.fields) obj[col.key] = to_json(value);
    doc[rec.key] = std::move(obj);
  }

  static void add(const report::Notes& notes, json& doc) {
    if (!shown(notes.audience)) return;
    doc[notes.key] = notes.lines;
  }

  static void add(const report::Text& text, json& doc) {
    if (!shown(text.audience)) return;
    doc[text.key] = text.value;
  }

  Options options_;
};

}  // namespace

std::unique_ptr<Printer> make_json_printer(const Options& options) {
  return std::make_unique<JsonPrinter>(options);
}

std::unique_ptr<Printer> make_printer(Format format, const Options& options) {
  return format == Format::Json ? make_json_printer(options) : make_text_printer(options);
}

std::string_view to_string(Format format) {
  return format == Format::Json ? "json" : "basic";
}

}  // namespace p2praid::output
