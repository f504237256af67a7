// SPDX-License-Identifier: GPL-2.0-only
// What commands produce: typed data, no formatting. Printers (printer.hpp)
// turn a Report into text or JSON.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <variant>
#include <vector>

namespace p2praid::report {

// A cell: null, boolean, number, text or a list of texts.
using Strings = std::vector<std::string>;
using Value = std::variant<std::monostate, bool, std::int64_t, std::uint64_t, std::string, Strings>;

// How the text printer shows numbers of a column; JSON always prints them raw.
enum class Unit {
  None,
  Bytes,  // text shows "64 MiB"
};

struct Column {
  std::string key;      // JSON member name
  std::string heading;  // text table heading
  Unit unit = Unit::None;
  bool json_only = false;  // too wide for a text table
};

// Which printers show a section.
enum class Audience {
  All,
  TextOnly,
  JsonOnly,
  VerboseText,  // JSON always, text with -v
};

// Rows of records with the same columns. JSON: an array of objects.
struct Table {
  std::string key;
  std::string title;
  std::vector<Column> columns;
  std::vector<std::vector<Value>> rows;
  // Tree depth of each row, if the rows form a tree (text indents the first
  // column and draws branches); empty otherwise.
  std::vector<int> depth;
  Audience audience = Audience::All;
};

// One record. JSON: an object. Text: "heading: value" lines.
struct Record {
  std::string key;
  std::string title;
  std::vector<std::pair<Column, Value>> fields;
  Audience audience = Audience::All;
};

// Sentences (explanations, warnings). JSON: an array of strings.
struct Notes {
  std::string key;
  std::string title;
  std::vector<std::string> lines;
  Audience audience = Audience::All;
};

// A string printed as is (a table line), under its title if it has one.
// JSON: a string member.
struct Text {
  std::string key;
  std::string title;
  std::string value;
  Audience audience = Audience::All;
};

using Section = std::variant<Table, Record, Notes, Text>;

struct Report {
  std::vector<Section> sections;
  // The key of the table that -o FIELD,... selects columns of, for
  // report-style commands; "" for others.
  std::string fields_table;
};

inline Value null() {
  return std::monostate{};
}

template <typename T>
Value optional_value(const std::optional<T>& v) {
  if (!v) return null();
  if constexpr (std::is_same_v<T, int>) {
    return static_cast<std::int64_t>(*v);
  } else {
    return *v;
  }
}

}  // namespace p2praid::report
