// SPDX-License-Identifier: GPL-2.0-only
// Output formats. Each printer renders any Report; commands never format.
#pragma once

#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/report.hpp"

namespace p2praid::output {

enum class Format { Normal, Json };

struct Options {
  bool quiet = false;    // text: leave out notes
  int verbosity = 0;     // text: show VerboseText sections from 1 on
  bool headings = true;  // text: titles and column headings (--noheadings)
  // text: columns joined by this, unaligned (--separator)
  std::optional<std::string> separator;
  // Column keys of the report's fields table (-o); empty: the whole report.
  std::vector<std::string> fields;
};

class Printer {
 public:
  Printer() = default;
  Printer(const Printer&) = delete;
  Printer& operator=(const Printer&) = delete;
  Printer(Printer&&) = delete;
  Printer& operator=(Printer&&) = delete;
  virtual ~Printer() = default;

  virtual void print(const report::Report& report, std::ostream& out) const = 0;
};

std::unique_ptr<Printer> make_printer(Format format, const Options& options);

// "basic", "json".
std::string_view to_string(Format format);

}  // namespace p2praid::output
