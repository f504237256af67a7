// SPDX-License-Identifier: GPL-2.0-only
// The commands that manage arrays: create, assemble, status, replace,
// check, repair, examine, wipe, mkconf. cli.cpp defines their options and
// calls these.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <ostream>
#include <string>
#include <vector>

#include "p2praid/cli.hpp"
#include "p2praid/log.hpp"
#include "p2praid/printer.hpp"

namespace p2praid::commands {

struct ArrayOptions {
  std::string name;
  std::string level;
  std::vector<std::string> devices;  // create: the members
  std::string old_member;            // replace
  std::string new_member;            // replace
  std::string provider = "auto";
  bool metadata = true;
  std::uint64_t chunk_bytes = 0;  // 0: the default
  std::uint64_t size_bytes = 0;   // data per member; 0: as much as fits
  bool dry_run = false;
  bool yes = false;
  bool scan = false;
  bool degraded = false;
  std::string member;           // examine, wipe: a metadata partition or an image file
  bool force = false;           // wipe: also what is not a raid-p2p superblock;
                                // assemble: start a dirty degraded raid4/5/6
  std::string config_out;       // mkconf -o: the file to write; "": stdout
  std::string incremental;      // assemble --incremental: the member that appeared
  std::string program;          // monitor: run on every event
  bool oneshot = false;         // monitor: look once and exit
  unsigned delay_seconds = 60;  // monitor: the longest wait between looks
};

struct Env {
  const ArrayOptions& options;
  std::string sysfs_root;
  std::ostream& out;
  const Log& log;
  const cli::Services& services;
  const output::Printer& printer;
  // The config file (config.hpp) that assemble reads, and whether it was
  // named with --config (then it must exist).
  std::filesystem::path config_file;
  bool config_required = false;
};

// The kernel names ("nvme0n1") of whole disks given by any name or path
// (/dev/disk/by-id/...); what names no listed block device is kept as it is
// given. Throws CommandError for a partition or a path that is no block
// device.
std::vector<std::string> kernel_names(const blk::Devices& devs,
                                      const std::vector<blk::BlockDevice>& all,
                                      const std::vector<std::string>& given);

int create(const Env& env);
int assemble(const Env& env);
int status(const Env& env);
int replace(const Env& env);
// Prints the raid-p2p superblock of one member.
int examine(const Env& env);
// Clears the raid-p2p superblock of one member that is in no running array.
int wipe(const Env& env);
// Prints a config file for the running arrays, or writes it to
// options.config_out.
int mkconf(const Env& env);
// Reports the events of every raid-p2p array (a member failed, a rebuild
// started or ended, ...) and, where the config's POLICY says allocate, puts
// a spare in for a failed member; until SIGTERM, or once with oneshot.
int monitor(const Env& env);
// Sends "check" or "repair".
int sync_action(const Env& env, const std::string& action);

}  // namespace p2praid::commands
