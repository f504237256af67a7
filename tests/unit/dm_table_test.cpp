// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/dm_table.hpp"

#include <stdexcept>

#include <gtest/gtest.h>

#include "p2praid/planner.hpp"
#include "p2praid/raid_level.hpp"
#include "test_support.hpp"

namespace p2praid::dm {
namespace {

TEST(DmTable, FormatsMainlineSyntaxPlusProvider) {
  RaidTable t;
  t.length = 1048576;
  t.raid_type = "raid5_ls";
  t.raid_params = make_raid_params(128, std::nullopt, "0000:03:00.0");
  t.devices = {{"-", "/dev/nvme0n1"}, {"-", "/dev/nvme1n1"}, {"-", "/dev/nvme2n1"}};
  EXPECT_EQ(format_table(t),
            "0 1048576 raid-p2p raid5_ls 3 128 p2p_provider 0000:03:00.0 3 - /dev/nvme0n1 - "
            "/dev/nvme1n1 - /dev/nvme2n1");
}

TEST(DmTable, Raid10Parameters) {
  EXPECT_EQ(make_raid_params(128, 2, "none"),
            (std::vector<std::string>{"128", "raid10_copies", "2", "raid10_format", "near",
                                      "p2p_provider", "none"}));
}

// Every level, planned on the switch4 fixture, parses back to the same table.
class RoundTrip : public ::testing::TestWithParam<std::string> {};

TEST_P(RoundTrip, PlannedTablesParseBack) {
  const auto topology = test::load_fixture("switch4");
  const auto* level = raid::find_level(GetParam());
  plan::Request req;
  req.level = GetParam();
  req.count = level->min_members + 1;
  const auto p = plan::make_plan(topology, req);
  const std::string line = format_table(p.table);
  const RaidTable parsed = parse_table(line);
  EXPECT_EQ(parsed, p.table) << line;
  EXPECT_EQ(format_table(parsed), line);
  const auto params = parse_raid_params(parsed.raid_params);
  EXPECT_EQ(params.chunk_sectors, raid::is_striped(*level) ? 128U : 0U);
  EXPECT_EQ(params.p2p_provider, p.provider.bdf.value_or("none"));
  EXPECT_EQ(params.raid10_copies.has_value(), level->family == raid::Family::Raid10);
  EXPECT_EQ(parsed.devices.size(), req.count);
}

INSTANTIATE_TEST_SUITE_P(Levels, RoundTrip, ::testing::ValuesIn(raid::level_names()));

TEST(DmTable, ParsesMainlineRaidTargets) {
  // Examples from Documentation/admin-guide/device-mapper/dm-raid.rst.
  const auto t =
      parse_target(0, 1960893648, "raid", "raid4 1 2048 5 - 8:17 - 8:33 - 8:49 - 8:65 - 8:81");
  EXPECT_EQ(t.raid_type, "raid4");
  EXPECT_EQ(t.devices.size(), 5U);
  EXPECT_EQ(t.devices[4].data, "8:81");
  const auto u = parse_target(0, 1960893648, "raid",
                              "raid4 4 2048 sync min_recovery_rate 20 5 8:17 8:18 8:33 8:34 8:49 "
                              "8:50 8:65 8:66 8:81 8:82");
  const auto params = parse_raid_params(u.raid_params);
  EXPECT_TRUE(params.sync);
  EXPECT_EQ(params.chunk_sectors, 2048U);
  ASSERT_EQ(params.others.size(), 1U);
  EXPECT_EQ(params.others[0], (std::pair<std::string, std::string>{"min_recovery_rate", "20"}));
  EXPECT_EQ(u.devices[0].meta, "8:17");
}

TEST(DmTable, RejectsMalformedLines) {
  for (const char* bad : {
           "",
           "0 100 raid raid1 1 0 2 - 8:1 - 8:2",                      // wrong target
           "0 100 raid-p2p raid1 1 0 3 - 8:1 - 8:2",                  // too few devices
           "0 100 raid-p2p raid1 1 0 2 - 8:1 - 8:2 - 8:3",            // extra words
           "0 100 raid-p2p raid1 0 2 - 8:1 - 8:2",                    // no chunk size
           "0 100 raid-p2p raid1 2 0 bogus 2 - 8:1 - 8:2",            // unknown param
           "0 100 raid-p2p raid1 2 0 p2p_provider 2 - 8:1 - 8:2",     // value missing
           "0 100 raid-p2p raid1 1 x 2 - 8:1 - 8:2",                  // chunk not a number
           "0 100 raid-p2p raid1 1 0 2 8:0 - - 8:2",                  // data device '-'
           "0 1x raid-p2p raid1 1 0 2 - 8:1 - 8:2",                   // length
           "0 100 raid-p2p raid1 1 0 2 - 8:1 - 8:2\n0 100 raid-p2p",  // two lines
       }) {
    EXPECT_THROW(parse_table(bad), std::invalid_argument) << bad;
  }
  EXPECT_NO_THROW(parse_table("0 100 raid-p2p raid1 1 0 2 - 8:1 - 8:2\n"));
  EXPECT_NO_THROW(parse_table("0 100 raid-p2p raid1 1 0 2 - - 8:1 8:2"));  // a missing member
}

}  // namespace
}  // namespace p2praid::dm
