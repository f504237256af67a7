// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/planner.hpp"

#include <algorithm>

#include <gtest/gtest.h>

#include "p2praid/errors.hpp"
#include "p2praid/size.hpp"
#include "test_support.hpp"

namespace p2praid::plan {
namespace {

std::vector<std::string> member_names(const Plan& p) {
  std::vector<std::string> out;
  for (const auto& m : p.members) out.push_back(m.name);
  return out;
}

Request count_request(const std::string& level, unsigned n, Policy policy = Policy::Locality) {
  Request r;
  r.level = level;
  r.count = n;
  r.policy = policy;
  return r;
}

Request device_request(const std::string& level, std::vector<std::string> devices) {
  Request r;
  r.level = level;
  r.devices = std::move(devices);
  return r;
}

// The message of the CommandError (or UsageError) `fn` throws.
template <typename E, typename F>
std::string error_of(F&& fn) {
  try {
    fn();
  } catch (const E& e) {
    return e.what();
  }
  ADD_FAILURE() << "no exception";
  return {};
}

class Switch4 : public ::testing::Test {
 protected:
  topo::Topology t_ = test::load_fixture("switch4");
};

TEST_F(Switch4, Raid1LocalityTakesTheNearestPairAndItsCmb) {
  const auto p = make_plan(t_, count_request("raid1", 2));
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme1n1"}));
  EXPECT_EQ(p.provider.bdf, "0000:03:00.0");
  EXPECT_EQ(p.provider.controller, "nvme0");
  EXPECT_EQ(p.provider.total_distance, 4);
  EXPECT_EQ(p.members[0].provider_distance, 0);
  EXPECT_EQ(p.members[1].provider_distance, 4);
  EXPECT_EQ(p.chunk_sectors, 0U);
  EXPECT_EQ(p.length_sectors, 524288U);
  EXPECT_EQ(p.provider.required, 2U * 64 * 1024);
}

TEST_F(Switch4, Raid6TakesTheWholeSwitch) {
  const auto p = make_plan(t_, count_request("raid6", 4));
  EXPECT_EQ(member_names(p),
            (std::vector<std::string>{"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}));
  EXPECT_EQ(p.level->name, "raid6_zr");
  EXPECT_EQ(p.provider.bdf, "0000:03:00.0");
  EXPECT_EQ(p.provider.total_distance, 12);
  EXPECT_EQ(p.length_sectors, 2U * 524288);
}

TEST_F(Switch4, FiveMembersCannotShareAProvider) {
  // No provider reaches 5 drives: P2P is off and the reasons say why.
  const auto p = make_plan(t_, count_request("raid5", 5));
  EXPECT_FALSE(p.provider.bdf);
  EXPECT_EQ(p.members.size(), 5U);
  EXPECT_EQ(dm::parse_raid_params(p.table.raid_params).p2p_provider, "none");
  bool explained = false;
  for (const auto& r : p.reasons)
    explained = explained || r.find("reaches fewer than 5") != std::string::npos;
  EXPECT_TRUE(explained);
}

TEST_F(Switch4, SpreadPutsMirrorsUnderDifferentSwitches) {
  const auto p = make_plan(t_, count_request("raid10", 4, Policy::Spread));
  EXPECT_EQ(member_names(p),
            (std::vector<std::string>{"nvme0n1", "nvme4n1", "nvme5n1", "nvme1n1"}));
  EXPECT_NE(p.members[0].attachment, p.members[1].attachment);
  EXPECT_NE(p.members[2].attachment, p.members[3].attachment);
  EXPECT_FALSE(p.provider.bdf);
  ASSERT_EQ(p.warnings.size(), 1U);  // no mirrors share a switch
  EXPECT_EQ(p.warnings[0].rfind("no P2P (p2p_provider none): no published provider reaches", 0),
            0U);
  EXPECT_NE(p.reasons.back().find("P2P cost of spreading"), std::string::npos);
}

TEST_F(Switch4, SpreadRaid1) {
  const auto p = make_plan(t_, count_request("raid1", 2, Policy::Spread));
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme4n1"}));
}

TEST_F(Switch4, ExplicitDevicesKeepTheirOrder) {
  const auto p = make_plan(t_, device_request("raid5", {"/dev/nvme3n1", "nvme1n1", "259:2"}));
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme3n1", "nvme1n1", "nvme2n1"}));
  // Every provider of the switch reaches all three: 0000:03:00.0 at 4+4+4,
  // the members' own CMBs at 0+4+4; the lowest BDF wins the tie.
  EXPECT_EQ(p.provider.bdf, "0000:04:00.0");
  EXPECT_EQ(p.provider.total_distance, 8);
}

TEST_F(Switch4, ExplicitProvider) {
  Request r = count_request("raid1", 2);
  r.provider = parse_provider("0000:06:00.0");
  const auto p = make_plan(t_, r);
  EXPECT_EQ(p.provider.bdf, "0000:06:00.0");
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme3n1", "nvme0n1"}));
}

TEST_F(Switch4, ProviderNone) {
  Request r = count_request("raid1", 2);
  r.provider = parse_provider("none");
  const auto p = make_plan(t_, r);
  EXPECT_FALSE(p.provider.bdf);
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme1n1"}));
  EXPECT_TRUE(p.warnings.empty());  // no P2P was asked for
  r.chunk_bytes = 64 * units::kMiB;
  r.level = "raid0";
  EXPECT_TRUE(make_plan(t_, r).warnings.empty());
}

// auto without a provider says why; before, it printed p2p_provider none and
// nothing else.
TEST_F(Switch4, WarnsWhenNoCmbHasAChunkPerMember) {
  Request r = count_request("raid0", 2);
  r.chunk_bytes = 64 * units::kMiB;
  auto p = make_plan(t_, r);
  EXPECT_FALSE(p.provider.bdf);
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_EQ(p.warnings[0],
            "no P2P (p2p_provider none): the array needs 128 MiB of P2P memory (64 MiB per "
            "member), more than any published provider reaching the members has free (at most "
            "64 MiB, on 0000:03:00.0 (nvme0 CMB)); use --chunk 32M or smaller to keep P2P, or "
            "--provider none to plan without P2P and without this warning");
  // The same with fixed members and with spread members.
  r = device_request("raid0", {"nvme1n1", "nvme2n1"});
  r.chunk_bytes = 64 * units::kMiB;
  p = make_plan(t_, r);
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_NE(p.warnings[0].find("use --chunk 32M or smaller"), std::string::npos) << p.warnings[0];
  r = count_request("raid0", 2, Policy::Spread);
  r.chunk_bytes = 64 * units::kMiB;
  t_.cpu.supports_p2pdma = true;  // on AMD Zen every provider reaches every drive
  p = make_plan(t_, r);
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme4n1"}));
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_NE(p.warnings[0].find("(at most 64 MiB, on 0000:03:00.0 (nvme0 CMB)); use --chunk 32M"),
            std::string::npos)
      << p.warnings[0];
}

TEST_F(Switch4, NoChunkAdviceForLevelsWithoutChunks) {
  for (auto& [bdf, f] : t_.functions) {
    if (f.p2pmem) f.p2pmem->available = 64 * units::kKiB;
  }
  const auto p = make_plan(t_, count_request("raid1", 2));
  EXPECT_FALSE(p.provider.bdf);
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_EQ(p.warnings[0],
            "no P2P (p2p_provider none): the array needs 128 KiB of P2P memory (64 KiB per "
            "member), more than any published provider reaching the members has free (at most "
            "64 KiB, on 0000:03:00.0 (nvme0 CMB)); use --provider none to plan without P2P and "
            "without this warning");
}

TEST_F(Switch4, WarnsWhenNoProviderReachesTheMembers) {
  const auto p = make_plan(t_, device_request("raid1", {"nvme4n1", "nvme5n1"}));
  EXPECT_FALSE(p.provider.bdf);
  ASSERT_EQ(p.warnings.size(), 1U);
  // Providers with the same problem share one line.
  const std::string unreachable =
      " unreachable: no common upstream bridge, and host bridge pci0000:00 (8086:29c0) is not "
      "in the P2PDMA whitelist";
  EXPECT_EQ(p.warnings[0],
            "no P2P (p2p_provider none): no published provider reaches every member: "
            "0000:03:00.0 (nvme0 CMB), 0000:04:00.0 (nvme1 CMB), 0000:05:00.0 (nvme2 CMB), "
            "0000:06:00.0 (nvme3 CMB): nvme4n1" +
                unreachable + "; 0000:07:00.0 (nvme4 CMB): nvme5n1" + unreachable +
                "; use --provider none to plan without P2P and without this warning");
}

TEST_F(Switch4, RefusesAnUnreachableProvider) {
  Request r = device_request("raid1", {"nvme0n1", "nvme4n1"});
  r.provider = parse_provider("0000:03:00.0");
  const auto msg = error_of<CommandError>([&] { make_plan(t_, r); });
  EXPECT_NE(msg.find("--provider 0000:03:00.0: no reachable provider"), std::string::npos) << msg;
  EXPECT_NE(msg.find("nvme4n1 unreachable"), std::string::npos) << msg;
}

TEST_F(Switch4, RefusesAProviderWithoutP2pMemory) {
  Request r = count_request("raid1", 2);
  r.provider = parse_provider("0000:08:00.0");
  const auto msg = error_of<CommandError>([&] { make_plan(t_, r); });
  EXPECT_NE(msg.find("no P2P memory"), std::string::npos) << msg;
}

TEST_F(Switch4, RefusesAnUnknownProvider) {
  Request r = count_request("raid1", 2);
  r.provider = parse_provider("0000:42:00.0");
  const auto msg = error_of<CommandError>([&] { make_plan(t_, r); });
  EXPECT_NE(msg.find("0000:42:00.0: no such PCI function"), std::string::npos) << msg;
}

TEST_F(Switch4, RefusesAnUnpublishedOrFullProvider) {
  t_.functions.at("0000:03:00.0").p2pmem->published = false;
  t_.functions.at("0000:04:00.0").p2pmem->available = 4096;
  Request r = count_request("raid1", 2);
  r.provider = parse_provider("0000:03:00.0");
  EXPECT_NE(error_of<CommandError>([&] { make_plan(t_, r); }).find("not published"),
            std::string::npos);
  r.provider = parse_provider("0000:04:00.0");
  EXPECT_NE(error_of<CommandError>([&] { make_plan(t_, r); }).find("128 KiB needed"),
            std::string::npos);
  // auto skips both and takes the next one
  r.provider = parse_provider("auto");
  EXPECT_EQ(make_plan(t_, r).provider.bdf, "0000:05:00.0");
}

TEST_F(Switch4, NotEnoughDrives) {
  const auto msg = error_of<CommandError>([&] { make_plan(t_, count_request("raid5", 7)); });
  EXPECT_NE(msg.find("not enough drives"), std::string::npos) << msg;
  EXPECT_NE(msg.find("6 NVMe namespaces"), std::string::npos) << msg;
}

TEST_F(Switch4, MinimumMembers) {
  EXPECT_NE(error_of<CommandError>([&] {
              make_plan(t_, count_request("raid6", 3));
            }).find("raid6_zr needs at least 4 members"),
            std::string::npos);
  EXPECT_NE(error_of<CommandError>([&] {
              make_plan(t_, device_request("raid0", {"nvme0n1"}));
            }).find("use linear"),
            std::string::npos);
  EXPECT_NE(
      error_of<CommandError>([&] { make_plan(t_, count_request("raid5", 2)); }).find("use raid1"),
      std::string::npos);
  EXPECT_EQ(make_plan(t_, device_request("linear", {"nvme5n1"})).length_sectors, 524288U);
}

TEST_F(Switch4, UnknownAndDuplicateDevices) {
  const auto msg = error_of<CommandError>([&] {
    make_plan(t_, device_request("raid1", {"nvme0n1", "/dev/nvme9n1"}));
  });
  EXPECT_EQ(msg.rfind("/dev/nvme9n1: no such NVMe namespace", 0), 0U) << msg;
  EXPECT_NE(msg.find("p2praid-tool topology"), std::string::npos) << msg;
  EXPECT_NE(error_of<UsageError>([&] {
              make_plan(t_, device_request("raid1", {"nvme0n1", "/dev/nvme0n1"}));
            }).find("given twice"),
            std::string::npos);
}

TEST_F(Switch4, ChunkSizes) {
  Request r = count_request("raid0", 2);
  r.chunk_bytes = 512 * 1024;
  auto p = make_plan(t_, r);
  EXPECT_EQ(p.chunk_sectors, 1024U);
  EXPECT_EQ(p.provider.required, 1024U * 1024);
  r.chunk_bytes = 3 * 4096;
  EXPECT_THROW(make_plan(t_, r), UsageError);
  r.chunk_bytes = 2048;
  EXPECT_THROW(make_plan(t_, r), UsageError);
  Request mirror = count_request("raid1", 2);
  mirror.chunk_bytes = 1024 * 1024;
  p = make_plan(t_, mirror);
  EXPECT_EQ(p.chunk_sectors, 0U);
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_NE(p.warnings[0].find("--chunk is ignored"), std::string::npos);
}

TEST_F(Switch4, ChunksLargerThanTheTargetTakes) {
  // The target's limit is 2^21 sectors (RS_MAX_CHUNK); one chunk per member
  // of 2^63 bytes also overflowed the P2P memory needed.
  Request r = count_request("raid0", 2);
  r.chunk_bytes = std::uint64_t{1} << 30;
  EXPECT_THROW(make_plan(t_, r), CommandError);  // members too small, but a valid chunk
  r.chunk_bytes = std::uint64_t{2} << 30;
  const auto msg = error_of<UsageError>([&] { make_plan(t_, r); });
  EXPECT_EQ(msg, "--chunk: 2 GiB is more than 1 GiB, the largest chunk raid-p2p takes") << msg;
  r.chunk_bytes = std::uint64_t{1} << 63;
  EXPECT_THROW(make_plan(t_, r), UsageError);
}

void set_sectors(topo::Topology& t, const std::string& name, std::uint64_t sectors) {
  const auto it = std::find_if(t.namespaces.begin(), t.namespaces.end(),
                               [&](const topo::Namespace& ns) { return ns.name == name; });
  ASSERT_NE(it, t.namespaces.end()) << name;
  it->sectors = sectors;
}

// 2^63 - 1 bytes: a block device's size is a loff_t.
constexpr std::uint64_t kMaxSectors = 18014398509481983;

TEST_F(Switch4, RefusesMembersLargerThanABlockDevice) {
  // 12.5% apart, but the 10% check overflowed and let them through.
  set_sectors(t_, "nvme0n1", std::uint64_t{1} << 62);
  set_sectors(t_, "nvme1n1", (std::uint64_t{1} << 62) - (std::uint64_t{1} << 59));
  const auto msg = error_of<CommandError>([&] {
    make_plan(t_, device_request("raid1", {"nvme0n1", "nvme1n1"}));
  });
  EXPECT_EQ(msg.rfind("nvme0n1: 4611686018427387904 sectors, more than a block device can have "
                      "(18014398509481983)",
                      0),
            0U)
      << msg;
  set_sectors(t_, "nvme0n1", kMaxSectors);
  set_sectors(t_, "nvme1n1", kMaxSectors);
  EXPECT_EQ(make_plan(t_, device_request("raid1", {"nvme0n1", "nvme1n1"})).length_sectors,
            kMaxSectors);
}

TEST_F(Switch4, RefusesArraysLargerThanABlockDevice) {
  for (const char* name : {"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}) {
    set_sectors(t_, name, kMaxSectors);
  }
  for (const char* level : {"linear", "raid0", "raid10", "raid5_ls", "raid6_zr"}) {
    const auto msg = error_of<CommandError>([&] {
      make_plan(t_, device_request(level, {"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}));
    });
    EXPECT_NE(msg.find(std::string(level) + " over nvme0n1, nvme1n1, nvme2n1, nvme3n1 would have"),
              std::string::npos)
        << msg;
    EXPECT_NE(msg.find("more sectors than a block device can have"), std::string::npos) << msg;
  }
}

TEST_F(Switch4, AtMost253Members) {
  // md's and the target's limit (RP_MAX_DEVS).
  auto msg = error_of<UsageError>([&] { make_plan(t_, count_request("raid0", 254)); });
  EXPECT_EQ(msg, "--count 254: a raid-p2p array has at most 253 members") << msg;
  std::vector<std::string> many;
  for (int i = 0; i < 254; ++i) many.push_back("nvme" + std::to_string(i) + "n1");
  msg = error_of<UsageError>([&] { make_plan(t_, device_request("raid0", many)); });
  EXPECT_EQ(msg, "--devices names 254 drives: a raid-p2p array has at most 253 members") << msg;
  // 253 is allowed, and this machine has too few drives for it.
  EXPECT_THROW(make_plan(t_, count_request("raid0", 253)), CommandError);
}

TEST_F(Switch4, MajorMinorNames) {
  Request r = device_request("raid1", {"nvme0n1", "nvme1n1"});
  r.devnums = true;
  const auto p = make_plan(t_, r);
  EXPECT_EQ(p.table.devices[0].data, "259:0");
  EXPECT_EQ(p.table.devices[1].data, "259:1");
}

TEST_F(Switch4, Roles) {
  const auto p = make_plan(t_, count_request("raid4", 3));
  EXPECT_EQ(p.members[0].role, "parity");
  EXPECT_EQ(p.members[1].role, "data");
}

TEST(Planner, SizesTooDifferent) {
  const auto t = test::load_fixture("no-cmb");
  const auto msg = error_of<CommandError>([&] {
    make_plan(t, device_request("raid1", {"nvme0n1", "nvme2n1"}));
  });
  EXPECT_EQ(msg.rfind("sizes too different: nvme0n1 has 256 MiB, nvme2n1 has 1 GiB", 0), 0U) << msg;
  // linear does not care
  EXPECT_EQ(make_plan(t, device_request("linear", {"nvme0n1", "nvme2n1"})).length_sectors,
            (256U + 1024U) * 2048);
}

TEST(Planner, NoCmbMeansNoProvider) {
  auto t = test::load_fixture("no-cmb");
  const auto p = make_plan(t, count_request("raid1", 2));
  EXPECT_FALSE(p.provider.bdf);
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme1n1"}));
  EXPECT_TRUE(std::any_of(p.reasons.begin(), p.reasons.end(), [](const std::string& r) {
    return r.find("(there is none)") != std::string::npos;
  }));
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_EQ(p.warnings[0], "no P2P (p2p_provider none): " + t.source +
                               " has no P2P memory provider (no p2pmem directory); use --provider "
                               "none to plan without P2P and without this warning");
  // P2P memory its driver keeps to itself.
  t.functions.at("0000:03:00.0").p2pmem = topo::P2pMem{1 << 20, 1 << 20, false};
  const auto q = make_plan(t, count_request("raid1", 2));
  ASSERT_EQ(q.warnings.size(), 1U);
  EXPECT_NE(q.warnings[0].find(": the P2P memory of 0000:03:00.0 (nvme0 CMB) is not published;"),
            std::string::npos)
      << q.warnings[0];
}

TEST(Planner, OneNamespacePerController) {
  const auto t = test::load_fixture("two-switches");
  const auto p = make_plan(t, count_request("raid0", 4));
  EXPECT_EQ(member_names(p),
            (std::vector<std::string>{"nvme0n1", "nvme1n1", "nvme2n1", "nvme3n1"}));
  Request r = device_request("raid1", {"nvme0n1", "nvme0n2"});
  r.policy = Policy::Locality;
  EXPECT_THROW(make_plan(t, r), CommandError);  // 256 vs 128 MiB
}

TEST(Planner, SharedControllerWarning) {
  auto t = test::load_fixture("two-switches");
  t.namespaces[1].sectors = t.namespaces[0].sectors;  // nvme0n2 as large as nvme0n1
  const auto p = make_plan(t, device_request("raid1", {"nvme0n1", "nvme0n2"}));
  ASSERT_FALSE(p.warnings.empty());
  EXPECT_NE(p.warnings[0].find("one controller (nvme0)"), std::string::npos) << p.warnings[0];
}

TEST(Planner, TwoSwitchesSpreadRaid10) {
  const auto t = test::load_fixture("two-switches");
  const auto p = make_plan(t, count_request("raid10", 4, Policy::Spread));
  EXPECT_EQ(member_names(p),
            (std::vector<std::string>{"nvme0n1", "nvme2n1", "nvme1n1", "nvme3n1"}));
  EXPECT_FALSE(p.provider.bdf);
}

TEST(Planner, SpreadWithExplicitMirrorsUnderOneSwitchWarns) {
  const auto t = test::load_fixture("two-switches");
  Request r = device_request("raid1", {"nvme0n1", "nvme1n1"});
  r.policy = Policy::Spread;
  const auto p = make_plan(t, r);
  ASSERT_EQ(p.warnings.size(), 1U);
  EXPECT_NE(p.warnings[0].find("share switch 0000:01:00.0"), std::string::npos);
}

TEST(Planner, RootPortsOnlyHasNoSharedProvider) {
  const auto t = test::load_fixture("root-ports-only");
  const auto p = make_plan(t, count_request("raid1", 2));
  EXPECT_FALSE(p.provider.bdf);
  EXPECT_EQ(member_names(p), (std::vector<std::string>{"nvme0n1", "nvme1n1"}));
  const auto single = make_plan(t, count_request("linear", 1));
  EXPECT_EQ(single.provider.bdf, "0000:01:00.0");
}

TEST(Planner, AcsRedirectLeavesOnlySelfP2p) {
  const auto t = test::load_fixture("acs-redirect");
  const auto p = make_plan(t, count_request("raid1", 2));
  EXPECT_FALSE(p.provider.bdf);
  auto whitelisted = t;
  whitelisted.functions.at("0000:00:00.0").device = 0x2020;
  const auto q = make_plan(whitelisted, count_request("raid1", 2));
  EXPECT_EQ(q.provider.bdf, "0000:03:00.0");
}

TEST(Planner, ParseProvider) {
  EXPECT_EQ(parse_provider("auto").mode, ProviderChoice::Mode::Auto);
  EXPECT_EQ(parse_provider("none").mode, ProviderChoice::Mode::None);
  EXPECT_EQ(parse_provider("0000:03:00.0").bdf, "0000:03:00.0");
  EXPECT_THROW(parse_provider("03:00.0"), std::invalid_argument);
  EXPECT_THROW(parse_provider("yes"), std::invalid_argument);
}

}  // namespace
}  // namespace p2praid::plan
