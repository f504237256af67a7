// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the raid-p2p table parser must never crash, and a table
// it accepts must print back to a line that parses to the same table, with
// the same raid parameters.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <string_view>

#include "p2praid/dm_table.hpp"

namespace {

using namespace p2praid::dm;

bool same_params(const RaidParams& a, const RaidParams& b) {
  return a.chunk_sectors == b.chunk_sectors && a.raid10_copies == b.raid10_copies &&
         a.raid10_format == b.raid10_format && a.p2p_provider == b.p2p_provider &&
         a.sync == b.sync && a.nosync == b.nosync && a.others == b.others;
}

void check_round_trip(const RaidTable& table) {
  const std::string line = format_table(table);
  RaidTable again;
  try {
    again = parse_table(line);
  } catch (const std::invalid_argument&) {
    std::abort();  // a table we printed ourselves must parse
  }
  if (again != table) std::abort();
  if (format_table(again) != line) std::abort();
  if (!same_params(parse_raid_params(table.raid_params), parse_raid_params(again.raid_params)))
    std::abort();
  // What DM_DEVICE_TABLE returns: the same line without <start> <len> <type>.
  const auto params_at = line.find(std::string(" ") + table.target + " ");
  if (params_at == std::string::npos) std::abort();
  const auto params = std::string_view(line).substr(params_at + table.target.size() + 2);
  if (parse_target(table.start, table.length, table.target, params) != table) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  RaidTable table;
  try {
    table = parse_table(line);
  } catch (const std::invalid_argument&) {
    return 0;  // rejected: fine
  }
  check_round_trip(table);
  return 0;
}
