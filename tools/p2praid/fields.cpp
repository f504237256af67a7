// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/fields.hpp"

#include <algorithm>
#include <sstream>

#include "p2praid/errors.hpp"

namespace p2praid::fields {
namespace {

std::string names(const std::vector<report::Column>& columns) {
  std::string out;
  for (const auto& c : columns) out += (out.empty() ? "" : ", ") + c.key;
  return out;
}

}  // namespace

std::vector<std::string> resolve(const std::string& spec,
                                 const std::vector<report::Column>& columns,
                                 const std::string& command) {
  std::vector<std::string> keys;
  std::string rest = spec;
  if (rest.starts_with('+')) {
    rest.erase(0, 1);
    for (const auto& c : columns) {
      if (!c.json_only) keys.push_back(c.key);
    }
  }
  std::istringstream in(rest);
  std::size_t given = 0;
  for (std::string field; std::getline(in, field, ',');) {
    if (field.empty()) continue;
    ++given;
    const bool known = std::any_of(columns.begin(), columns.end(),
                                   [&](const report::Column& c) { return c.key == field; });
    if (!known) {
      std::string msg = command + ": unknown field '";
      msg.append(field).append("'; the fields of ").append(command).append(" are ");
      throw UsageError(msg.append(names(columns)));
    }
    keys.push_back(field);
  }
  if (given == 0) {
    throw UsageError(command + ": -o names no field; the fields of " + command + " are " +
                     names(columns));
  }
  return keys;
}

report::Report select(const report::Report& report, const std::vector<std::string>& keys) {
  if (report.fields_table.empty()) return report;
  report::Report out;
  for (const auto& section : report.sections) {
    const auto* t = std::get_if<report::Table>(&section);
    if (t == nullptr || t->key != report.fields_table) continue;
    report::Table picked{t->key, "", {}, {}, t->depth, t->audience};
    std::vector<std::size_t> index;
    for (const auto& key : keys) {
      const auto it = std::find_if(t->columns.begin(), t->columns.end(),
                                   [&](const report::Column& c) { return c.key == key; });
      if (it == t->columns.end()) continue;
      index.push_back(static_cast<std::size_t>(it - t->columns.begin()));
      picked.columns.push_back(*it);
      picked.columns.back().json_only = false;
    }
    for (const auto& row : t->rows) {
      auto& line = picked.rows.emplace_back();
      for (const auto i : index) line.push_back(row.at(i));
    }
    out.sections.emplace_back(std::move(picked));
  }
  return out;
}

}  // namespace p2praid::fields
