// SPDX-License-Identifier: GPL-2.0-only
// CLI11's parse errors in the tool's own words: CLI11 phrases them for
// programmers ("Value 0 not in range 1 to 256", "Check yaml value in
// {json->1,normal->0} OR {1,0} FAILED").
#pragma once

#include <string>

namespace CLI {  // NOLINT(readability-identifier-naming): CLI11's
class App;
class Error;
}  // namespace CLI

namespace p2praid::cli {

// The message (without "p2praid-tool: error: ") for a parse error `e` of
// the command line of `app`, whose options and subcommands name the
// arguments. A message of the tool's own validators is kept as it is.
std::string parse_error_message(const CLI::App& app, const CLI::Error& e);

}  // namespace p2praid::cli
