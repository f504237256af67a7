// SPDX-License-Identifier: GPL-2.0-only
// raid-p2p superblocks: decoding, validation and encoding of the on-disk
// format that include/dm-raid-p2p/superblock.h defines for the target.
#pragma once

#include <array>
#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <vector>

namespace p2praid::sb {

using Uuid = std::array<std::uint8_t, 16>;

// A superblock in host byte order. Field meanings: the shared header.
struct Superblock {
  std::uint32_t version = 0;
  Uuid uuid{};
  std::uint64_t events = 0;
  std::uint64_t ctime = 0;
  std::uint64_t utime = 0;
  std::int32_t level = 0;  // md level; -1 is linear
  std::uint32_t layout = 0;
  std::uint32_t chunk_sectors = 0;
  std::uint32_t raid_disks = 0;
  std::uint32_t member = 0;
  std::uint32_t flags = 0;
  std::uint64_t data_offset = 0;
  std::uint64_t data_sectors = 0;
  std::uint64_t array_sectors = 0;
  std::uint64_t resync_offset = 0;
  std::uint64_t recovery_offset = 0;
  std::uint32_t region_sectors = 0;
  std::uint32_t bitmap_offset = 0;
  std::array<std::uint64_t, 4> failed{};

  bool dirty() const;
  // Whether the superblock marks member `index` failed.
  bool member_failed(unsigned index) const;
  bool operator==(const Superblock&) const = default;
};

// Bytes of a superblock (RP_SB_SIZE) and the offset of the bitmap.
std::size_t size();
std::uint64_t bitmap_offset_bytes();

// What the first bytes of a device hold.
enum class Kind {
  Blank,    // none of ours and no other RAID's: a new device to the target
  Foreign,  // another RAID's metadata (md, dm raid), which the target refuses
  Ours,     // our magic: decode() judges the rest
};

Kind classify(std::span<const std::uint8_t> bytes);

// Decodes and validates a superblock: magic, version, size, CRC-32C, known
// flags, member < raid_disks <= the member limit, level and geometry that
// the target can have written. Throws std::invalid_argument saying what is
// wrong.
Superblock decode(std::span<const std::uint8_t> bytes);

// RP_SB_SIZE bytes with a correct checksum (tests and fuzz seeds).
std::vector<std::uint8_t> encode(const Superblock& superblock);

// CRC-32C (Castagnoli) as the header specifies, of `bytes`.
std::uint32_t crc32c(std::span<const std::uint8_t> bytes);

// "0123abcd-...": the array UUID as the kernel's %pU prints it.
std::string uuid_string(const Uuid& uuid);

// The raid-p2p table words of an array's type: raid_type, then raid10's
// layout keywords ("raid10_copies 2 raid10_format near"), from md's level
// and layout. nullopt if the target has no such type.
struct TypeWords {
  std::string raid_type;
  std::vector<std::string> params;  // after the chunk size
};
std::optional<TypeWords> type_words(std::int32_t level, std::uint32_t layout);

}  // namespace p2praid::sb
