// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/superblock.hpp"

#include <algorithm>
#include <array>
#include <bit>
#include <cstddef>
#include <stdexcept>

#include <dm-raid-p2p/superblock.h>

namespace p2praid::sb {
namespace {

// Magic numbers of other RAID metadata the target refuses to overwrite
// (dm-target/superblock.c).
constexpr std::uint32_t kDmRaidMagic = 0x64526d44;
constexpr std::uint32_t kMdMagic = 0xa92b4efc;

// md's raid10 layout bits and the levels of the target's types.
constexpr std::uint32_t kR10OffsetBit = 1U << 16;
constexpr std::uint32_t kR10FarSetsBit = 1U << 18;
constexpr unsigned kR10FarShift = 8;
constexpr std::int32_t kLevelLinear = -1;

// md's raid5/6 algorithms as the target's types use them.
struct LevelType {
  std::int32_t level;
  std::uint32_t layout;
  const char* name;
};
constexpr std::array<LevelType, 17> kTypes{{
    {kLevelLinear, 0, "linear"},
    {0, 0, "raid0"},
    {1, 0, "raid1"},
    {5, 4, "raid4"},
    {5, 5, "raid5_n"},
    {5, 2, "raid5_ls"},
    {5, 3, "raid5_rs"},
    {5, 0, "raid5_la"},
    {5, 1, "raid5_ra"},
    {6, 8, "raid6_zr"},
    {6, 9, "raid6_nr"},
    {6, 10, "raid6_nc"},
    {6, 5, "raid6_n_6"},
    {6, 18, "raid6_ls_6"},
    {6, 19, "raid6_rs_6"},
    {6, 16, "raid6_la_6"},
    {6, 17, "raid6_ra_6"},
}};

// CRC-32C, reflected polynomial.
constexpr std::uint32_t kCrc32cPoly = 0x82f63b78;

constexpr std::array<std::uint32_t, 256> crc_table() {
  std::array<std::uint32_t, 256> table{};
  for (std::uint32_t i = 0; i < 256; ++i) {
    std::uint32_t c = i;
    for (int k = 0; k < 8; ++k) c = (c & 1U) != 0 ? (c >> 1) ^ kCrc32cPoly : c >> 1;
    table.at(i) = c;
  }
  return table;
}
constexpr auto kCrcTable = crc_table();

std::uint32_t crc_update(std::uint32_t crc, std::span<const std::uint8_t> bytes) {
  for (const std::uint8_t b : bytes) crc = kCrcTable.at((crc ^ b) & 0xffU) ^ (crc >> 8);
  return crc;
}

// Little-endian fields at their offsets in struct rp_superblock.
template <typename T>
T get(std::span<const std::uint8_t> bytes, std::size_t offset) {
  T value = 0;
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    value |= static_cast<T>(static_cast<T>(bytes[offset + i]) << (8 * i));
  }
  return value;
}

template <typename T>
void put(std::span<std::uint8_t> bytes, std::size_t offset, T value) {
  for (std::size_t i = 0; i < sizeof(T); ++i) {
    bytes[offset + i] = static_cast<std::uint8_t>(value >> (8 * i));
  }
}

// CRC-32C of the superblock with its crc field read as zero.
std::uint32_t superblock_crc(std::span<const std::uint8_t> bytes) {
  constexpr std::array<std::uint8_t, 4> kZero{};
  std::uint32_t crc = crc_update(~0U, bytes.first(offsetof(rp_superblock, crc)));
  crc = crc_update(crc, kZero);
  crc = crc_update(crc, bytes.subspan(offsetof(rp_superblock, crc) + 4,
                                      RP_SB_SIZE - offsetof(rp_superblock, crc) - 4));
  return ~crc;
}

Superblock read_fields(std::span<const std::uint8_t> b) {
  Superblock s;
  s.version = get<std::uint32_t>(b, offsetof(rp_superblock, version));
  std::copy_n(b.begin() + offsetof(rp_superblock, uuid), s.uuid.size(), s.uuid.begin());
  s.events = get<std::uint64_t>(b, offsetof(rp_superblock, events));
  s.ctime = get<std::uint64_t>(b, offsetof(rp_superblock, ctime));
  s.utime = get<std::uint64_t>(b, offsetof(rp_superblock, utime));
  s.level = static_cast<std::int32_t>(get<std::uint32_t>(b, offsetof(rp_superblock, level)));
  s.layout = get<std::uint32_t>(b, offsetof(rp_superblock, layout));
  s.chunk_sectors = get<std::uint32_t>(b, offsetof(rp_superblock, chunk_sectors));
  s.raid_disks = get<std::uint32_t>(b, offsetof(rp_superblock, raid_disks));
  s.member = get<std::uint32_t>(b, offsetof(rp_superblock, member));
  s.flags = get<std::uint32_t>(b, offsetof(rp_superblock, flags));
  s.data_offset = get<std::uint64_t>(b, offsetof(rp_superblock, data_offset));
  s.data_sectors = get<std::uint64_t>(b, offsetof(rp_superblock, data_sectors));
  s.array_sectors = get<std::uint64_t>(b, offsetof(rp_superblock, array_sectors));
  s.resync_offset = get<std::uint64_t>(b, offsetof(rp_superblock, resync_offset));
  s.recovery_offset = get<std::uint64_t>(b, offsetof(rp_superblock, recovery_offset));
  s.region_sectors = get<std::uint32_t>(b, offsetof(rp_superblock, region_sectors));
  s.bitmap_offset = get<std::uint32_t>(b, offsetof(rp_superblock, bitmap_offset));
  for (std::size_t i = 0; i < s.failed.size(); ++i) {
    s.failed.at(i) = get<std::uint64_t>(b, offsetof(rp_superblock, failed) + 8 * i);
  }
  return s;
}

void fail(const std::string& what) {
  throw std::invalid_argument(what);
}

// The geometry must be one the target can have written.
void check_geometry(const Superblock& s) {
  if (!type_words(s.level, s.layout)) {
    fail("corrupt superblock (md level " + std::to_string(s.level) + " layout " +
         std::to_string(s.layout) + " is no raid-p2p type)");
  }
  if (s.chunk_sectors != 0 && !std::has_single_bit(s.chunk_sectors)) {
    fail("corrupt superblock (chunk of " + std::to_string(s.chunk_sectors) +
         " sectors is not a power of two)");
  }
  if (s.data_sectors == 0) fail("corrupt superblock (0 data sectors per member)");
  // No array is larger than its members together.
  // array_sectors > data_sectors * raid_disks, without overflowing.
  if (s.array_sectors == 0 || (s.array_sectors - 1) / s.raid_disks >= s.data_sectors) {
    fail("corrupt superblock (array of " + std::to_string(s.array_sectors) + " sectors on " +
         std::to_string(s.raid_disks) + " members of " + std::to_string(s.data_sectors) + ")");
  }
  if (s.data_offset > ~std::uint64_t{0} - s.data_sectors) {
    fail("corrupt superblock (data offset " + std::to_string(s.data_offset) + " overflows)");
  }
}

}  // namespace

