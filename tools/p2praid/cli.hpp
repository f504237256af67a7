// The p2praid-tool command line: options, the command table, and run().
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "p2praid/dm_client.hpp"
#include "p2praid/log.hpp"
#include "p2praid/sysfs.hpp"

namespace p2praid::cli {

// What commands reach the system through; tests substitute fakes.
struct Services {
  std::function<std::unique_ptr<sysfs::Reader>(const std::filesystem::path& root)> sysfs;
  std::function<std::unique_ptr<dm::Client>(const Log& log)> dm;
};

// sysfs::FsReader and the libdevmapper client.
Services system_services();

// Runs p2praid-tool with `args` (without the program name) and returns the
// exit status (0, 3 or 5). Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Services& services);

}  // namespace p2praid::cli
