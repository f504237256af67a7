// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/raid_level.hpp"

#include <array>

#include <gtest/gtest.h>

namespace p2praid::raid {
namespace {

std::uint64_t usable(const std::string& name, std::vector<std::uint64_t> sizes,
                     std::uint64_t chunk = 128) {
  return usable_sectors(*find_level(name), sizes, chunk);
}

TEST(RaidLevel, Aliases) {
  EXPECT_EQ(find_level("raid5")->name, "raid5_ls");
  EXPECT_EQ(find_level("raid6")->name, "raid6_zr");
  EXPECT_EQ(find_level("raid10")->name, "raid10");
  EXPECT_EQ(find_level("raid7"), nullptr);
  const auto names = level_names();
  EXPECT_EQ(names.size(), 20U);
  for (const char* n :
       {"linear",   "raid0",      "raid1",      "raid10",     "raid4",      "raid5",    "raid5_la",
        "raid5_ra", "raid5_ls",   "raid5_rs",   "raid5_n",    "raid6",      "raid6_zr", "raid6_nr",
        "raid6_nc", "raid6_la_6", "raid6_ra_6", "raid6_ls_6", "raid6_rs_6", "raid6_n_6"}) {
    EXPECT_NE(std::find(names.begin(), names.end(), n), names.end()) << n;
    EXPECT_NE(find_level(n), nullptr) << n;
  }
}

TEST(RaidLevel, MinimumMembers) {
  EXPECT_EQ(find_level("linear")->min_members, 1U);
  EXPECT_EQ(find_level("raid0")->min_members, 2U);
  EXPECT_EQ(find_level("raid1")->min_members, 2U);
  EXPECT_EQ(find_level("raid10")->min_members, 2U);
  EXPECT_EQ(find_level("raid4")->min_members, 3U);
  EXPECT_EQ(find_level("raid5_n")->min_members, 3U);
  EXPECT_EQ(find_level("raid6_n_6")->min_members, 4U);
}

TEST(RaidLevel, UsableSizeFromTheSmallestMember) {
  // 1000 sectors rounds down to 896 with 128-sector chunks.
  EXPECT_EQ(usable("linear", {1000, 2000}), 3000U);
  EXPECT_EQ(usable("raid0", {1000, 2000}), 2U * 896);
  EXPECT_EQ(usable("raid1", {1000, 2000}), 1000U);
  EXPECT_EQ(usable("raid10", {1024, 1024, 1024, 1024}), 2048U);
  EXPECT_EQ(usable("raid10", {1024, 1024, 1024}), 1536U);
  EXPECT_EQ(usable("raid4", {1024, 1024, 1024}), 2048U);
  EXPECT_EQ(usable("raid5", {1024, 1024, 1024, 1100}), 3072U);
  EXPECT_EQ(usable("raid6", {1024, 1024, 1024, 1024, 1024}), 3072U);
  EXPECT_EQ(usable("raid0", {100, 100}), 0U);  // smaller than a chunk
}

TEST(RaidLevel, UsableSizeSaturatesInsteadOfWrapping) {
  // Before, 2 * 2^63 sectors came out as 0 and 3 * 2^62 as 2^62.
  constexpr std::uint64_t kHalf = std::uint64_t{1} << 63;
  constexpr std::uint64_t kQuarter = std::uint64_t{1} << 62;
  EXPECT_EQ(usable("linear", {kHalf, kHalf}), UINT64_MAX);
  EXPECT_EQ(usable("linear", {kHalf, kQuarter}), kHalf + kQuarter);
  EXPECT_EQ(usable("raid0", {kHalf, kHalf}), UINT64_MAX);
  EXPECT_EQ(usable("raid5", {kHalf, kHalf, kHalf}), UINT64_MAX);
  EXPECT_EQ(usable("raid6", {kQuarter, kQuarter, kQuarter, kQuarter}), kHalf);
  EXPECT_EQ(usable("raid10", {kHalf, kHalf, kHalf, kHalf}), UINT64_MAX);
  EXPECT_EQ(usable("raid1", {kHalf, kHalf}), kHalf);
}

TEST(RaidLevel, Raid10LengthSuitsDmRaid) {
  // dm-raid divides len * copies by the member count; keep it exact.
  for (std::uint64_t n = 2; n <= 7; ++n) {
    const std::vector<std::uint64_t> sizes(n, 5 * 128 + 7);
    const std::uint64_t len = usable("raid10", sizes);
    EXPECT_EQ(len * kRaid10Copies % n, 0U) << n;
    EXPECT_EQ(len * kRaid10Copies / n, 5U * 128) << n;
  }
}

TEST(RaidLevel, MirrorSets) {
  EXPECT_EQ(mirror_set(*find_level("raid1"), 1, 3), (std::vector<std::size_t>{0, 1, 2}));
  EXPECT_EQ(mirror_set(*find_level("raid10"), 3, 4), (std::vector<std::size_t>{2, 3}));
  EXPECT_TRUE(mirror_set(*find_level("raid10"), 1, 3).empty());
  EXPECT_TRUE(mirror_set(*find_level("raid5"), 0, 3).empty());
}

TEST(RaidLevel, Roles) {
  EXPECT_EQ(member_role(*find_level("raid4"), 0, 3), "parity");
  EXPECT_EQ(member_role(*find_level("raid5_n"), 2, 3), "parity");
  EXPECT_EQ(member_role(*find_level("raid5"), 1, 3), "data+P");
  EXPECT_EQ(member_role(*find_level("raid6"), 0, 4), "data+P+Q");
  EXPECT_EQ(member_role(*find_level("raid6_ls_6"), 3, 4), "Q");
  EXPECT_EQ(member_role(*find_level("raid6_n_6"), 2, 4), "P");
  EXPECT_EQ(member_role(*find_level("raid10"), 2, 4), "mirror set 1");
  EXPECT_EQ(member_role(*find_level("linear"), 0, 1), "concat");
}

}  // namespace
}  // namespace p2praid::raid
