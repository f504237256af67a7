// SPDX-License-Identifier: GPL-2.0-only
// Messages on stderr, filtered by -v and -q.
#pragma once

#include <ostream>
#include <string>

namespace p2praid {

class Log {
 public:
  Log(std::ostream& err, int verbosity, bool quiet)
      : err_(&err), verbosity_(verbosity), quiet_(quiet) {}

  void error(const std::string& message) const { line("error: ", message); }
  void warn(const std::string& message) const {
    if (!quiet_) line("warning: ", message);
  }
  void info(const std::string& message) const {
    if (verbosity_ >= 1) line("", message);
  }
  void debug(const std::string& message) const {
    if (verbosity_ >= 2) line("debug: ", message);
  }
  int verbosity() const { return verbosity_; }

 private:
  void line(const char* kind, const std::string& message) const {
    *err_ << "p2praid-tool: " << kind << message << '\n';
  }

  std::ostream* err_;
  int verbosity_;
  bool quiet_;
};

}  // namespace p2praid
