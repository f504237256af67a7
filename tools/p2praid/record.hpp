// SPDX-License-Identifier: GPL-2.0-only
// The tool's own record of an array on each member: what create knew and
// the target's superblock does not hold (the P2P provider, every member's
// drive by name and serial number, and, for --metadata off, all that
// assemble needs).
//
// It sits in the last 64 KiB of the metadata partition (see arrays.hpp),
// which the target never reads or writes: the superblock takes the first
// logical block, and the md write-intent bitmap, from 4 KiB, needs at most
// one bit per region, with regions of at least 1/2^21 of the array
// (dm-target's rs_set_region_size()): 256 KiB and a page. A target
// without metadata devices does not open the partition at all.
//
// Format: the line "p2praid-record 1 <crc32c of the body, 8 hex digits>",
// then the body, "key=value" lines, then zeros to the end of the 64 KiB.
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace p2praid::record {

inline constexpr std::uint64_t kSize = std::uint64_t{64} * 1024;

struct Member {
  std::string name;    // the drive's stable name at the time: /dev/disk/by-id/... or /dev/NAME
  std::string serial;  // its NVMe controller's serial number, "" if unknown
  bool operator==(const Member&) const = default;
};

struct Record {
  std::uint64_t generation = 1;  // +1 for every replace
  std::string array;             // the array's name
  std::string id;                // random at create, "8-4-4-4-12" hex; the array's
                                 // identity without metadata (dm UUID P2PRAID-<id>)
  bool metadata = true;          // superblocks in the metadata partitions
  std::string raid_type;
  std::vector<std::string> raid_params;  // chunk size first; no p2p_provider, rebuild, sync
  std::uint64_t length = 0;              // array sectors
  std::uint64_t data_sectors = 0;        // per member
  unsigned member = 0;                   // the index of the member this record is on
  std::string provider = "none";         // BDF of the P2P provider, or none
  std::string provider_serial;           // serial of the NVMe drive whose CMB it is, "" if none
  std::vector<Member> members;           // by index

  bool operator==(const Record&) const = default;
};

// kSize bytes. Throws std::invalid_argument if the record does not fit.
std::vector<std::uint8_t> encode(const Record& record);

// The record in `bytes`; nullopt if they hold none (no header). Throws
// std::invalid_argument for a damaged or malformed record.
std::optional<Record> decode(std::span<const std::uint8_t> bytes);

}  // namespace p2praid::record
