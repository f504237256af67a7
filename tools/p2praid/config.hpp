// SPDX-License-Identifier: GPL-2.0-only
// /etc/p2praid.conf, in the spirit of mdadm.conf: which arrays assemble
// --scan starts (ARRAY), which block devices it reads (DEVICE), and the
// spare policy that monitor follows (POLICY).
//
//   # a comment, from '#' at the start of a word to the end of the line
//   DEVICE /dev/disk/by-id/nvme-* /dev/nvme*   (or "partitions": every one)
//   ARRAY r1 uuid=0123abcd-... level=raid1 devices=/dev/nvme0n1,/dev/nvme1n1
//       spares=1 spare-group=pool0         (a line that starts with blanks
//                                           continues the one before)
//   POLICY action=allocate spare-group=pool0 path=/dev/nvme*
//
// Keywords and keys are case-insensitive; values are not. Parsing is
// strict: an unknown keyword or key, a bad or repeated value, a second
// ARRAY with the same name or UUID is an error naming the file and line.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/blockdev.hpp"

namespace p2praid::config {

inline constexpr std::string_view kDefaultPath = "/etc/p2praid.conf";

struct Array {
  std::string name;                  // the array's name (its device-mapper name)
  std::string uuid;                  // "0123abcd-...", lower case, as assemble prints it
  std::optional<std::string> level;  // a raid type or alias, as --level takes it
  std::vector<std::string> devices;  // globs; empty: any device
  std::optional<unsigned> spares;    // spares the array should have
  std::optional<std::string> spare_group;
  unsigned line = 0;
};

enum class Action { None, Allocate };

struct Policy {
  Action action = Action::None;
  std::optional<std::string> spare_group;
  std::vector<std::string> paths;  // globs of the devices it covers; empty: all
  unsigned line = 0;
};

struct Config {
  std::string file;                  // where it was read from, for messages
  std::vector<std::string> devices;  // DEVICE globs; empty: every block device
  std::vector<Array> arrays;
  std::vector<Policy> policies;

  // "FILE:LINE".
  std::string where(unsigned line) const;
  const Array* find_uuid(const std::string& uuid) const;
  const Array* find_name(const std::string& name) const;
};

// Parses `text` read from `file`. Throws UsageError "FILE:LINE: what is
// wrong; what to do".
Config parse(std::string_view text, const std::string& file);

// The config at `path`. A missing file is no config (nullopt) unless it was
// named explicitly (`required`), which is a UsageError; an unreadable one
// is a CommandError naming it.
std::optional<Config> load(const std::filesystem::path& path, bool required);

// The canonical form of a UUID given as 8-4-4-4-12 or as mdadm writes them
// (8:8:8:8), in either case; nullopt if `text` is neither.
std::optional<std::string> normal_uuid(std::string_view text);

// The DEVICE word that names every block device, as mdadm's.
inline constexpr std::string_view kAllDevices = "partitions";

// Whether shell glob `pattern` (fnmatch, '/' matched only by '/') names
// `device`: its /dev path, its disk's, or a /dev/disk/by-id link to either.
// kAllDevices matches every device.
bool matches(const blk::Devices& devices, const blk::BlockDevice& device,
             const std::string& pattern);
bool matches_any(const blk::Devices& devices, const blk::BlockDevice& device,
                 const std::vector<std::string>& patterns);

// A config file's text: a header comment, the DEVICE line if any, one
// ARRAY line per array, the POLICY lines.
std::string format(const Config& config);

// Writes `text` to `path` atomically: a temporary file beside it, synced,
// renamed over it. Throws CommandError naming `path`.
void write_atomically(const std::filesystem::path& path, const std::string& text);

}  // namespace p2praid::config
