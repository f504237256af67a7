// SPDX-License-Identifier: GPL-2.0-only
// The raid-p2p table line: mainline dm "raid" syntax plus p2p_provider.
//
//   <start> <len> raid-p2p <raid_type> <#raid_params> <chunk_size> [<key> [<value>]]...
//       <#raid_devs> <meta_dev0|-> <data_dev0> ... <meta_devN|-> <data_devN>
//
// As in mainline, the first raid parameter is the chunk size in sectors
// (0 for levels without chunks), and <#raid_params> counts words.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2praid::dm {

inline constexpr std::string_view kTargetType = "raid-p2p";

struct TableDevice {
  std::string meta;  // "-" when there is no metadata device
  std::string data;

  bool operator==(const TableDevice&) const = default;
};

struct RaidTable {
  std::uint64_t start = 0;
  std::uint64_t length = 0;  // sectors
  std::string target{kTargetType};
  std::string raid_type;
  std::vector<std::string> raid_params;  // words, chunk size first
  std::vector<TableDevice> devices;

  bool operator==(const RaidTable&) const = default;
};

// The raid parameters, interpreted.
struct RaidParams {
  std::uint64_t chunk_sectors = 0;
  std::optional<unsigned> raid10_copies;
  std::optional<std::string> raid10_format;
  std::optional<std::string> p2p_provider;  // BDF, "auto" or "none"
  bool sync = false;
  bool nosync = false;
  // Mainline parameters not interpreted here, with their value.
  std::vector<std::pair<std::string, std::string>> others;
};

// Builds the raid parameter words: chunk size, raid10 layout, p2p_provider.
std::vector<std::string> make_raid_params(std::uint64_t chunk_sectors,
                                          std::optional<unsigned> raid10_copies,
                                          const std::string& p2p_provider);

// One line, no trailing newline.
std::string format_table(const RaidTable& table);

// Parses a whole table line. Throws std::invalid_argument on a malformed line.
RaidTable parse_table(std::string_view line);

// Parses what DM_DEVICE_TABLE returns for one target: the parameters after
// <start> <len> <target_type>.
RaidTable parse_target(std::uint64_t start, std::uint64_t length, std::string_view type,
                       std::string_view params);

// Interprets the raid parameter words. Throws std::invalid_argument.
RaidParams parse_raid_params(std::span<const std::string> words);

}  // namespace p2praid::dm
