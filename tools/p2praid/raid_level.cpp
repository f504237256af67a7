// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/raid_level.hpp"

#include <algorithm>
#include <array>
#include <optional>

#include <dm-raid-p2p/superblock.h>

#include "p2praid/size.hpp"

namespace p2praid::raid {

static_assert(kMaxMembers == RP_SB_MAX_MEMBERS, "the target's member limit");

namespace {

constexpr std::array<Level, 18> kLevels{{
    {"linear", Family::Linear, 1, Parity::None, "concatenation"},
    {"raid0", Family::Raid0, 2, Parity::None, "striping, no redundancy"},
    {"raid1", Family::Raid1, 2, Parity::None, "mirroring"},
    {"raid10", Family::Raid10, 2, Parity::None, "striped mirrors (near, 2 copies)"},
    {"raid4", Family::Raid4, 3, Parity::First, "dedicated parity disk"},
    {"raid5_la", Family::Raid5, 3, Parity::Rotating, "raid5 left asymmetric"},
    {"raid5_ra", Family::Raid5, 3, Parity::Rotating, "raid5 right asymmetric"},
    {"raid5_ls", Family::Raid5, 3, Parity::Rotating, "raid5 left symmetric"},
    {"raid5_rs", Family::Raid5, 3, Parity::Rotating, "raid5 right symmetric"},
    {"raid5_n", Family::Raid5, 3, Parity::Last, "raid5 dedicated last parity disk"},
    {"raid6_zr", Family::Raid6, 4, Parity::RotatingPQ, "raid6 zero restart"},
    {"raid6_nr", Family::Raid6, 4, Parity::RotatingPQ, "raid6 N restart"},
    {"raid6_nc", Family::Raid6, 4, Parity::RotatingPQ, "raid6 N continue"},
    {"raid6_la_6", Family::Raid6, 4, Parity::RotatingPWithLastQ, "raid5_la plus dedicated Q"},
    {"raid6_ra_6", Family::Raid6, 4, Parity::RotatingPWithLastQ, "raid5_ra plus dedicated Q"},
    {"raid6_ls_6", Family::Raid6, 4, Parity::RotatingPWithLastQ, "raid5_ls plus dedicated Q"},
    {"raid6_rs_6", Family::Raid6, 4, Parity::RotatingPWithLastQ, "raid5_rs plus dedicated Q"},
    {"raid6_n_6", Family::Raid6, 4, Parity::LastTwo, "raid6 dedicated P and Q disks"},
}};

struct Alias {
  std::string_view alias;
  std::string_view name;
};

constexpr std::array<Alias, 2> kAliases{{{"raid5", "raid5_ls"}, {"raid6", "raid6_zr"}}};

std::string parity_role(Parity parity, std::size_t index, std::size_t members) {
  const bool last = index + 1 == members;
  switch (parity) {
    case Parity::First:
      return index == 0 ? "parity" : "data";
    case Parity::Last:
      return last ? "parity" : "data";
    case Parity::Rotating:
      return "data+P";
    case Parity::RotatingPQ:
      return "data+P+Q";
    case Parity::RotatingPWithLastQ:
      return last ? "Q" : "data+P";
    case Parity::LastTwo:
      return last ? "Q" : (index + 2 == members ? "P" : "data");
    case Parity::None:
      break;
  }
  return "data";
}

}  // namespace

std::span<const Level> levels() {
  return kLevels;
}

const Level* find_level(std::string_view name) {
  for (const auto& alias : kAliases) {
    if (alias.alias == name) name = alias.name;
  }
  const auto* it =
      std::find_if(kLevels.begin(), kLevels.end(), [&](const Level& l) { return l.name == name; });
  return it == kLevels.end() ? nullptr : &*it;
}

std::vector<std::string> level_names() {
  std::vector<std::string> names;
  for (const auto& level : levels()) {
    names.emplace_back(level.name);
    for (const auto& alias : kAliases) {
      if (alias.name == level.name) names.emplace_back(alias.alias);
    }
  }
  return names;
}

bool is_striped(const Level& level) {
  return level.family != Family::Linear && level.family != Family::Raid1;
}

bool is_redundant(const Level& level) {
  return level.family != Family::Linear && level.family != Family::Raid0;
}

std::vector<std::size_t> mirror_set(const Level& level, std::size_t index, std::size_t members) {
  std::vector<std::size_t> set;
  if (level.family == Family::Raid1) {
    for (std::size_t i = 0; i < members; ++i) set.push_back(i);
  } else if (level.family == Family::Raid10 && members % kRaid10Copies == 0) {
    // near layout with an even count: members 2k and 2k+1 hold the same chunks
    const std::size_t first = index - index % kRaid10Copies;
    for (std::size_t i = first; i < first + kRaid10Copies; ++i) set.push_back(i);
  }
  return set;
}

std::string member_role(const Level& level, std::size_t index, std::size_t members) {
  switch (level.family) {
    case Family::Linear:
      return "concat";
    case Family::Raid0:
      return "stripe";
    case Family::Raid1:
      return "mirror";
    case Family::Raid10:
      if (members % kRaid10Copies == 0)
        return "mirror set " + std::to_string(index / kRaid10Copies);
      return "striped mirror";
    default:
      return parity_role(level.parity, index, members);
  }
}

std::uint64_t usable_sectors(const Level& level, std::span<const std::uint64_t> member_sectors,
                             std::uint64_t chunk_sectors) {
  constexpr std::uint64_t kTooLarge = UINT64_MAX;
  if (member_sectors.empty()) return 0;
  const std::uint64_t n = member_sectors.size();
  if (level.family == Family::Linear) {
    std::optional<std::uint64_t> sum = 0;
    for (const auto s : member_sectors) sum = sum ? units::checked_add(*sum, s) : std::nullopt;
    return sum.value_or(kTooLarge);
  }
  std::uint64_t min = *std::min_element(member_sectors.begin(), member_sectors.end());
  if (is_striped(level) && chunk_sectors != 0) min -= min % chunk_sectors;
  // Members' worth of data: raid10 n/2 (times min, then halved), parity levels n-1, n-2.
  std::uint64_t data = n;
  switch (level.family) {
    case Family::Raid1:
      data = 1;
      break;
    case Family::Raid4:
    case Family::Raid5:
      data = n - 1;
      break;
    case Family::Raid6:
      data = n < 2 ? 0 : n - 2;
      break;
    default:
      break;
  }
  const auto total = units::checked_mul(data, min);
  if (!total) return kTooLarge;
  return level.family == Family::Raid10 ? *total / kRaid10Copies : *total;
}

}  // namespace p2praid::raid
