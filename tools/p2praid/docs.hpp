// SPDX-License-Identifier: GPL-2.0-only
// The man page and the bash completion script, generated from a description
// of the command line that cli.cpp extracts from its CLI11 definitions, so
// that neither can drift from the options.
#pragma once

#include <string>
#include <vector>

namespace p2praid::docs {

struct OptionDoc {
  std::vector<std::string> names;  // "-v", "--verbose"; empty for a positional
  std::string metavar;             // "DIR", "normal|json", "DEV..."; empty for a flag
  std::string help;
  std::string default_value;
  bool required = false;
};

struct CommandDoc {
  std::string name;
  std::string help;     // one line
  std::string details;  // a paragraph
  std::vector<OptionDoc> options;
};

struct CommandLineDoc {
  std::string description;
  std::vector<OptionDoc> global_options;
  std::vector<CommandDoc> commands;
};

// man/p2praid-tool.8 (roff).
std::string man_page(const CommandLineDoc& doc);

// tools/completion/p2praid-tool.bash.
std::string bash_completion(const CommandLineDoc& doc);

}  // namespace p2praid::docs
