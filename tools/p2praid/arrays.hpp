// SPDX-License-Identifier: GPL-2.0-only
// Arrays on disk: how create lays out a member, and how assemble finds
// members by their superblocks and puts arrays back together.
//
// Member layout (GPT, written by sfdisk):
//   partition 1 "p2praid-meta:NAME"  4 MiB at 1 MiB: superblock, then the
//                                     write-intent bitmap at 4 KiB
//                                     (256 KiB and a page at most), and the
//                                     tool's record in its last 64 KiB
//   partition 2 "p2praid-data:NAME"  the data, from 5 MiB
// Both sit on the NVMe namespace itself, so the data device is a partition,
// whose request queue is the namespace's and supports PCI P2PDMA; a
// device-mapper sub-device (dm-linear) would not advertise P2PDMA.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/blockdev.hpp"
#include "p2praid/dm_table.hpp"
#include "p2praid/record.hpp"
#include "p2praid/status.hpp"
#include "p2praid/superblock.hpp"

namespace p2praid::array {

inline constexpr std::uint64_t kFirstSector = 2048;       // 1 MiB, GPT-aligned
inline constexpr std::uint64_t kMetaSectors = 8192;       // 4 MiB
inline constexpr std::uint64_t kAlignSectors = 2048;      // partitions in whole MiB
inline constexpr std::uint64_t kGptBackupSectors = 2048;  // left free at the end
inline constexpr std::string_view kMetaLabel = "p2praid-meta:";
inline constexpr std::string_view kDataLabel = "p2praid-data:";
// GPT names hold 36 characters; the labels take 13.
inline constexpr std::size_t kMaxNameLength = 23;
// Where the tool's record (record.hpp) sits in the metadata partition.
inline constexpr std::uint64_t kRecordOffset = kMetaSectors * 512 - record::kSize;
// The GPT type of both partitions: Linux RAID.
inline constexpr std::string_view kPartitionType = "A19D880F-05FC-4D3B-A006-743F0F84911E";

// A usable array name: 1 to 23 of [A-Za-z0-9._-], not starting with '-'
// (within device-mapper's rules: under 128 bytes, no '/', printable; and
// it fits a GPT partition name with its label). The same rule holds for
// names typed on the command line and names read from partition labels.
// Throws UsageError.
void check_name(const std::string& name);

// What is wrong with `name` as an array name, or nullopt.
std::optional<std::string> name_problem(const std::string& name);

struct MemberLayout {
  std::string disk;  // "nvme0n1"
  std::string disk_path;
  std::string meta;  // "/dev/nvme0n1p1"
  std::string data;  // "/dev/nvme0n1p2"
  std::uint64_t data_sectors = 0;
  std::string script;  // sfdisk input
};

// The layout of array `name` on `disk` of `disk_sectors`, with data of
// `data_bytes` (nullopt: as much as fits). Throws CommandError if the disk
// is too small.
MemberLayout layout_member(const std::string& name, const std::string& disk,
                           std::uint64_t disk_sectors, std::optional<std::uint64_t> data_bytes);

// A metadata partition with a valid superblock, and its data partition;
// or, for an array without metadata, a metadata partition with the tool's
// record, and a superblock made up from the record (UUID from the record's
// id, events from its generation).
struct Candidate {
  blk::BlockDevice meta;
  std::optional<blk::BlockDevice> data;
  sb::Superblock sb;
  std::optional<record::Record> record;  // the tool's record, if any
  bool metadata = true;                  // false: sb is made up from the record
};

// Reads every block device's first bytes, and the record of every
// partition labelled as a metadata partition; returns the valid
// superblocks and the records of arrays without metadata, and in
// `rejected` the devices whose raid-p2p superblock or record is corrupt
// ("nvme1n1p1: corrupt superblock (bad checksum)"). Only the devices that
// `consider` accepts are read (all, if it is empty). Throws
// PermissionError when a device may not be read.
using DeviceFilter = std::function<bool(const blk::BlockDevice&)>;
std::vector<Candidate> scan(const blk::Devices& devices, std::vector<std::string>& rejected,
                            const DeviceFilter& consider = {});

struct Assembly {
  std::string name;  // from the partition labels, or "p2praid-<uuid prefix>"
  sb::Superblock freshest;
  std::vector<std::optional<Candidate>> members;     // by role; nullopt: missing
  std::vector<std::string> left_out;                 // stale or conflicting, with why
  std::vector<std::string> in_use;                   // members held by other devices
  std::map<unsigned, std::string> left_out_by_role;  // role -> a left-out device
  // Why the name the labels give is unusable, naming a device; "" if usable.
  std::string unusable_name;
  bool metadata = true;                  // false: assembled from the tool's records alone
  std::optional<record::Record> record;  // the newest record of the members

  std::vector<unsigned> missing() const;
  std::string uuid() const { return sb::uuid_string(freshest.uuid); }
  // "member 1", "member 1 (/dev/disk/by-id/nvme-X, serial S)", or with
  // "; /dev/nvme1n1p1 was left out": the drive as the record names it.
  std::string describe_missing(unsigned role) const;
};

// Groups candidates by array UUID, orders them by role and keeps the
// freshest member of each role; stale members (more than one event behind,
// or marked failed by the freshest superblock), members whose geometry
// disagrees and duplicates are left out, with the reason.
std::vector<Assembly> group(const std::vector<Candidate>& candidates);

// The raid-p2p table of an assembled array.
dm::RaidTable make_table(const Assembly& assembly, const std::string& p2p_provider);

// The table that rebuilds member `slot` on `fresh`, made from the live
// table `live`. The target writes every 'rebuild N' it was loaded with back
// into its table, so the live table still carries the last replace's
// rebuild; that one and 'sync'/'nosync' (words of an array's first start,
// which the target refuses beside 'rebuild') and 'start_dirty_degraded'
// (assemble --force's, for one start) are dropped, and only `slot` gets
// 'rebuild'.
dm::RaidTable rebuild_table(const dm::RaidTable& live, std::size_t slot,
                            const dm::TableDevice& fresh);

// Members that cannot serve as a source of a rebuild, by index, with why:
// "missing", "failed".
using DownMembers = std::map<std::size_t, std::string>;

// Refuses, as the target would, a rebuild of member `slot` of `table` when
// the level cannot run with that member and the `down` ones (and those the
// table leaves out) out of service. Throws CommandError naming array `name`.
void check_rebuild(const std::string& name, const dm::RaidTable& table, std::size_t slot,
                   const DownMembers& down);

// How a running array is, from its live table and the target's status, as
// mdadm --detail --test judges it: healthy (every member in sync, or the
// first resync, which no member has finished yet), degraded (a member
// failed, missing or being rebuilt, and the data still there), failed (too
// many members out of service for the level: the data is not available).
enum class Condition { Healthy, Degraded, Failed };

std::string_view to_string(Condition condition);

Condition condition(const dm::RaidTable& table, const status::RaidStatus& state);

}  // namespace p2praid::array