bool Superblock::dirty() const {
  return (flags & RP_SB_F_DIRTY) != 0;
}

bool Superblock::member_failed(unsigned index) const {
  return index < RP_SB_MAX_MEMBERS && ((failed.at(index / 64) >> (index % 64)) & 1U) != 0;
}

std::size_t size() {
  return RP_SB_SIZE;
}

std::uint64_t bitmap_offset_bytes() {
  return RP_SB_BITMAP_OFFSET;
}

std::uint32_t crc32c(std::span<const std::uint8_t> bytes) {
  return ~crc_update(~0U, bytes);
}

Kind classify(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < 4) return Kind::Blank;
  const auto magic = get<std::uint32_t>(bytes, 0);
  if (magic == RP_SB_MAGIC) return Kind::Ours;
  if (magic == kDmRaidMagic || magic == kMdMagic) return Kind::Foreign;
  return Kind::Blank;
}

Superblock decode(std::span<const std::uint8_t> bytes) {
  if (bytes.size() < RP_SB_SIZE) {
    fail("short superblock (" + std::to_string(bytes.size()) + " of " + std::to_string(RP_SB_SIZE) +
         " bytes)");
  }
  if (get<std::uint32_t>(bytes, offsetof(rp_superblock, magic)) != RP_SB_MAGIC)
    fail("no raid-p2p superblock");
  const auto version = get<std::uint32_t>(bytes, offsetof(rp_superblock, version));
  if (version == 0 || version > RP_SB_VERSION) {
    fail("superblock format version " + std::to_string(version) + " is not supported");
  }
  if (get<std::uint32_t>(bytes, offsetof(rp_superblock, sb_size)) != RP_SB_SIZE ||
      get<std::uint32_t>(bytes, offsetof(rp_superblock, crc)) != superblock_crc(bytes)) {
    fail("corrupt superblock (bad checksum)");
  }
  Superblock s = read_fields(bytes);
  if ((s.flags & ~RP_SB_FLAGS_KNOWN) != 0) {
    fail("superblock has unknown flags " + std::to_string(s.flags));
  }
  if (s.raid_disks == 0 || s.raid_disks > RP_SB_MAX_MEMBERS || s.member >= s.raid_disks) {
    fail("corrupt superblock (member " + std::to_string(s.member) + " of " +
         std::to_string(s.raid_disks) + ")");
  }
  check_geometry(s);
  return s;
}

