// SPDX-License-Identifier: GPL-2.0-only
// The p2praid-tool command line: options, the command table, and run().
#pragma once

#include <filesystem>
#include <functional>
#include <memory>
#include <ostream>
#include <string>
#include <vector>

#include "p2praid/blockdev.hpp"
#include "p2praid/dm_client.hpp"
#include "p2praid/log.hpp"
#include "p2praid/sysfs.hpp"

namespace p2praid::cli {

// What commands reach the system through; tests substitute fakes.
struct Services {
  std::function<std::unique_ptr<sysfs::Reader>(const std::filesystem::path& root)> sysfs;
  std::function<std::unique_ptr<dm::Client>(const Log& log)> dm;
  std::function<std::unique_ptr<blk::Devices>(const std::filesystem::path& sysfs_root)> devices;
  // Asks the question on the terminal; false if the answer is not yes.
  // Throws CommandError when there is no terminal to ask on.
  std::function<bool(const std::string& question)> confirm;
  // A new random UUID ("8-4-4-4-12" hex).
  std::function<std::string()> new_uuid;
  // The config file read without --config (a missing one is no config).
  std::filesystem::path default_config;
  // The lock that assemble, create and replace hold (flock); "": none.
  std::filesystem::path lock_file;
};

// sysfs::FsReader and the libdevmapper client.
Services system_services();

// Runs p2praid-tool with `args` (without the program name) and returns the
// exit status (0, 3 or 5; status also 1 or 2). Never throws.
int run(const std::vector<std::string>& args, std::ostream& out, std::ostream& err,
        const Services& services);

}  // namespace p2praid::cli
