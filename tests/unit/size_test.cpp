// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/size.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

namespace p2praid::units {
namespace {

TEST(ParseSize, PlainBytes) {
  EXPECT_EQ(parse_size("512"), 512U);
  EXPECT_EQ(parse_size("0"), 0U);
  EXPECT_EQ(parse_size("512B"), 512U);
}

TEST(ParseSize, BinarySuffixes) {
  EXPECT_EQ(parse_size("4k"), 4096U);
  EXPECT_EQ(parse_size("4K"), 4096U);
  EXPECT_EQ(parse_size("64KiB"), 65536U);
  EXPECT_EQ(parse_size("64kib"), 65536U);
  EXPECT_EQ(parse_size("1M"), kMiB);
  EXPECT_EQ(parse_size("1MiB"), kMiB);
  EXPECT_EQ(parse_size("2G"), 2 * kGiB);
  EXPECT_EQ(parse_size("2GiB"), 2 * kGiB);
  EXPECT_EQ(parse_size("3t"), 3 * kTiB);
}

TEST(ParseSize, Sectors) {
  EXPECT_EQ(parse_size("8s"), 4096U);
}

TEST(ParseSize, RejectsDecimalUnits) {
  EXPECT_THROW(parse_size("4KB"), std::invalid_argument);
  EXPECT_THROW(parse_size("1MB"), std::invalid_argument);
  try {
    parse_size("4kB");
  } catch (const std::invalid_argument& e) {
    EXPECT_NE(std::string(e.what()).find("KiB"), std::string::npos) << e.what();
  }
}

TEST(ParseSize, RejectsGarbage) {
  for (const char* bad : {"", "k", "-1", "1.5M", "4 k", "12x", "0x10", " 4k"}) {
    EXPECT_THROW(parse_size(bad), std::invalid_argument) << bad;
  }
}

TEST(ParseSize, RejectsOverflow) {
  EXPECT_THROW(parse_size("18446744073709551616"), std::invalid_argument);
  EXPECT_THROW(parse_size("17179869184G"), std::invalid_argument);
  EXPECT_EQ(parse_size("16777215T"), 16777215 * kTiB);
}

TEST(CheckedArithmetic, NulloptInsteadOfWrapping) {
  EXPECT_EQ(checked_mul(kMaxSectors, kSectorSize), kMaxSectors * kSectorSize);
  EXPECT_FALSE(checked_mul(kMaxSectors + 1, 2 * kSectorSize));
  EXPECT_FALSE(checked_mul(UINT64_MAX, 2));
  EXPECT_EQ(checked_mul(0, UINT64_MAX), 0U);
  EXPECT_EQ(checked_add(UINT64_MAX - 1, 1), UINT64_MAX);
  EXPECT_FALSE(checked_add(UINT64_MAX, 1));
  EXPECT_EQ(kMaxSectors, (std::uint64_t{1} << 54) - 1);  // 2^63 - 1 bytes
}

TEST(FormatSize, ExactAndFractional) {
  EXPECT_EQ(format_size(0), "0 B");
  EXPECT_EQ(format_size(512), "512 B");
  EXPECT_EQ(format_size(64 * kKiB), "64 KiB");
  EXPECT_EQ(format_size(256 * kMiB), "256 MiB");
  EXPECT_EQ(format_size(kGiB + kGiB / 2), "1.5 GiB");
  EXPECT_EQ(format_size(64 * kMiB - 128 * kKiB), "63.8 MiB");
  EXPECT_EQ(format_size(2048 * kTiB), "2048 TiB");
}

}  // namespace
}  // namespace p2praid::units