std::vector<std::uint8_t> encode(const Superblock& s) {
  std::vector<std::uint8_t> out(RP_SB_SIZE, 0);
  const std::span<std::uint8_t> b(out);
  put<std::uint32_t>(b, offsetof(rp_superblock, magic), RP_SB_MAGIC);
  put<std::uint32_t>(b, offsetof(rp_superblock, version), s.version);
  put<std::uint32_t>(b, offsetof(rp_superblock, sb_size), RP_SB_SIZE);
  std::copy(s.uuid.begin(), s.uuid.end(), b.begin() + offsetof(rp_superblock, uuid));
  put<std::uint64_t>(b, offsetof(rp_superblock, events), s.events);
  put<std::uint64_t>(b, offsetof(rp_superblock, ctime), s.ctime);
  put<std::uint64_t>(b, offsetof(rp_superblock, utime), s.utime);
  put<std::uint32_t>(b, offsetof(rp_superblock, level), static_cast<std::uint32_t>(s.level));
  put<std::uint32_t>(b, offsetof(rp_superblock, layout), s.layout);
  put<std::uint32_t>(b, offsetof(rp_superblock, chunk_sectors), s.chunk_sectors);
  put<std::uint32_t>(b, offsetof(rp_superblock, raid_disks), s.raid_disks);
  put<std::uint32_t>(b, offsetof(rp_superblock, member), s.member);
  put<std::uint32_t>(b, offsetof(rp_superblock, flags), s.flags);
  put<std::uint64_t>(b, offsetof(rp_superblock, data_offset), s.data_offset);
  put<std::uint64_t>(b, offsetof(rp_superblock, data_sectors), s.data_sectors);
  put<std::uint64_t>(b, offsetof(rp_superblock, array_sectors), s.array_sectors);
  put<std::uint64_t>(b, offsetof(rp_superblock, resync_offset), s.resync_offset);
  put<std::uint64_t>(b, offsetof(rp_superblock, recovery_offset), s.recovery_offset);
  put<std::uint32_t>(b, offsetof(rp_superblock, region_sectors), s.region_sectors);
  put<std::uint32_t>(b, offsetof(rp_superblock, bitmap_offset), s.bitmap_offset);
  for (std::size_t i = 0; i < s.failed.size(); ++i) {
    put<std::uint64_t>(b, offsetof(rp_superblock, failed) + 8 * i, s.failed.at(i));
  }
  put<std::uint32_t>(b, offsetof(rp_superblock, crc), superblock_crc(b));
  return out;
}

std::string uuid_string(const Uuid& uuid) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out;
  for (std::size_t i = 0; i < uuid.size(); ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
    out += kHex[uuid.at(i) >> 4];
    out += kHex[uuid.at(i) & 0xfU];
  }
  return out;
}

std::optional<TypeWords> type_words(std::int32_t level, std::uint32_t layout) {
  if (level == 10) {
    const unsigned near = layout & 0xffU;
    const unsigned far = (layout >> kR10FarShift) & 0xffU;
    const bool offset = (layout & kR10OffsetBit) != 0;
    if (near < 1 || far < 1 || (near > 1 && far > 1)) return std::nullopt;
    const unsigned copies = near > 1 ? near : far;
    const char* format = near > 1 ? "near" : offset ? "offset" : "far";
    TypeWords w{"raid10",
                {"raid10_copies", std::to_string(copies), "raid10_format", std::string(format)}};
    if (near == 1 && (layout & kR10FarSetsBit) == 0) w.params.emplace_back("raid10_use_near_sets");
    return w;
  }
  const auto* it = std::find_if(kTypes.begin(), kTypes.end(), [&](const LevelType& t) {
    return t.level == level && t.layout == layout;
  });
  if (it == kTypes.end()) return std::nullopt;
  return TypeWords{it->name, {}};
}

}  // namespace p2praid::sb
