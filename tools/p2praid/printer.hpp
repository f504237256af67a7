// Output formats. Each printer renders any Report; commands never format.
#pragma once

#include <memory>
#include <ostream>
#include <string_view>

#include "p2praid/report.hpp"

namespace p2praid::output {

enum class Format { Normal, Json };

struct Options {
  bool quiet = false;  // text: leave out notes
  int verbosity = 0;   // text: show VerboseText sections from 1 on
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

// "normal", "json".
std::string_view to_string(Format format);

}  // namespace p2praid::output
