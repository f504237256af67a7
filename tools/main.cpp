// SPDX-License-Identifier: GPL-2.0-only
// p2praid-tool: plan and manage dm raid-p2p arrays.
#include <iostream>
#include <span>
#include <string>
#include <vector>

#include "p2praid/cli.hpp"

int main(int argc, char** argv) {
  try {
    const std::span<char*> all(argv, static_cast<std::size_t>(argc));
    const std::vector<std::string> args(all.begin() + 1, all.end());
    return p2praid::cli::run(args, std::cout, std::cerr, p2praid::cli::system_services());
  } catch (...) {
    // run() catches everything; this only guards the argument copy.
    std::cerr << "p2praid-tool: error: out of memory\n";
    return 5;
  }
}
