// SPDX-License-Identifier: GPL-2.0-only
// P2P distances against the rules of drivers/pci/p2pdma.c (Linux 6.12).
#include "p2praid/p2p.hpp"

#include <map>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace p2praid::p2p {
namespace {

using topo::Topology;

// distance by (provider BDF, controller name); -1 when not supported.
std::map<std::pair<std::string, std::string>, int> matrix(const Topology& t) {
  std::map<std::pair<std::string, std::string>, int> m;
  for (const auto* p : t.providers()) {
    for (const auto& c : t.controllers) {
      m[{p->bdf, c.name}] = calc_map_type_and_dist(t, p->bdf, *c.pci).p2p_distance().value_or(-1);
    }
  }
  return m;
}

TEST(P2p, Switch4Matrix) {
  const auto t = test::load_fixture("switch4");
  const std::vector<std::string> providers{"0000:03:00.0", "0000:04:00.0", "0000:05:00.0",
                                           "0000:06:00.0", "0000:07:00.0"};
  const std::vector<std::vector<int>> expected{
      {0, 4, 4, 4, -1, -1}, {4, 0, 4, 4, -1, -1},    {4, 4, 0, 4, -1, -1},
      {4, 4, 4, 0, -1, -1}, {-1, -1, -1, -1, 0, -1},
  };
  const auto m = matrix(t);
  for (std::size_t i = 0; i < providers.size(); ++i) {
    for (std::size_t j = 0; j < 6; ++j) {
      EXPECT_EQ(m.at({providers[i], "nvme" + std::to_string(j)}), expected[i][j])
          << providers[i] << " -> nvme" << j;
    }
  }
}

TEST(P2p, SameSwitchGoesThroughTheUpstreamPort) {
  const auto t = test::load_fixture("switch4");
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:06:00.0");
  EXPECT_EQ(path.map_type, MapType::BusAddr);
  EXPECT_EQ(path.distance, 4);
  EXPECT_EQ(path.common, "0000:01:00.0");
  EXPECT_NE(path.reason.find("switch_upstream 0000:01:00.0"), std::string::npos) << path.reason;
}

TEST(P2p, SameFunctionIsDistanceZero) {
  const auto t = test::load_fixture("switch4");
  const auto path = calc_map_type_and_dist(t, "0000:07:00.0", "0000:07:00.0");
  EXPECT_EQ(path.map_type, MapType::BusAddr);
  EXPECT_EQ(path.distance, 0);
}

TEST(P2p, DifferentRootPortsNeedAWhitelistedHostBridge) {
  const auto t = test::load_fixture("switch4");
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:07:00.0");
  EXPECT_EQ(path.map_type, MapType::NotSupported);
  EXPECT_FALSE(path.p2p_distance());
  // Without a common bridge the kernel counts every device on both paths.
  EXPECT_EQ(path.distance, 6);
  EXPECT_EQ(path.reason,
            "no common upstream bridge, and host bridge pci0000:00 (8086:29c0) is not in the "
            "P2PDMA whitelist");
}

TEST(P2p, WhitelistedHostBridgeAllowsCrossRootPortTraffic) {
  auto t = test::load_fixture("switch4");
  t.functions.at("0000:00:00.0").device = 0x2020;  // Intel Skylake-E
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:07:00.0");
  EXPECT_EQ(path.map_type, MapType::ThruHostBridge);
  EXPECT_EQ(path.p2p_distance(), 6);
  EXPECT_NE(path.reason.find("is in the P2PDMA whitelist"), std::string::npos) << path.reason;
}

TEST(P2p, SameHostBridgeOnlyEntriesWorkWithinOneBridge) {
  auto t = test::load_fixture("switch4");
  t.functions.at("0000:00:00.0").device = 0x3c00;  // REQ_SAME_HOST_BRIDGE
  EXPECT_TRUE(calc_map_type_and_dist(t, "0000:03:00.0", "0000:07:00.0").reachable());
  EXPECT_TRUE(host_bridge_whitelisted(t, t.host_bridges.at("pci0000:00"), true));
  EXPECT_FALSE(host_bridge_whitelisted(t, t.host_bridges.at("pci0000:00"), false));
}

TEST(P2p, ZenCpusAllowTrafficThroughAnyHostBridge) {
  auto t = test::load_fixture("switch4");
  t.cpu.supports_p2pdma = true;
  t.cpu.description = "AMD family 19h";
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:08:00.0");
  EXPECT_EQ(path.map_type, MapType::ThruHostBridge);
  EXPECT_NE(path.reason.find("AMD family 19h"), std::string::npos);
}

TEST(P2p, AcsRedirectForcesTheHostBridge) {
  const auto t = test::load_fixture("acs-redirect");
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:04:00.0");
  EXPECT_EQ(path.map_type, MapType::NotSupported);
  EXPECT_EQ(path.distance, 4);
  EXPECT_EQ(path.common, "0000:01:00.0");
  EXPECT_EQ(path.acs_redirect, (std::vector<std::string>{"0000:02:00.0", "0000:02:01.0"}));
  EXPECT_NE(path.reason.find("pci=disable_acs_redir=0000:02:00.0;0000:02:01.0"), std::string::npos)
      << path.reason;
  // A provider serving its own function never crosses a port.
  EXPECT_EQ(calc_map_type_and_dist(t, "0000:05:00.0", "0000:05:00.0").p2p_distance(), 0);
}

TEST(P2p, AcsRedirectWithAWhitelistedHostBridge) {
  auto t = test::load_fixture("acs-redirect");
  t.functions.at("0000:00:00.0").device = 0x2031;
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:05:00.0");
  EXPECT_EQ(path.map_type, MapType::ThruHostBridge);
  EXPECT_EQ(path.p2p_distance(), 4);
}

TEST(P2p, AcsOnTheCommonBridgeItselfCounts) {
  // The kernel checks the common upstream device on the provider's walk.
  auto t = test::load_fixture("switch4");
  t.functions.at("0000:01:00.0").acs = topo::AcsState::Redirect;
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:04:00.0");
  EXPECT_EQ(path.map_type, MapType::NotSupported);
  EXPECT_EQ(path.acs_redirect, std::vector<std::string>{"0000:01:00.0"});
}

TEST(P2p, AcsAboveTheCommonBridgeDoesNotCount) {
  auto t = test::load_fixture("switch4");
  t.functions.at("0000:00:1c.0").acs = topo::AcsState::Redirect;
  EXPECT_EQ(calc_map_type_and_dist(t, "0000:03:00.0", "0000:04:00.0").map_type, MapType::BusAddr);
}

TEST(P2p, UnknownAcsIsNoted) {
  auto t = test::load_fixture("switch4");
  t.functions.at("0000:02:01.0").acs = topo::AcsState::Unknown;
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:04:00.0");
  EXPECT_EQ(path.map_type, MapType::BusAddr);
  EXPECT_NE(path.reason.find("ACS state of 0000:02:01.0 unknown"), std::string::npos)
      << path.reason;
}

TEST(P2p, TwoSwitches) {
  const auto t = test::load_fixture("two-switches");
  EXPECT_EQ(calc_map_type_and_dist(t, "0000:03:00.0", "0000:04:00.0").p2p_distance(), 4);
  EXPECT_EQ(calc_map_type_and_dist(t, "0000:07:00.0", "0000:08:00.0").p2p_distance(), 4);
  EXPECT_FALSE(calc_map_type_and_dist(t, "0000:03:00.0", "0000:07:00.0").reachable());
}

TEST(P2p, RootPortsOnly) {
  const auto t = test::load_fixture("root-ports-only");
  for (const auto* p : t.providers()) {
    for (const auto& c : t.controllers) {
      EXPECT_EQ(calc_map_type_and_dist(t, p->bdf, *c.pci).reachable(), p->bdf == *c.pci);
    }
  }
}

TEST(P2p, UnknownFunctions) {
  const auto t = test::load_fixture("switch4");
  const auto path = calc_map_type_and_dist(t, "0000:03:00.0", "0000:99:00.0");
  EXPECT_FALSE(path.reachable());
  EXPECT_NE(path.reason.find("0000:99:00.0"), std::string::npos);
}

TEST(P2p, WhitelistMatchesTheKernel) {
  const auto list = host_bridge_whitelist();
  ASSERT_EQ(list.size(), 10U);
  EXPECT_EQ(list.front().device, 0x3c00);
  EXPECT_TRUE(list.front().same_host_bridge_only);
  EXPECT_EQ(list.back().device, 0x09a2);
  EXPECT_FALSE(list.back().same_host_bridge_only);
}

}  // namespace
}  // namespace p2praid::p2p
