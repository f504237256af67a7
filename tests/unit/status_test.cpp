// SPDX-License-Identifier: GPL-2.0-only
// Parsing of the raid-p2p INFO status line, 1.0.0 and 1.1.0 formats.
#include "p2praid/status.hpp"

#include <stdexcept>
#include <string>

#include <gtest/gtest.h>

namespace p2praid::status {
namespace {

constexpr const char* kV100 = "raid1 2 AA 32768/32768 idle 0 0 - 7 3 0000:03:00.0 11 2";
constexpr const char* kV110 = "raid5_ls 3 aAD 1024/16384 recover 5 0 - 19 9 none 1 2 3 4 5 6 7 8";

std::string rejection(const std::string& line) {
  try {
    (void)parse(line);
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "accepted";
}

TEST(Status, Version100) {
  const auto s = parse(kV100);
  EXPECT_EQ(s.raid_type, "raid1");
  ASSERT_EQ(s.members.size(), 2U);
  EXPECT_EQ(s.members[0], Health::InSync);
  EXPECT_EQ(s.sync_done, 32768U);
  EXPECT_EQ(s.sync_total, 32768U);
  EXPECT_DOUBLE_EQ(s.sync_percent(), 100.0);
  EXPECT_EQ(s.sync_action, "idle");
  EXPECT_EQ(s.events, 7U);
  EXPECT_EQ(s.p2p_provider, "0000:03:00.0");
  ASSERT_EQ(s.p2p_counters.size(), 2U);
  EXPECT_EQ(s.p2p_counters[0].first, "p2p_bios");
  EXPECT_EQ(s.p2p_counters[0].second, 11U);
  EXPECT_EQ(s.p2p_counters[1].first, "p2p_fallback_bios");
  EXPECT_EQ(s.p2p_counters[1].second, 2U);
  EXPECT_TRUE(s.unknown_fields.empty());
}

TEST(Status, Version110) {
  const auto s = parse(kV110);
  EXPECT_EQ(s.raid_type, "raid5_ls");
  ASSERT_EQ(s.members.size(), 3U);
  EXPECT_EQ(s.members[0], Health::Syncing);
  EXPECT_EQ(s.members[1], Health::InSync);
  EXPECT_EQ(s.members[2], Health::Failed);
  EXPECT_DOUBLE_EQ(s.sync_percent(), 6.25);
  EXPECT_EQ(s.sync_action, "recover");
  EXPECT_EQ(s.mismatches, 5U);
  EXPECT_EQ(s.p2p_provider, "none");
  ASSERT_EQ(s.p2p_counters.size(), 8U);
  EXPECT_EQ(s.p2p_counters[0].first, "user_p2p_read_bytes");
  EXPECT_EQ(s.p2p_counters[0].second, 1U);
  EXPECT_EQ(s.p2p_counters[2].first, "bounce_unreachable_bytes");
  EXPECT_EQ(s.p2p_counters[7].first, "sync_host_bytes");
  EXPECT_EQ(s.p2p_counters[7].second, 8U);
}

TEST(Status, Version120NamesBounceRefused) {
  const auto s = parse("raid1 2 AA 8/8 idle 0 0 - 1 10 none 1 2 3 4 5 6 7 8 9");
  ASSERT_EQ(s.p2p_counters.size(), 9U);
  EXPECT_EQ(s.p2p_counters[8].first, "bounce_refused_bytes");
  EXPECT_EQ(s.p2p_counters[8].second, 9U);
  EXPECT_TRUE(s.unknown_fields.empty());
}

TEST(Status, Version150NamesParityP2p) {
  const auto s = parse("raid5_ls 3 AAA 8/8 idle 0 0 - 1 11 none 1 2 3 4 5 6 7 8 9 10");
  ASSERT_EQ(s.p2p_counters.size(), 10U);
  EXPECT_EQ(s.p2p_counters[4].first, "bounce_parity_bytes");
  EXPECT_EQ(s.p2p_counters[9].first, "parity_p2p_bytes");
  EXPECT_EQ(s.p2p_counters[9].second, 10U);
  EXPECT_TRUE(s.unknown_fields.empty());
}

TEST(Status, NewerTargetsFieldsAreKeptUnnamed) {
  const auto s = parse("raid0 2 A- 8/8 idle 0 0 - 1 13 none 1 2 3 4 5 6 7 8 9 10 x 12");
  EXPECT_EQ(s.members[1], Health::Missing);
  EXPECT_EQ(s.p2p_counters.size(), 10U);
  EXPECT_EQ(s.unknown_fields, (std::vector<std::string>{"x", "12"}));
}

TEST(Status, ProviderOnly) {
  const auto s = parse("linear 1 A 0/0 idle 0 0 - 0 1 auto");
  EXPECT_EQ(s.p2p_provider, "auto");
  EXPECT_TRUE(s.p2p_counters.empty());
  EXPECT_DOUBLE_EQ(s.sync_percent(), 100.0);
}

TEST(Status, RejectsMalformedLines) {
  EXPECT_EQ(rejection(""), "missing raid_type");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 - 7"), "missing #p2p_fields");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 - 7 0"),
            "#p2p_fields is 0: the provider is missing");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 - 7 3 none 1"),
            "#p2p_fields is 3 but 2 fields follow");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 - 7 1 none extra"),
            "#p2p_fields is 1 but 2 fields follow");
  EXPECT_EQ(rejection("raid1 2 AAA 1/2 idle 0 0 - 7 1 none"), "3 health characters for 2 members");
  EXPECT_EQ(rejection("raid1 2 AX 1/2 idle 0 0 - 7 1 none"),
            "health character 'X' is not A, a, D or -");
  EXPECT_EQ(rejection("raid1 0  1/2 idle 0 0 - 7 1 none"), "#devs 0 is not 1 to 253");
  EXPECT_EQ(rejection("raid1 2 AA 12 idle 0 0 - 7 1 none"), "sync ratio '12' is not done/total");
  EXPECT_EQ(rejection("raid1 2 AA 3/2 idle 0 0 - 7 1 none"), "sync ratio '3/2' is above 1");
  EXPECT_EQ(rejection("raid1 2 AA 1/2x idle 0 0 - 7 1 none"), "sync ratio '2x' is not a number");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle -1 0 - 7 1 none"), "mismatch_cnt '-1' is not a number");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 -- 7 1 none"),
            "journal character '--' is not one character");
  EXPECT_EQ(rejection("raid1 2 AA 1/2 idle 0 0 - 7 3 none 1 z"),
            "p2p_fallback_bios 'z' is not a number");
}

}  // namespace
}  // namespace p2praid::status
