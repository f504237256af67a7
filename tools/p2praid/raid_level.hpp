// SPDX-License-Identifier: GPL-2.0-only
// The RAID types the raid-p2p target accepts (those of mainline dm-raid plus
// linear), their minimum member counts and usable sizes.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

namespace p2praid::raid {

enum class Family { Linear, Raid0, Raid1, Raid10, Raid4, Raid5, Raid6 };

// Where parity sits, for the member "role" column.
enum class Parity {
  None,
  First,               // raid4 (dm-raid: ALGORITHM_PARITY_0)
  Last,                // raid5_n: dedicated last parity disk
  Rotating,            // raid5_la|ra|ls|rs: P rotates
  RotatingPQ,          // raid6_zr|nr|nc: P and Q rotate
  RotatingPWithLastQ,  // raid6_la_6|ra_6|ls_6|rs_6: P rotates, Q on the last
  LastTwo,             // raid6_n_6: P and Q on the last two
};

struct Level {
  std::string_view name;  // the dm raid_type
  Family family;
  unsigned min_members;
  Parity parity;
  std::string_view description;
};

inline constexpr unsigned kRaid10Copies = 2;

// The most members an array can have: md's limit, which the target keeps
// (RP_MAX_DEVS, RP_SB_MAX_MEMBERS).
inline constexpr unsigned kMaxMembers = 253;

// All raid types, in the order they are documented.
std::span<const Level> levels();

// Finds a raid type by its name or an alias (raid5 = raid5_ls, raid6 = raid6_zr).
const Level* find_level(std::string_view name);

// Names accepted by --level: aliases first, then every raid type.
std::vector<std::string> level_names();

// Striped levels take a chunk size and round member sizes down to it.
bool is_striped(const Level& level);

// Whether losing one member keeps the data.
bool is_redundant(const Level& level);

// The members holding copies of the same data as member `index`, for
// mirror placement: raid1 all, raid10 near its copy set, others none.
std::vector<std::size_t> mirror_set(const Level& level, std::size_t index, std::size_t members);

// "data", "parity", "mirror", "P+Q+data", ...
std::string member_role(const Level& level, std::size_t index, std::size_t members);

// Usable array size in sectors (see the man page):
//   linear: sum; raid0: n*min; raid1: min; raid10: n*min/copies;
//   raid4/5: (n-1)*min; raid6: (n-2)*min,
// where min is the smallest member, rounded down to a multiple of the chunk
// for striped levels. A result that does not fit in 64 bits is UINT64_MAX,
// more than any block device has (units::kMaxSectors).
std::uint64_t usable_sectors(const Level& level, std::span<const std::uint64_t> member_sectors,
                             std::uint64_t chunk_sectors);

}  // namespace p2praid::raid
