// SPDX-License-Identifier: GPL-2.0-only
// Chooses the members, their order and the P2P provider of an array, and
// says why. The result carries the raid-p2p table line.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/dm_table.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/size.hpp"
#include "p2praid/topology.hpp"

namespace p2praid::plan {

enum class Policy {
  Locality,  // members and provider P2P-reachable, under one switch if possible
  Spread,    // mirrors (and all members) under different switches
};

std::string_view to_string(Policy policy);

struct ProviderChoice {
  enum class Mode { Auto, None, Bdf };
  Mode mode = Mode::Auto;
  std::string bdf;  // for Mode::Bdf
};

// "auto", "none" or a BDF such as 0000:03:00.0. Throws std::invalid_argument.
ProviderChoice parse_provider(std::string_view text);

inline constexpr std::uint64_t kDefaultChunkBytes = 64 * units::kKiB;
inline constexpr std::uint64_t kMinChunkBytes = 4 * units::kKiB;  // dm-raid: 8 sectors
inline constexpr std::uint64_t kMaxChunkBytes = units::kGiB;      // raid-p2p: 2^21 sectors
// Members whose sizes differ by more than this share of the largest are refused.
inline constexpr unsigned kMaxSizeSpreadPercent = 10;

// Checks a chunk size: a power of two from 4 KiB to 1 GiB. Throws std::invalid_argument.
void check_chunk(std::uint64_t bytes);

struct Request {
  std::string level;                 // a raid type or alias
  std::vector<std::string> devices;  // as given (/dev/nvme0n1, nvme0n1, 259:0)
  unsigned count = 0;                // members to choose when devices is empty
  ProviderChoice provider;
  Policy policy = Policy::Locality;
  std::optional<std::uint64_t> chunk_bytes;  // nullopt: the default
  bool devnums = false;                      // refer to data devices as major:minor
};

struct Member {
  std::string name;        // "nvme0n1"
  std::string device;      // as written in the table: "/dev/nvme0n1" or "259:0"
  std::string controller;  // "nvme0"
  std::optional<std::string> pci;
  std::string attachment;  // "switch 0000:01:00.0"
  std::uint64_t sectors = 0;
  std::string role;
  std::optional<int> provider_distance;  // nullopt without a provider
};

struct Provider {
  std::optional<std::string> bdf;         // nullopt: no P2P ("none")
  std::optional<std::string> controller;  // the NVMe controller it belongs to
  std::uint64_t size = 0;
  std::uint64_t available = 0;
  std::uint64_t required = 0;  // P2P memory the array wants: one chunk per member
  std::optional<int> total_distance;
};

struct Plan {
  const raid::Level* level = nullptr;
  Policy policy = Policy::Locality;
  std::vector<Member> members;
  Provider provider;
  std::uint64_t chunk_sectors = 0;  // as in the table; 0 for raid1 and linear
  std::uint64_t length_sectors = 0;
  std::vector<std::string> reasons;   // why these members, this order, this provider
  std::vector<std::string> warnings;  // accepted, but worth knowing
  dm::RaidTable table;
};

// Plans an array. Throws UsageError for contradictory requests (more than
// raid::kMaxMembers members) and CommandError for refusals (not enough
// drives, sizes too different, a member or the array larger than a block
// device can be, the requested provider unusable, unknown devices).
Plan make_plan(const topo::Topology& topology, const Request& request);

}  // namespace p2praid::plan
