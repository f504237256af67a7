// SPDX-License-Identifier: GPL-2.0-only
// Superblock encode/decode against the shared header, and rejection of
// corrupt input.
#include "p2praid/superblock.hpp"

#include <stdexcept>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace p2praid::sb {
namespace {

Superblock raid1_member(unsigned member) {
  Superblock s;
  s.version = 1;
  for (std::size_t i = 0; i < s.uuid.size(); ++i) s.uuid.at(i) = static_cast<std::uint8_t>(i * 17);
  s.events = 42;
  s.ctime = 1700000000;
  s.utime = 1700000100;
  s.level = 1;
  s.raid_disks = 2;
  s.member = member;
  s.data_sectors = 32768;
  s.array_sectors = 32768;
  s.resync_offset = ~std::uint64_t{0};
  s.recovery_offset = ~std::uint64_t{0};
  s.region_sectors = 8192;
  s.bitmap_offset = 8;
  return s;
}

std::string rejection(const std::vector<std::uint8_t>& bytes) {
  try {
    (void)decode(bytes);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

// Sets a little-endian 32-bit field without fixing the checksum.
void poke32(std::vector<std::uint8_t>& b, std::size_t offset, std::uint32_t v) {
  for (int i = 0; i < 4; ++i) b.at(offset + i) = static_cast<std::uint8_t>(v >> (8 * i));
}

TEST(Superblock, Crc32cCheckValue) {
  const std::string check = "123456789";
  const std::vector<std::uint8_t> bytes(check.begin(), check.end());
  EXPECT_EQ(crc32c(bytes), 0xe3069283U);
}

TEST(Superblock, EncodeDecodeRoundTrip) {
  auto s = raid1_member(1);
  s.flags = 1;
  s.failed.at(0) = 1;
  const auto bytes = encode(s);
  ASSERT_EQ(bytes.size(), size());
  EXPECT_EQ(classify(bytes), Kind::Ours);
  const auto back = decode(bytes);
  EXPECT_EQ(back, s);
  EXPECT_TRUE(back.dirty());
  EXPECT_TRUE(back.member_failed(0));
  EXPECT_FALSE(back.member_failed(1));
}

TEST(Superblock, LayoutIsTheHeaders) {
  const auto b = encode(raid1_member(1));
  EXPECT_EQ(b.at(0), 0x52);  // "RP2P" little-endian
  EXPECT_EQ(b.at(1), 0x50);
  EXPECT_EQ(b.at(2), 0x32);
  EXPECT_EQ(b.at(3), 0x50);
  EXPECT_EQ(b.at(0x08), 0x00);  // sb_size 512
  EXPECT_EQ(b.at(0x09), 0x02);
  EXPECT_EQ(b.at(0x20), 42);    // events
  EXPECT_EQ(b.at(0x38), 1);     // level
  EXPECT_EQ(b.at(0x48), 1);     // member
  EXPECT_EQ(b.at(0x58), 0x00);  // data_sectors 32768 = 0x8000
  EXPECT_EQ(b.at(0x59), 0x80);
  EXPECT_EQ(bitmap_offset_bytes(), 4096U);
}

TEST(Superblock, ClassifiesBlankAndForeign) {
  std::vector<std::uint8_t> b(512, 0);
  EXPECT_EQ(classify(b), Kind::Blank);
  poke32(b, 0, 0xa92b4efc);  // md 1.x
  EXPECT_EQ(classify(b), Kind::Foreign);
  poke32(b, 0, 0x64526d44);  // dm raid
  EXPECT_EQ(classify(b), Kind::Foreign);
}

TEST(Superblock, RejectsCorruptInput) {
  const auto good = encode(raid1_member(0));
  auto b = good;
  b.at(0) ^= 1;
  EXPECT_EQ(rejection(b), "no raid-p2p superblock");
  b = good;
  b.at(0x30) ^= 0x10;  // utime: covered by the checksum
  EXPECT_EQ(rejection(b), "corrupt superblock (bad checksum)");
  b = good;
  b.at(0x1ff) = 1;  // the reserved tail is covered too
  EXPECT_EQ(rejection(b), "corrupt superblock (bad checksum)");
  b = good;
  poke32(b, 0x08, 4096);  // sb_size
  EXPECT_EQ(rejection(b), "corrupt superblock (bad checksum)");
  b = good;
  b.resize(511);
  EXPECT_EQ(rejection(b), "short superblock (511 of 512 bytes)");
}

TEST(Superblock, RejectsWhatTheTargetCannotHaveWritten) {
  const auto reject = [](const Superblock& s) { return rejection(encode(s)); };
  auto s = raid1_member(0);
  s.version = 2;
  EXPECT_EQ(reject(s), "superblock format version 2 is not supported");
  s = raid1_member(0);
  s.flags = 2;
  EXPECT_EQ(reject(s), "superblock has unknown flags 2");
  s = raid1_member(2);
  EXPECT_EQ(reject(s), "corrupt superblock (member 2 of 2)");
  s = raid1_member(0);
  s.raid_disks = 0;
  EXPECT_EQ(reject(s), "corrupt superblock (member 0 of 0)");
  s = raid1_member(0);
  s.raid_disks = 254;
  EXPECT_EQ(reject(s), "corrupt superblock (member 0 of 254)");
  s = raid1_member(0);
  s.level = 7;
  EXPECT_EQ(reject(s), "corrupt superblock (md level 7 layout 0 is no raid-p2p type)");
  s = raid1_member(0);
  s.chunk_sectors = 100;
  EXPECT_EQ(reject(s), "corrupt superblock (chunk of 100 sectors is not a power of two)");
  s = raid1_member(0);
  s.data_sectors = 0;
  EXPECT_EQ(reject(s), "corrupt superblock (0 data sectors per member)");
  s = raid1_member(0);
  s.array_sectors = 65537;
  EXPECT_EQ(reject(s), "corrupt superblock (array of 65537 sectors on 2 members of 32768)");
  s = raid1_member(0);
  s.array_sectors = 0;
  EXPECT_EQ(reject(s), "corrupt superblock (array of 0 sectors on 2 members of 32768)");
  s = raid1_member(0);
  s.data_offset = ~std::uint64_t{0} - 10;
  EXPECT_NE(reject(s).find("overflows"), std::string::npos);
  s = raid1_member(0);
  s.data_sectors = ~std::uint64_t{0};
  s.array_sectors = ~std::uint64_t{0};
  EXPECT_EQ(reject(s), "accepted") << "huge but consistent sizes do not overflow the check";
}

TEST(Superblock, UuidAsTheKernelPrintsIt) {
  EXPECT_EQ(uuid_string(raid1_member(0).uuid), "00112233-4455-6677-8899-aabbccddeeff");
}

TEST(Superblock, TypeWordsFromLevelAndLayout) {
  const auto words = [](std::int32_t level, std::uint32_t layout) {
    const auto w = type_words(level, layout);
    if (!w) return std::string("none");
    std::string s = w->raid_type;
    for (const auto& p : w->params) s += " " + p;
    return s;
  };
  EXPECT_EQ(words(-1, 0), "linear");
  EXPECT_EQ(words(0, 0), "raid0");
  EXPECT_EQ(words(1, 0), "raid1");
  EXPECT_EQ(words(5, 4), "raid4");
  EXPECT_EQ(words(5, 2), "raid5_ls");
  EXPECT_EQ(words(6, 8), "raid6_zr");
  EXPECT_EQ(words(6, 5), "raid6_n_6");
  EXPECT_EQ(words(10, 0x102), "raid10 raid10_copies 2 raid10_format near");
  EXPECT_EQ(words(10, (1U << 18) | (2U << 8) | 1), "raid10 raid10_copies 2 raid10_format far");
  EXPECT_EQ(words(10, (1U << 16) | (3U << 8) | 1),
            "raid10 raid10_copies 3 raid10_format offset raid10_use_near_sets");
  EXPECT_EQ(words(10, 0x202), "none");
  EXPECT_EQ(words(5, 7), "none");
  EXPECT_EQ(words(4, 0), "none");
}

}  // namespace
}  // namespace p2praid::sb
