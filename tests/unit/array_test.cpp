// SPDX-License-Identifier: GPL-2.0-only
// create, assemble, status, replace, check and repair on a fake
// device-mapper and fake block devices; the member layout; assembly rules.
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dm-raid-p2p/superblock.h"
#include "p2praid/arrays.hpp"
#include "p2praid/devnames.hpp"
#include "p2praid/errors.hpp"
#include "p2praid/monitor.hpp"
#include "p2praid/record.hpp"
#include "p2praid/size.hpp"
#include "test_support.hpp"

namespace p2praid::test {
namespace {

using nlohmann::json;

std::vector<std::string> on_switch4(std::vector<std::string> args) {
  args.insert(args.begin(), {"--sysfs-root", fixture_dir("switch4").string()});
  return args;
}

FakeDevices::State four_disks() {
  FakeDevices::State s;
  for (int i = 0; i < 4; ++i) {
    s.devices.push_back(
        fake_disk("nvme" + std::to_string(i) + "n1", 256, "259:" + std::to_string(i)));
  }
  return s;
}

// A member of array `uuid_byte` as create and the target leave it.
void add_member(FakeDevices::State& s, const std::string& disk, const std::string& name,
                unsigned member, unsigned disks, std::uint64_t events, std::uint8_t uuid_byte = 7) {
  const auto layout = array::layout_member(name, disk, 256 * 2048, 16 * units::kMiB);
  FakeDevices devs(s);
  devs.partition(layout.disk_path, layout.script, 2);
  sb::Superblock sb;
  sb.version = 1;
  sb.uuid.fill(uuid_byte);
  sb.events = events;
  sb.level = 1;
  sb.raid_disks = disks;
  sb.member = member;
  sb.data_sectors = 32768;
  sb.array_sectors = 32768;
  s.contents[layout.meta] = sb::encode(sb);
}

// What the target does at the first resume of a new array: it makes up the
// array UUID (all bytes `uuid_byte`) and writes a superblock to every
// member's metadata device.
void target_writes_superblocks(FakeDmClient::State& dm, FakeDevices::State& devs,
                               std::uint8_t uuid_byte = 0xab) {
  dm.on_first_resume = [&devs, uuid_byte](const dm::Target& t) {
    const auto table = dm::parse_target(t.start, t.length, t.type, t.params);
    for (std::size_t i = 0; i < table.devices.size(); ++i) {
      if (table.devices[i].meta == "-") continue;
      sb::Superblock sb;
      sb.version = 1;
      sb.uuid.fill(uuid_byte);
      sb.events = 1;
      sb.level = 1;
      sb.raid_disks = static_cast<std::uint32_t>(table.devices.size());
      sb.member = static_cast<std::uint32_t>(i);
      sb.data_sectors = t.length;
      sb.array_sectors = t.length;
      // Over the first bytes only: the tool's record at the end stays.
      auto& bytes = devs.contents[canonical_path(devs, table.devices[i].meta)];
      const auto super = sb::encode(sb);
      if (bytes.size() < super.size()) bytes.resize(super.size());
      std::copy(super.begin(), super.end(), bytes.begin());
    }
  };
}

constexpr const char* kCreatedUuid = "P2PRAID-abababab-abab-abab-abab-abababababab";

// "MAJ:MIN MAJ:MIN ..." of the fake partitions, as the kernel's table shows them.
std::string devnums(const FakeDevices::State& s, const std::vector<std::string>& names) {
  std::string out;
  for (const auto& n : names) {
    for (const auto& d : s.devices) {
      if (d.name == n) out += (out.empty() ? "" : " ") + d.devnum;
    }
  }
  return out;
}

TEST(Layout, TwoPartitionsOnTheNamespace) {
  const auto m = array::layout_member("r1", "nvme0n1", 256 * 2048, std::nullopt);
  EXPECT_EQ(m.meta, "/dev/nvme0n1p1");
  EXPECT_EQ(m.data, "/dev/nvme0n1p2");
  EXPECT_EQ(m.data_sectors, 250U * 2048);
  EXPECT_EQ(m.script,
            "label: gpt\n"
            "start=2048, size=8192, type=A19D880F-05FC-4D3B-A006-743F0F84911E, "
            "name=\"p2praid-meta:r1\"\n"
            "start=10240, size=512000, type=A19D880F-05FC-4D3B-A006-743F0F84911E, "
            "name=\"p2praid-data:r1\"\n");
  EXPECT_EQ(array::layout_member("r1", "sda", 256 * 2048, 16 * units::kMiB).data, "/dev/sda2");
  try {
    (void)array::layout_member("r1", "nvme0n1", 256 * 2048, 300 * units::kMiB);
    FAIL() << "accepted 300 MiB on a 256 MiB disk";
  } catch (const CommandError& e) {
    EXPECT_NE(std::string(e.what()).find("/dev/nvme0n1: too small for 300 MiB"), std::string::npos)
        << e.what();
  }
}

TEST(Layout, ArrayNames) {
  EXPECT_NO_THROW(array::check_name("data_r1.a-b"));
  EXPECT_THROW(array::check_name(""), UsageError);
  EXPECT_THROW(array::check_name("-x"), UsageError);
  EXPECT_THROW(array::check_name("a/b"), UsageError);
  EXPECT_THROW(array::check_name(std::string(24, 'a')), UsageError);
}

TEST(Create, DryRunChangesNothing) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  const auto r = run_cli(on_switch4({"--reportformat", "json", "create", "r1", "--level", "raid1",
                                     "nvme0n1", "nvme1n1", "--size", "16M", "--dry-run"}),
                         &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["array"]["size"], 16 * units::kMiB);
  EXPECT_EQ(j["members"][1]["data"], "/dev/nvme1n1p2");
  EXPECT_NE(j["table"].get<std::string>().find(
                "2 /dev/nvme0n1p1 /dev/nvme0n1p2 /dev/nvme1n1p1 /dev/nvme1n1p2"),
            std::string::npos)
      << j["table"];
  EXPECT_TRUE(devs.partitioned.empty());
  EXPECT_TRUE(dm.devices.empty());
}

TEST(Create, RefusesWithoutConfirmation) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  auto r =
      run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1"}), &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("pass -y"), std::string::npos) << r.err;
  devs.confirm = false;
  r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1"}), &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: not confirmed; nothing was changed"), std::string::npos) << r.err;
  EXPECT_TRUE(devs.partitioned.empty());
  EXPECT_TRUE(dm.devices.empty());
}

// What libblkid finds on a member is named at the prompt, and warned of
// with -y.
TEST(Create, NamesTheSignaturesItDestroys) {
  auto devs = four_disks();
  devs.signatures["/dev/nvme1n1"] = {"gpt partition table", "ext4 filesystem 'data'"};
  FakeDmClient::State dm;
  devs.confirm = false;
  auto r =
      run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1"}), &dm, &devs);
  EXPECT_EQ(r.status, 5);
  ASSERT_EQ(devs.questions.size(), 1U);
  EXPECT_EQ(devs.questions[0],
            "Destroy all data on /dev/nvme0n1, /dev/nvme1n1 and create r1? /dev/nvme1n1 holds gpt "
            "partition table and ext4 filesystem 'data'.");
  target_writes_superblocks(dm, devs);
  r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "-y"}), &dm,
              &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("warning: /dev/nvme1n1: holds gpt partition table and ext4 filesystem "
                       "'data'; destroying it (-y)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(r.err.find("nvme0n1: holds"), std::string::npos) << r.err;
}

TEST(Create, PartitionsZeroesAndActivates) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  const auto r = run_cli(on_switch4({"create", "r5", "--level", "raid5", "nvme0n1", "nvme1n1",
                                     "nvme2n1", "--size", "16MiB", "--chunk", "64k", "-y"}),
                         &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(devs.partitioned.size(), 3U);
  EXPECT_EQ(devs.partitioned[2].rfind("/dev/nvme2n1\nlabel: gpt\n", 0), 0U);
  EXPECT_EQ(devs.zeroed,
            (std::vector<std::string>{"/dev/nvme0n1p1 0 4194304", "/dev/nvme1n1p1 0 4194304",
                                      "/dev/nvme2n1p1 0 4194304"}));
  ASSERT_EQ(dm.devices.size(), 1U);
  const auto& d = dm.devices[0];
  EXPECT_EQ(d.name, "r5");
  EXPECT_EQ(d.uuid, kCreatedUuid);
  EXPECT_EQ(d.targets[0].length, 65536U);  // 2 data members of 16 MiB
  EXPECT_EQ(d.targets[0].params.rfind("raid5_ls 3 128 p2p_provider ", 0), 0U)
      << d.targets[0].params;
}

// create r1: a 16 MiB raid1 of nvme0n1 and nvme1n1, without a prompt.
Result create_r1(FakeDmClient::State& dm, FakeDevices::State& devs) {
  return run_cli(
      on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "--size", "16M", "-y"}),
      &dm, &devs);
}

// Started without a UUID; once the target has written the superblocks, the
// device gets the UUID that assemble gives the same array.
TEST(Create, TakesTheArrayUuidFromTheSuperblocks) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  auto r = create_r1(dm, devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dm.calls,
            (std::vector<std::string>{"create r1 ", "set_uuid r1 " + std::string(kCreatedUuid)}));
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_EQ(dm.devices[0].uuid, kCreatedUuid);
  // assemble knows the running array as the one on the disks...
  r = run_cli(on_switch4({"--reportformat", "json", "assemble", "r1"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["arrays"][0]["state"], "active as r1");
  // ...and starts it again, once stopped, with the same UUID.
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  r = run_cli(on_switch4({"assemble", "r1"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_EQ(dm.devices[0].uuid, kCreatedUuid);
}

TEST(Create, FailureToSetTheUuidStopsTheArray) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  dm.fail_set_uuid = true;
  auto r = create_r1(dm, devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: cannot set the UUID (fake); r1 was stopped again (the members are "
                       "partitioned; run create again)"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(dm.calls, (std::vector<std::string>{
                          "create r1 ", "set_uuid r1 " + std::string(kCreatedUuid), "remove r1"}));
  EXPECT_TRUE(dm.devices.empty());
  // If stopping fails too, both are reported.
  dm = {};
  target_writes_superblocks(dm, devs);
  dm.fail_set_uuid = true;
  dm.fail_remove = true;
  r = create_r1(dm, devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("cannot set the UUID (fake); stopping r1 failed too: r1: cannot remove"),
            std::string::npos)
      << r.err;
}

TEST(Create, NoSuperblockAfterTheStartStopsTheArray) {
  auto devs = four_disks();
  FakeDmClient::State dm;  // the target writes nothing
  const auto r = create_r1(dm, devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: no member has a readable superblock after the start "
                       "(/dev/nvme1n1p1: no raid-p2p superblock); r1 was stopped again"),
            std::string::npos)
      << r.err;
  EXPECT_EQ(dm.calls, (std::vector<std::string>{"create r1 ", "remove r1"}));
  EXPECT_TRUE(dm.devices.empty());
}

// Without metadata no superblock names the array: a random UUID at once.
TEST(Create, WithoutMetadataARandomUuid) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  const auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1",
                                     "--metadata", "off", "-y"}),
                         &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(dm.calls,
            (std::vector<std::string>{"create r1 P2PRAID-11111111-2222-3333-4444-555555555555"}));
}

TEST(Create, RefusesTakenNamesAndBusyDisks) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  dm.devices.push_back(make_device("r1", "linear", "259:0 0"));
  auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "-y"}),
                   &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: a device-mapper device of that name exists"), std::string::npos);
  devs.devices[1].holders = {"dm-0"};
  r = run_cli(on_switch4({"create", "r2", "--level", "raid1", "nvme0n1", "nvme1n1", "-y"}), &dm,
              &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme1n1: in use (nvme1n1 is held by dm-0)"), std::string::npos)
      << r.err;
  devs.devices[1].holders.clear();
  devs.busy.insert("/dev/nvme0n1");
  r = run_cli(on_switch4({"create", "r2", "--level", "raid1", "nvme0n1", "nvme1n1", "-y"}), &dm,
              &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme0n1: in use (mounted, or open by another program)"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(devs.partitioned.empty());
  EXPECT_EQ(run_cli({"create", "bad/name", "--level", "raid1", "nvme0n1", "-y"}).status, 3);
}

TEST(Assemble, ScanFindsAndOrdersMembers) {
  auto devs = four_disks();
  add_member(devs, "nvme2n1", "r1", 1, 2, 10);
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  FakeDmClient::State dm;
  const auto r = run_cli({"--reportformat", "json", "assemble", "--scan"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_EQ(dm.devices[0].name, "r1");
  EXPECT_EQ(dm.devices[0].uuid, "P2PRAID-07070707-0707-0707-0707-070707070707");
  EXPECT_NE(dm.devices[0].targets[0].params.find(
                "2 /dev/nvme0n1p1 /dev/nvme0n1p2 /dev/nvme2n1p1 /dev/nvme2n1p2"),
            std::string::npos)
      << dm.devices[0].targets[0].params;
  EXPECT_EQ(json::parse(r.out)["arrays"][0]["state"], "assembled");
  // Again: the array runs already.
  const auto again = run_cli({"--reportformat", "json", "assemble", "r1"}, &dm, &devs);
  ASSERT_EQ(again.status, 0) << again.err;
  EXPECT_EQ(json::parse(again.out)["arrays"][0]["state"], "active as r1");
  EXPECT_EQ(dm.devices.size(), 1U);
}

TEST(Assemble, MissingMemberNeedsDegraded) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 4);  // stale
  FakeDmClient::State dm;
  auto r = run_cli({"assemble", "r1"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("left out /dev/nvme1n1p1: stale superblock (events 4, array 10)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("r1: member 1 (/dev/nvme1n1p1 was left out) of 2 missing"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("--degraded"), std::string::npos);
  EXPECT_TRUE(dm.devices.empty());
  r = run_cli({"assemble", "r1", "--degraded"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_NE(dm.devices[0].targets[0].params.find("2 /dev/nvme0n1p1 /dev/nvme0n1p2 - -"),
            std::string::npos);
}

// A raid5 member as the target leaves it when the power goes while member
// `rebuilding` is rebuilt and the array is written: dirty, no resync under
// way, that member's recovery checkpoint part of the way.
void add_raid5_member(FakeDevices::State& s, const std::string& disk, unsigned member,
                      unsigned rebuilding) {
  constexpr std::uint64_t kMaxSector = UINT64_MAX;
  const auto layout = array::layout_member("r5", disk, 256 * 2048, 16 * units::kMiB);
  FakeDevices devs(s);
  devs.partition(layout.disk_path, layout.script, 2);
  sb::Superblock sb;
  sb.version = 1;
  sb.uuid.fill(9);
  sb.events = 20;
  sb.level = 5;
  sb.layout = 2;  // left-symmetric
  sb.chunk_sectors = 128;
  sb.raid_disks = 3;
  sb.member = member;
  sb.flags = RP_SB_F_DIRTY;
  sb.data_sectors = 32768;
  sb.array_sectors = 65536;
  sb.resync_offset = kMaxSector;
  sb.recovery_offset = member == rebuilding ? 4096 : kMaxSector;
  s.contents[layout.meta] = sb::encode(sb);
}

// The target refuses a dirty raid5 whose member was being rebuilt (the
// write hole); assemble says so first, naming the member and --force, and
// with --force starts it with start_dirty_degraded.
TEST(Assemble, DirtyDegradedRaid5NeedsForce) {
  auto devs = four_disks();
  add_raid5_member(devs, "nvme0n1", 0, 1);
  add_raid5_member(devs, "nvme1n1", 1, 1);
  add_raid5_member(devs, "nvme2n1", 2, 1);
  FakeDmClient::State dm;
  auto r = run_cli({"assemble", "r5"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r5: not stopped cleanly while member 1 (/dev/nvme1n1p1) was being "
                       "rebuilt. The raid5_ls parity of the stripes being written then may not "
                       "match their data"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("'p2praid-tool assemble r5 --force'"), std::string::npos) << r.err;
  EXPECT_TRUE(dm.devices.empty());
  r = run_cli({"assemble", "r5", "--force"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_NE(dm.devices[0].targets[0].params.find("start_dirty_degraded 3 /dev/nvme0n1p1"),
            std::string::npos)
      << dm.devices[0].targets[0].params;
  EXPECT_NE(r.err.find("r5: starting it not stopped cleanly while member 1"), std::string::npos)
      << r.err;
}

// Clean, or dirty with every member in sync: it starts as it is.
TEST(Assemble, DirtyRaid5InSyncStartsWithoutForce) {
  auto devs = four_disks();
  for (unsigned i = 0; i < 3; ++i) add_raid5_member(devs, "nvme" + std::to_string(i) + "n1", i, 9);
  FakeDmClient::State dm;
  const auto r = run_cli({"assemble", "r5"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_EQ(dm.devices[0].targets[0].params.find("start_dirty_degraded"), std::string::npos);
}

TEST(Assemble, ConflictsCorruptionAndDryRun) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  add_member(devs, "nvme2n1", "r1", 1, 2, 9);  // a second member 1, older
  add_member(devs, "nvme3n1", "x", 0, 1, 1, 9);
  devs.contents["/dev/nvme3n1p1"][0x30] ^= 1;  // bad checksum
  FakeDmClient::State dm;
  const auto r = run_cli({"--reportformat", "json", "assemble", "--scan", "--dry-run"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.err.find("/dev/nvme3n1p1: corrupt superblock (bad checksum); left out"),
            std::string::npos)
      << r.err;
  const auto j = json::parse(r.out);
  ASSERT_EQ(j["arrays"].size(), 1U);
  EXPECT_EQ(j["arrays"][0]["state"], "would assemble");
  EXPECT_NE(j["arrays"][0]["left_out"][0].get<std::string>().find(
                "/dev/nvme2n1p1: conflicts with /dev/nvme1n1p1 as member 1"),
            std::string::npos);
  EXPECT_TRUE(dm.devices.empty());
  EXPECT_EQ(run_cli({"assemble"}, &dm, &devs).status, 3);
  EXPECT_EQ(run_cli({"assemble", "nope"}, &dm, &devs).status, 5);
}

// As non-root, opening the devices fails with EACCES: that is reported,
// naming the device, not taken for "no member found".
TEST(Assemble, ReportsPermissionErrors) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  for (const auto& d : devs.devices) devs.denied.insert(d.path);
  FakeDmClient::State dm;
  for (const auto& args :
       std::vector<std::vector<std::string>>{{"assemble", "r1"}, {"assemble", "--scan"}}) {
    const auto r = run_cli(args, &dm, &devs);
    EXPECT_EQ(r.status, 5);
    EXPECT_NE(r.err.find("/dev/nvme0n1: permission denied; run p2praid-tool as root"),
              std::string::npos)
        << r.err;
    EXPECT_EQ(r.err.find("no raid-p2p member"), std::string::npos) << r.err;
  }
  EXPECT_TRUE(dm.devices.empty());
}

// --- assemble with a config file ------------------------------------------------

// A config file in the temporary directory, removed at the end.
class ConfigFile {
 public:
  explicit ConfigFile(const std::string& text)
      : path_(std::filesystem::temp_directory_path() /
              ("p2praid-array-" + std::to_string(::getpid()) + ".conf")) {
    std::ofstream(path_) << text;
  }
  ConfigFile(const ConfigFile&) = delete;
  ConfigFile& operator=(const ConfigFile&) = delete;
  ConfigFile(ConfigFile&&) = delete;
  ConfigFile& operator=(ConfigFile&&) = delete;
  ~ConfigFile() { std::filesystem::remove(path_); }

  std::string path() const { return path_.string(); }

 private:
  std::filesystem::path path_;
};

constexpr const char* kUuid7 = "07070707-0707-0707-0707-070707070707";
constexpr const char* kUuid9 = "09090909-0909-0909-0909-090909090909";

// r1 (UUID 7) on nvme0n1 and nvme1n1, x (UUID 9) on nvme2n1 and nvme3n1.
FakeDevices::State two_stopped_arrays() {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  add_member(devs, "nvme2n1", "x", 0, 2, 5, 9);
  add_member(devs, "nvme3n1", "x", 1, 2, 5, 9);
  return devs;
}

std::vector<std::string> names_of(const FakeDmClient::State& dm) {
  std::vector<std::string> out;
  for (const auto& d : dm.devices) out.push_back(d.name + " " + d.uuid);
  return out;
}

TEST(AssembleConfig, ArrayLinesChooseTheArraysAndNameThem) {
  auto devs = two_stopped_arrays();
  FakeDmClient::State dm;
  // Without a config, --scan starts both.
  auto r = run_cli({"assemble", "--scan"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), (std::vector<std::string>{"r1 P2PRAID-" + std::string(kUuid7),
                                                    "x P2PRAID-" + std::string(kUuid9)}));
  dm.devices.clear();
  const ConfigFile conf("# only r1, as data\nARRAY data uuid=" + std::string(kUuid7) +
                        " level=raid1\n");
  r = run_cli({"--config", conf.path(), "assemble", "--scan"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), (std::vector<std::string>{"data P2PRAID-" + std::string(kUuid7)}));
  EXPECT_EQ(r.err, "p2praid-tool: warning: data: " + conf.path() + ":2 names the array " + kUuid7 +
                       " so; its partition labels name it 'r1'; assembling it as data\n");
  // assemble NAME takes the UUID of NAME's line.
  dm.devices.clear();
  r = run_cli({"-q", "--config", conf.path(), "assemble", "data"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), (std::vector<std::string>{"data P2PRAID-" + std::string(kUuid7)}));
}

TEST(AssembleConfig, ReportsANameWhoseUuidDiffers) {
  auto devs = two_stopped_arrays();
  FakeDmClient::State dm;
  const std::string other = "0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15";
  const ConfigFile conf("ARRAY r1 uuid=" + other + "\nARRAY x uuid=" + kUuid9 + "\n");
  const auto r = run_cli({"--config", conf.path(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_EQ(names_of(dm), (std::vector<std::string>{"x P2PRAID-" + std::string(kUuid9)}));
  EXPECT_NE(r.err.find("warning: r1: its members have the UUID " + std::string(kUuid7) + ", but " +
                       conf.path() + ":1 gives r1 the UUID " + other +
                       "; left alone (correct the ARRAY line if this is the array)"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("error: r1: no member with the UUID " + other + " of " + conf.path() +
                       ":1 found; connect its drives, or remove the ARRAY line"),
            std::string::npos)
      << r.err;
}

TEST(AssembleConfig, DeviceLinesLimitWhatIsRead) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme2n1", "r1", 1, 2, 10);
  FakeDmClient::State dm;
  const ConfigFile conf("DEVICE /dev/nvme0n1 /dev/nvme1n1\n");
  auto r = run_cli({"--config", conf.path(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: member 1 of 2 missing"), std::string::npos) << r.err;
  r = run_cli({"--config", conf.path(), "assemble", "--scan", "--degraded"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_NE(dm.devices[0].targets[0].params.find("2 /dev/nvme0n1p1 /dev/nvme0n1p2 - -"),
            std::string::npos)
      << dm.devices[0].targets[0].params;
  dm.devices.clear();
  const ConfigFile all("DEVICE /dev/nvme0n1\nDEVICE partitions\n");
  r = run_cli({"--config", all.path(), "assemble", "--scan"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(dm.devices.at(0).targets[0].params.find("/dev/nvme2n1p2"), std::string::npos);
}

TEST(AssembleConfig, DevicesAndLevelOfAnArrayLine) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme2n1", "r1", 1, 2, 10);
  FakeDmClient::State dm;
  const ConfigFile conf("ARRAY r1 uuid=" + std::string(kUuid7) +
                        " devices=/dev/nvme0n1*,/dev/nvme1n1*\n");
  auto r = run_cli({"--config", conf.path(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("warning: /dev/nvme2n1p1: a member of r1 that devices= of " + conf.path() +
                       ":1 does not name; left out"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(dm.devices.empty());
  const ConfigFile raid5("ARRAY r1 uuid=" + std::string(kUuid7) + " level=raid5\n");
  r = run_cli({"--config", raid5.path(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_EQ(r.err, "p2praid-tool: error: r1: level=raid5 in " + raid5.path() +
                       ":1, but its members are raid1; correct the ARRAY line ('p2praid-tool "
                       "mkconf' prints one)\n");
  EXPECT_TRUE(dm.devices.empty());
}

// The config that mkconf writes starts the same arrays under the same names.
// assemble --incremental DEVICE, as the udev rule runs it for each
// metadata partition that appears.
TEST(AssembleIncremental, StartsOnlyThatArrayOnceComplete) {
  auto devs = two_stopped_arrays();
  FakeDmClient::State dm;
  auto r = run_cli({"assemble", "--incremental", "/dev/nvme0n1p1"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), std::vector<std::string>{"r1 P2PRAID-" + std::string(kUuid7)});
  EXPECT_NE(r.out.find("assembled"), std::string::npos) << r.out;
  // The second member's event finds it running.
  r = run_cli({"assemble", "--incremental", "/dev/nvme1n1p1"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("active as r1"), std::string::npos) << r.out;
  EXPECT_EQ(dm.devices.size(), 1U);
}

TEST(AssembleIncremental, WaitsForTheLastMemberUnlessDegraded) {
  auto devs = two_stopped_arrays();
  devs.contents.erase("/dev/nvme1n1p1");  // member 1 not there yet
  FakeDmClient::State dm;
  auto r = run_cli({"assemble", "--incremental", "/dev/nvme0n1p1"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("waiting for 1 of 2 members"), std::string::npos) << r.out;
  EXPECT_TRUE(dm.devices.empty());
  r = run_cli({"assemble", "--incremental", "/dev/nvme0n1p1", "--degraded"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("assembled degraded"), std::string::npos) << r.out;
  EXPECT_EQ(names_of(dm), std::vector<std::string>{"r1 P2PRAID-" + std::string(kUuid7)});
}

TEST(AssembleIncremental, LeavesWhatIsNoMemberOrNotInTheConfig) {
  auto devs = two_stopped_arrays();
  FakeDmClient::State dm;
  // A data partition has no superblock: nothing to do, and no error.
  auto r = run_cli({"assemble", "--incremental", "/dev/nvme0n1p2"}, &dm, &devs);
  EXPECT_EQ(r.status, 0) << r.err;
  r = run_cli({"assemble", "--incremental", "/dev/nvme1n1p2"}, &dm, &devs);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(dm.devices.empty());
  EXPECT_TRUE(dm.calls.empty());
  // With ARRAY lines, only their arrays start, under their names.
  const ConfigFile conf("ARRAY data uuid=" + std::string(kUuid9) + "\n");
  r = run_cli({"--config", conf.path(), "assemble", "--incremental", "/dev/nvme0n1p1"}, &dm, &devs);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(dm.devices.empty());
  r = run_cli({"--config", conf.path(), "assemble", "--incremental", "/dev/nvme3n1p1"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), std::vector<std::string>{"data P2PRAID-" + std::string(kUuid9)});
  // Not with NAME or --scan.
  r = run_cli({"assemble", "--scan", "--incremental", "/dev/nvme0n1p1"}, &dm, &devs);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--incremental takes neither a NAME nor --scan"), std::string::npos)
      << r.err;
}

// An array created with --metadata off has no superblock: --incremental
// on its metadata partition finds the array by the tool's record there, as
// assemble --scan does.
class AssembleIncrementalWithoutMetadata : public ::testing::Test {
 protected:
  void SetUp() override {
    devs_ = four_disks();
    const auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1",
                                       "--size", "16M", "--metadata", "off", "-y"}),
                           &dm_, &devs_);
    ASSERT_EQ(r.status, 0) << r.err;
    table_ = dm_.devices.at(0).targets.at(0).params;
    // No metadata devices.
    EXPECT_NE(table_.find(" 2 - /dev/nvme0n1p2 - /dev/nvme1n1p2"), std::string::npos) << table_;
    ASSERT_EQ(run_cli({"stop", "r1"}, &dm_, &devs_).status, 0);
  }

  // Takes `disk` and its partitions out of the block devices; returns them.
  std::vector<blk::BlockDevice> unplug(const std::string& disk) {
    std::vector<blk::BlockDevice> out;
    for (const auto& d : devs_.devices) {
      if (d.disk == disk) out.push_back(d);
    }
    std::erase_if(devs_.devices, [&](const blk::BlockDevice& d) { return d.disk == disk; });
    return out;
  }

  Result incremental(const std::string& device, const std::vector<std::string>& more = {}) {
    std::vector<std::string> args = {"assemble", "--incremental", device};
    args.insert(args.begin(), more.begin(), more.end());
    return run_cli(on_switch4(args), &dm_, &devs_);
  }

  static constexpr const char* kId = "11111111-2222-3333-4444-555555555555";
  FakeDevices::State devs_;
  FakeDmClient::State dm_;
  std::string table_;
};

TEST_F(AssembleIncrementalWithoutMetadata, WaitsThenStartsOnceComplete) {
  const auto second = unplug("nvme1n1");
  auto r = incremental("/dev/nvme0n1p1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("waiting for 1 of 2 members"), std::string::npos) << r.out;
  EXPECT_TRUE(dm_.devices.empty());
  devs_.devices.insert(devs_.devices.end(), second.begin(), second.end());
  r = incremental("/dev/nvme1n1p1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm_), std::vector<std::string>{"r1 P2PRAID-" + std::string(kId)});
  EXPECT_EQ(dm_.devices.at(0).targets.at(0).params, table_);
}

TEST_F(AssembleIncrementalWithoutMetadata, LeavesARunningArrayAlone) {
  auto r = run_cli(on_switch4({"assemble", "r1"}), &dm_, &devs_);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm_), std::vector<std::string>{"r1 P2PRAID-" + std::string(kId)});
  const auto calls = dm_.calls;
  r = incremental("/dev/nvme1n1p1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("active as r1"), std::string::npos) << r.out;
  EXPECT_EQ(dm_.calls, calls);
  EXPECT_EQ(dm_.devices.size(), 1U);
}

TEST_F(AssembleIncrementalWithoutMetadata, DegradedStartsWithTheMembersThere) {
  unplug("nvme1n1");
  const auto r = incremental("/dev/nvme0n1p1");
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(dm_.devices.empty());
  const auto d = run_cli(on_switch4({"assemble", "--incremental", "/dev/nvme0n1p1", "--degraded"}),
                         &dm_, &devs_);
  ASSERT_EQ(d.status, 0) << d.err;
  EXPECT_NE(d.out.find("assembled degraded"), std::string::npos) << d.out;
  EXPECT_NE(dm_.devices.at(0).targets.at(0).params.find(" 2 - /dev/nvme0n1p2 - -"),
            std::string::npos)
      << dm_.devices.at(0).targets.at(0).params;
}

TEST_F(AssembleIncrementalWithoutMetadata, FollowsTheConfig) {
  // DEVICE lines limit which members are read: the other one is missing.
  const ConfigFile devices("DEVICE /dev/nvme0n1*\n");
  auto r = incremental("/dev/nvme0n1p1", {"--config", devices.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("waiting for 1 of 2 members"), std::string::npos) << r.out;
  EXPECT_TRUE(dm_.devices.empty());
  // With ARRAY lines, only their arrays start, under their names.
  const ConfigFile other("ARRAY x uuid=" + std::string(kUuid9) + "\n");
  r = incremental("/dev/nvme0n1p1", {"--config", other.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_TRUE(dm_.devices.empty());
  const ConfigFile named("ARRAY data uuid=" + std::string(kId) + "\n");
  r = incremental("/dev/nvme0n1p1", {"--config", named.path()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm_), std::vector<std::string>{"data P2PRAID-" + std::string(kId)});
}

// Data partitions hold neither a superblock nor a record: nothing to do.
TEST_F(AssembleIncrementalWithoutMetadata, DataPartitionsAreNoOps) {
  const auto calls = dm_.calls;
  for (const auto* p : {"/dev/nvme0n1p2", "/dev/nvme1n1p2"}) {
    const auto r = incremental(p);
    EXPECT_EQ(r.status, 0) << r.err;
  }
  EXPECT_TRUE(dm_.devices.empty());
  EXPECT_EQ(dm_.calls, calls);
}

TEST(AssembleConfig, MkconfThenAssembleScan) {
  auto devs = two_stopped_arrays();
  FakeDmClient::State dm;
  ASSERT_EQ(run_cli({"assemble", "r1"}, &dm, &devs).status, 0);
  const ConfigFile conf("");
  auto r = run_cli({"mkconf", "-o", conf.path()}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(read_text(conf.path())
                .find("DEVICE partitions\nARRAY r1 uuid=" + std::string(kUuid7) + " level=raid1\n"),
            std::string::npos)
      << read_text(conf.path());
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  r = run_cli({"--config", conf.path(), "assemble", "--scan"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(names_of(dm), (std::vector<std::string>{"r1 P2PRAID-" + std::string(kUuid7)}));
}

TEST(Blockdev, OpenErrors) {
  EXPECT_THROW(blk::throw_open_error("/dev/nvme0n1", EACCES), PermissionError);
  EXPECT_THROW(blk::throw_open_error("/dev/nvme0n1", EPERM), PermissionError);
  try {
    blk::throw_open_error("/dev/nvme0n1", ENOENT);
  } catch (const PermissionError&) {
    FAIL() << "ENOENT taken for a permission error";
  } catch (const CommandError& e) {
    EXPECT_EQ(std::string(e.what()), "/dev/nvme0n1: cannot open: No such file or directory");
  }
}

TEST(Status, ReportsHealthSyncAndCounters) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  FakeDmClient::State dm;
  const std::string members = devnums(devs, {"nvme0n1p1", "nvme0n1p2", "nvme1n1p1", "nvme1n1p2"});
  dm.devices.push_back(make_device("r1", "raid-p2p", "raid1 1 0 2 " + members, 32768));
  dm.status["r1"] = "raid1 2 Aa 8192/32768 recover 0 0 - 12 3 none 5 1";
  const auto r = run_cli({"--reportformat", "json", "status", "r1"}, &dm, &devs);
  ASSERT_EQ(r.status, 1) << r.err;  // degraded while member 1 is rebuilt
  const auto j = json::parse(r.out);
  EXPECT_EQ(j["arrays"][0]["sync"], "25.0%");
  EXPECT_EQ(j["arrays"][0]["sync_action"], "recover");
  EXPECT_EQ(j["arrays"][0]["health"], "Aa");
  EXPECT_EQ(j["members"][1]["health"], "syncing");
  EXPECT_EQ(j["members"][1]["device"], "/dev/nvme1n1p2");
  EXPECT_EQ(j["p2p_counters"][0]["counter"], "p2p_bios");
  EXPECT_EQ(j["p2p_counters"][0]["value"], 5);
  dm.status["r1"] = "raid1 2 Aa garbage";
  EXPECT_EQ(run_cli({"status", "r1"}, &dm, &devs).status, 5);
  EXPECT_EQ(run_cli({"status", "nope"}, &dm, &devs).status, 5);
}

// status exits like mdadm --detail --test: 0 healthy, 1 degraded, 2 failed,
// 5 when an array cannot be read; of several arrays, the worst.
TEST(Status, ExitCodesSayTheHealth) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  const std::string members = devnums(devs, {"nvme0n1p1", "nvme0n1p2", "nvme1n1p1", "nvme1n1p2"});
  const auto with_status = [&](const std::string& type, const std::string& line) {
    FakeDmClient::State dm;
    dm.devices.push_back(make_device("r1", "raid-p2p", type + " 1 0 2 " + members, 32768));
    dm.status["r1"] = line;
    return dm;
  };
  const auto state = [&](FakeDmClient::State dm, int code) {
    const auto r = run_cli({"--reportformat", "json", "status", "r1"}, &dm, &devs);
    EXPECT_EQ(r.status, code) << r.err;
    return r.status == 5 ? std::string()
                         : json::parse(r.out)["arrays"][0]["state"].get<std::string>();
  };
  EXPECT_EQ(state(with_status("raid1", "raid1 2 AA 32768/32768 idle 0 0 - 10 3 none 0 0"), 0),
            "healthy");
  // The first resync: no member is in sync yet, and the data is there.
  EXPECT_EQ(state(with_status("raid1", "raid1 2 aa 8192/32768 resync 0 0 - 10 3 none 0 0"), 0),
            "healthy");
  EXPECT_EQ(state(with_status("raid1", "raid1 2 Aa 8192/32768 recover 0 0 - 10 3 none 0 0"), 1),
            "degraded");
  EXPECT_EQ(state(with_status("raid1", "raid1 2 AD 32768/32768 idle 0 0 - 10 3 none 0 0"), 1),
            "degraded");
  EXPECT_EQ(state(with_status("raid1", "raid1 2 -D 32768/32768 idle 0 0 - 10 3 none 0 0"), 2),
            "failed");
  EXPECT_EQ(state(with_status("raid0", "raid0 2 AD 32768/32768 idle 0 0 - 10 3 none 0 0"), 2),
            "failed");
  EXPECT_EQ(state(with_status("raid1", "raid1 2 AA garbage"), 5), "");

  // Every array: the worst; an unreadable one is named and the others shown.
  auto dm = with_status("raid1", "raid1 2 AD 32768/32768 idle 0 0 - 10 3 none 0 0");
  dm.devices.push_back(make_device("r2", "raid-p2p", "raid0 1 0 2 " + members, 32768));
  dm.status["r2"] = "raid0 2 AA 32768/32768 idle 0 0 - 10 3 none 0 0";
  auto r = run_cli({"status"}, &dm, &devs);
  EXPECT_EQ(r.status, 1) << r.err;
  dm.status["r2"] = "raid0 2 A- 32768/32768 idle 0 0 - 10 3 none 0 0";
  EXPECT_EQ(run_cli({"status"}, &dm, &devs).status, 2);
  dm.status["r2"] = "raid0 2";
  r = run_cli({"--reportformat", "json", "status"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r2: cannot read the target's status"), std::string::npos) << r.err;
  EXPECT_EQ(json::parse(r.out)["arrays"].size(), 1U);
}

TEST(SyncActions, CheckRepairAndReplace) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "r1", 0, 2, 10);
  add_member(devs, "nvme1n1", "r1", 1, 2, 10);
  FakeDmClient::State dm;
  const std::string member0 = devnums(devs, {"nvme0n1p1", "nvme0n1p2"});
  const std::string members = member0 + " " + devnums(devs, {"nvme1n1p1", "nvme1n1p2"});
  dm.devices.push_back(
      make_device("r1", "raid-p2p", "raid1 3 0 p2p_provider none 2 " + members, 32768));
  dm.status["r1"] = "raid1 2 AA 32768/32768 idle 0 0 - 10 3 none 0 0";
  ASSERT_EQ(run_cli({"check", "r1"}, &dm, &devs).status, 0);
  ASSERT_EQ(run_cli({"repair", "r1"}, &dm, &devs).status, 0);
  EXPECT_EQ(dm.messages, (std::vector<std::string>{"r1 check", "r1 repair"}));
  auto r = run_cli({"replace", "r1", "/dev/nvme1n1p2", "/dev/nvme3n1", "-y"}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.reloads.size(), 1U);
  EXPECT_EQ(dm.reloads[0], "r1 0 32768 raid-p2p raid1 5 0 p2p_provider none rebuild 1 2 " +
                               member0 + " /dev/nvme3n1p1 /dev/nvme3n1p2");
  ASSERT_EQ(devs.partitioned.size(), 3U);
  EXPECT_NE(devs.partitioned.back().find("size=32768"), std::string::npos);
  r = run_cli({"replace", "r1", "/dev/nvme9n1", "/dev/nvme3n1", "-y"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme9n1: not a member of r1"), std::string::npos) << r.err;
}

// --- replace ------------------------------------------------------------------

// A running raid1 of nvme0n1 to nvme{members-1}n1 as the target shows it:
// its live table, with `params` after the chunk size, names the members
// by MAJOR:MINOR; its status says `health`, `action` and `ratio`.
struct Running {
  FakeDevices::State devs = four_disks();
  FakeDmClient::State dm;
};

Running running_raid1(unsigned members, const std::string& params, const std::string& health = "",
                      const std::string& action = "idle",
                      const std::string& ratio = "32768/32768") {
  Running r;
  std::string devs;
  for (unsigned i = 0; i < members; ++i) {
    const std::string disk = "nvme" + std::to_string(i) + "n1";
    add_member(r.devs, disk, "r1", i, members, 10);
    devs += " " + devnums(r.devs, {disk + "p1", disk + "p2"});
  }
  const auto words = std::count(params.begin(), params.end(), ' ') + 3;
  r.dm.devices.push_back(make_device("r1", "raid-p2p",
                                     "raid1 " + std::to_string(words) + " 0 p2p_provider none" +
                                         params + " " + std::to_string(members) + devs,
                                     32768));
  const std::string chars = health.empty() ? std::string(members, 'A') : health;
  r.dm.status["r1"] = "raid1 " + std::to_string(members) + " " + chars + " " + ratio + " " +
                      action + " 0 0 - 10 3 none 0 0";
  return r;
}

// The target writes 'rebuild N' back into its table: a second replace must
// not carry the first one's rebuild into the new table.
TEST(Replace, DropsTheLastReplacesRebuild) {
  auto r = running_raid1(3, " rebuild 2");
  const auto res = run_cli({"replace", "r1", "0", "/dev/nvme3n1", "-y"}, &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  ASSERT_EQ(r.dm.reloads.size(), 1U);
  EXPECT_NE(r.dm.reloads[0].find("raid1 5 0 p2p_provider none rebuild 0 3 "), std::string::npos)
      << r.dm.reloads[0];
  EXPECT_EQ(r.dm.reloads[0].find("rebuild 2"), std::string::npos) << r.dm.reloads[0];
}

// sync and nosync are creation-time words the target refuses beside rebuild.
TEST(Replace, DropsSyncWords) {
  auto r = running_raid1(2, " nosync");
  const auto res = run_cli({"replace", "r1", "1", "/dev/nvme3n1", "-y"}, &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  ASSERT_EQ(r.dm.reloads.size(), 1U);
  EXPECT_NE(r.dm.reloads[0].find("raid1 5 0 p2p_provider none rebuild 1 2 "), std::string::npos)
      << r.dm.reloads[0];
}

// A table the target would refuse is refused before NEW is touched: here
// the other member of a two-way mirror is missing from the table.
TEST(Replace, RefusesAnUnrunnableTableBeforeWriting) {
  auto r = running_raid1(2, "", "A-");
  auto& params = r.dm.devices[0].targets[0].params;
  params = params.substr(0, params.rfind(" 2 ") + 3) + devnums(r.devs, {"nvme0n1p1", "nvme0n1p2"}) +
           " - -";
  const auto res = run_cli({"replace", "r1", "0", "/dev/nvme3n1", "-y"}, &r.dm, &r.devs);
  EXPECT_EQ(res.status, 5);
  EXPECT_NE(res.err.find("r1: raid1 cannot rebuild member 0 while member 1 is missing"),
            std::string::npos)
      << res.err;
  EXPECT_EQ(r.devs.partitioned.size(), 2U);  // only the members' own layout
  EXPECT_TRUE(r.dm.reloads.empty());
}

TEST(Replace, RebuildTableAndRedundancyRules) {
  const auto r6 = dm::parse_table(
      "0 65536 raid-p2p raid6_zr 7 128 p2p_provider none rebuild 3 rebuild 1 4 - 1:1 - 1:2 - 1:3 "
      "- 1:4");
  const auto t = array::rebuild_table(r6, 2, {"-", "/dev/new"});
  EXPECT_EQ(dm::format_table(t),
            "0 65536 raid-p2p raid6_zr 5 128 p2p_provider none rebuild 2 4 - 1:1 - 1:2 - /dev/new "
            "- 1:4");
  // assemble --force's start_dirty_degraded is for one start: dropped too.
  const auto forced = dm::parse_table(
      "0 65536 raid-p2p raid6_zr 4 128 p2p_provider none start_dirty_degraded 4 - 1:1 - 1:2 - "
      "1:3 - 1:4");
  EXPECT_EQ(dm::format_table(array::rebuild_table(forced, 2, {"-", "/dev/new"})),
            "0 65536 raid-p2p raid6_zr 5 128 p2p_provider none rebuild 2 4 - 1:1 - 1:2 - /dev/new "
            "- 1:4");
  EXPECT_NO_THROW(array::check_rebuild("r6", r6, 0, {{1, "failed"}}));
  try {
    array::check_rebuild("r6", r6, 0, {{1, "failed"}, {3, "missing"}});
    FAIL() << "raid6 rebuilt with three members out";
  } catch (const CommandError& e) {
    EXPECT_NE(std::string(e.what()).find("r6: raid6_zr cannot rebuild member 0 while member 1 is "
                                         "failed and member 3 is missing"),
              std::string::npos)
        << e.what();
  }
  const auto r10 = dm::parse_table(
      "0 65536 raid-p2p raid10 5 128 raid10_copies 2 raid10_format near 4 - 1:1 - 1:2 - 1:3 - "
      "1:4");
  EXPECT_THROW(array::check_rebuild("r10", r10, 0, {{1, "failed"}}), CommandError);
  EXPECT_NO_THROW(array::check_rebuild("r10", r10, 0, {{2, "failed"}}));
  const auto r0 = dm::parse_table("0 65536 raid-p2p raid0 1 128 2 - 1:1 - 1:2");
  EXPECT_THROW(array::check_rebuild("r0", r0, 0, {}), CommandError);
}

// replace r1 OLD NEW -y on `r`; expects a refusal containing `message`
// and that nothing was written to any drive.
void expect_refused(Running& r, const std::string& old_member, const std::string& new_member,
                    const std::string& message) {
  const auto partitioned = r.devs.partitioned.size();
  const auto res = run_cli({"replace", "r1", old_member, new_member, "-y"}, &r.dm, &r.devs);
  EXPECT_EQ(res.status, 5) << old_member << " " << new_member;
  EXPECT_NE(res.err.find(message), std::string::npos) << res.err;
  EXPECT_EQ(r.devs.partitioned.size(), partitioned) << res.err;
  EXPECT_TRUE(r.devs.zeroed.empty()) << res.err;
  EXPECT_TRUE(r.dm.reloads.empty()) << res.err;
}

TEST(Replace, RefusesWhileTheArraySyncs) {
  auto r = running_raid1(2, "", "AA", "resync", "100/32768");
  expect_refused(r, "1", "/dev/nvme3n1",
                 "r1: a resync is running (0.3% done); wait until 'p2praid-tool status r1' shows "
                 "the array idle and in sync, then replace");
  r = running_raid1(3, " rebuild 2", "AAa", "recover", "8192/32768");
  expect_refused(r, "0", "/dev/nvme3n1", "r1: a recover is running (25.0% done)");
  // Idle, but a member not in sync: the array has not finished rebuilding it.
  r = running_raid1(3, "", "AaA", "idle", "8192/32768");
  expect_refused(r, "0", "/dev/nvme3n1",
                 "r1: member 1 is not in sync (25.0% done); wait until 'p2praid-tool status r1'");
}

TEST(Replace, TakesTheFailedMember) {
  auto r = running_raid1(2, "", "AD", "idle", "32768/32768");
  const auto res = run_cli({"replace", "r1", "1", "/dev/nvme3n1", "-y"}, &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  ASSERT_EQ(r.dm.reloads.size(), 1U);
  // The failed member is out of service: the other one cannot be replaced.
  r = running_raid1(2, "", "AD", "idle", "32768/32768");
  expect_refused(r, "0", "/dev/nvme3n1",
                 "r1: raid1 cannot rebuild member 0 while member 1 is failed");
}

TEST(Replace, NamesTheSignaturesOfTheNewDrive) {
  auto r = running_raid1(2, "", "AD", "idle", "32768/32768");
  r.devs.signatures["/dev/nvme3n1"] = {"xfs filesystem"};
  r.devs.confirm = false;
  const auto res = run_cli({"replace", "r1", "1", "/dev/nvme3n1"}, &r.dm, &r.devs);
  EXPECT_EQ(res.status, 5);
  ASSERT_EQ(r.devs.questions.size(), 1U);
  EXPECT_EQ(r.devs.questions[0],
            "Destroy all data on /dev/nvme3n1 and rebuild member 1 of r1 on it? /dev/nvme3n1 "
            "holds xfs filesystem.");
  EXPECT_TRUE(r.dm.reloads.empty());
}

TEST(Replace, RefusesAnOldThatIsNoMember) {
  auto r = running_raid1(2, "");
  expect_refused(r, "/dev/nvme9n1", "/dev/nvme3n1", "/dev/nvme9n1: not a member of r1");
  expect_refused(r, "2", "/dev/nvme3n1", "2: not a member of r1 (its members are 0 to 1)");
  expect_refused(r, "/dev/nvme3n1", "/dev/nvme2n1", "/dev/nvme3n1: not a member of r1");
  // An index past what std::stoul takes is no member either, not "stoul".
  expect_refused(r, "99999999999999999999999", "/dev/nvme3n1",
                 "99999999999999999999999: not a member of r1 (its members are 0 to 1)");
}

// A live table this tool cannot read is named, not reported as the parser's words.
TEST(Replace, NamesAnUnreadableLiveTable) {
  auto r = running_raid1(2, "");
  r.dm.devices[0].targets[0].params = "raid1 3 0 p2p_provider none 2 1:1";
  expect_refused(r, "0", "/dev/nvme3n1",
                 "r1: cannot read its table 'raid1 3 0 p2p_provider none 2 1:1' (missing "
                 "data device); is p2praid-tool older than the target?");
}

TEST(Replace, RefusesANewThatIsAMember) {
  auto r = running_raid1(2, "");
  expect_refused(r, "0", "/dev/nvme1n1",
                 "/dev/nvme1n1: holds member 1 of r1; give a drive that is in no array");
  // A member of another running array.
  add_member(r.devs, "nvme3n1", "r9", 0, 2, 5, 9);
  r.dm.devices.push_back(make_device(
      "r9", "raid-p2p",
      "raid1 3 0 p2p_provider none 2 " + devnums(r.devs, {"nvme3n1p1", "nvme3n1p2"}) + " - -"));
  expect_refused(r, "0", "/dev/nvme3n1",
                 "/dev/nvme3n1: holds member 0 of r9; give a drive that is in no array");
  // A member of a stopped array.
  r.dm.devices.pop_back();
  expect_refused(r, "0", "/dev/nvme3n1",
                 "/dev/nvme3n1: holds member 0 of the stopped array r9 (/dev/nvme3n1p1)");
}

TEST(Replace, RefusesANewInUseOrTooSmall) {
  auto r = running_raid1(2, "");
  r.devs.files.insert("/tmp/not-a-disk");
  r.devs.devices.push_back(fake_disk("nvme4n1", 8, "259:4"));
  expect_refused(r, "0", "/dev/nvme4n1", "/dev/nvme4n1: too small for 16 MiB of data");
  r.devs.busy.insert("/dev/nvme3n1");
  expect_refused(r, "0", "/dev/nvme3n1",
                 "/dev/nvme3n1: in use (mounted, or open by another program)");
  r.devs.busy.clear();
  for (auto& d : r.devs.devices) {
    if (d.name == "nvme3n1") d.holders = {"dm-7"};
  }
  expect_refused(r, "0", "/dev/nvme3n1", "/dev/nvme3n1: in use (nvme3n1 is held by dm-7)");
  expect_refused(r, "0", "/dev/nvme1n1p2", "/dev/nvme1n1p2: not a whole disk");
  expect_refused(r, "0", "/dev/nvme7n1", "/dev/nvme7n1: no such block device");
  expect_refused(r, "0", "/tmp/not-a-disk", "/tmp/not-a-disk: not a block device");
}

// --- device names ------------------------------------------------------------------

constexpr const char* kById = "/dev/disk/by-id/nvme-QEMU_NVMe_Ctrl_serial";

// four_disks() with udev's by-id links, one with a namespace number as
// newer udev makes them, and an EUI link.
FakeDevices::State four_disks_with_links() {
  auto s = four_disks();
  for (int i = 0; i < 4; ++i) {
    const std::string disk = "nvme" + std::to_string(i) + "n1";
    s.links[kById + std::to_string(i)] = disk;
    s.links[kById + std::to_string(i) + "_1"] = disk;
    s.links["/dev/disk/by-id/nvme-eui.00000000000000" + std::to_string(i)] = disk;
  }
  s.files.insert("/tmp/not-a-disk");
  return s;
}

TEST(Names, PreferredLink) {
  EXPECT_EQ(names::preferred_link({"/dev/disk/by-id/nvme-eui.0025388b91b1a2c3",
                                   "/dev/disk/by-id/nvme-Samsung_SSD_980_S64DNF0R123456",
                                   "/dev/disk/by-id/nvme-Samsung_SSD_980_S64DNF0R123456_1",
                                   "/dev/disk/by-id/nvme-nvme.144d-5336-000001"}),
            "/dev/disk/by-id/nvme-Samsung_SSD_980_S64DNF0R123456_1");
  EXPECT_EQ(names::preferred_link({"/dev/disk/by-id/nvme-eui.0025388b91b1a2c3",
                                   "/dev/disk/by-id/nvme-nvme.144d-5336-000001"}),
            "/dev/disk/by-id/nvme-eui.0025388b91b1a2c3");
  EXPECT_EQ(names::preferred_link({}), std::nullopt);
}

// Members given by any path to them; tables name them by-id, with udev's
// "-partN" links of the partitions, which stay the same across reboots.
TEST(Names, CreateTakesAnyPathAndWritesStableNames) {
  auto devs = four_disks_with_links();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  const auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", std::string(kById) + "0_1",
                                     "/dev/nvme1n1", "--size", "16M", "-y"}),
                         &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_NE(dm.devices[0].targets[0].params.find(" 2 " + std::string(kById) + "0_1-part1 " + kById +
                                                 "0_1-part2 " + kById + "1_1-part1 " + kById +
                                                 "1_1-part2"),
            std::string::npos)
      << dm.devices[0].targets[0].params;
}

TEST(Names, RefusesWhatIsNoBlockDevice) {
  auto devs = four_disks_with_links();
  FakeDmClient::State dm;
  auto r = run_cli(
      on_switch4({"create", "r1", "--level", "raid1", "/tmp/not-a-disk", "/dev/nvme1n1", "-y"}),
      &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/tmp/not-a-disk: not a block device"), std::string::npos) << r.err;
  r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "/dev/disk/by-id/nope",
                          "/dev/nvme1n1", "-y"}),
              &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/disk/by-id/nope: no such file or directory"), std::string::npos)
      << r.err;
  EXPECT_TRUE(devs.partitioned.empty());
}

TEST(Names, TablesOfPlanAndTableUseStableNames) {
  auto devs = four_disks_with_links();
  const auto r = run_cli(
      on_switch4({"table", "--level", "raid1", "--devices", std::string(kById) + "0", "nvme1n1"}),
      nullptr, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find(" 2 - " + std::string(kById) + "0_1 - " + kById + "1_1\n"),
            std::string::npos)
      << r.out;
  const auto devnums = run_cli(
      on_switch4({"table", "--level", "raid1", "--devices", "nvme0n1", "nvme1n1", "--major-minor"}),
      nullptr, &devs);
  EXPECT_EQ(devnums.out.find("by-id"), std::string::npos) << devnums.out;
}

TEST(Names, ReplaceAndAssembleUseStableNames) {
  auto r = running_raid1(2, "");
  r.devs.links = four_disks_with_links().links;
  for (const auto& [link, disk] : four_disks_with_links().links) {
    if (disk == "nvme0n1" || disk == "nvme1n1") {
      r.devs.links[link + "-part1"] = disk + "p1";
      r.devs.links[link + "-part2"] = disk + "p2";
    }
  }
  const auto res =
      run_cli({"replace", "r1", std::string(kById) + "1-part2", std::string(kById) + "3", "-y"},
              &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  ASSERT_EQ(r.dm.reloads.size(), 1U);
  EXPECT_NE(r.dm.reloads[0].find("rebuild 1 2 " + std::string(kById) + "0_1-part1 " + kById +
                                 "0_1-part2 " + kById + "3_1-part1 " + kById + "3_1-part2"),
            std::string::npos)
      << r.dm.reloads[0];
  // assemble: the same names.
  FakeDmClient::State dm;
  const auto a = run_cli({"assemble", "r1"}, &dm, &r.devs);
  ASSERT_EQ(a.status, 0) << a.err;
  EXPECT_NE(dm.devices[0].targets[0].params.find(" 2 " + std::string(kById) + "0_1-part1 " + kById +
                                                 "0_1-part2 "),
            std::string::npos)
      << dm.devices[0].targets[0].params;
}

// The array name in a partition label is held to the rule for names typed
// on the command line.
TEST(Names, RefusesUnusableNamesFromLabels) {
  auto devs = four_disks();
  add_member(devs, "nvme0n1", "bad name", 0, 1, 10);
  add_member(devs, "nvme1n1", "esc\x1b[31m", 0, 1, 10, 8);
  FakeDmClient::State dm;
  const auto r = run_cli({"assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme0n1p1: its label 'p2praid-meta:bad name' names the array 'bad "
                       "name', which is not a usable array name (use 1 to 23 letters"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.err.find("/dev/nvme1n1p1: its label 'p2praid-meta:esc\\x1b[31m' names the array "
                       "'esc\\x1b[31m'"),
            std::string::npos)
      << r.err;
  EXPECT_TRUE(dm.devices.empty());
  EXPECT_EQ(run_cli({"assemble", "bad/name"}, &dm, &devs).status, 3);
}

// --- the tool's record ---------------------------------------------------------

TEST(Record, EncodesAndDecodes) {
  record::Record r;
  r.generation = 3;
  r.array = "r1";
  r.id = "11111111-2222-3333-4444-555555555555";
  r.metadata = false;
  r.raid_type = "raid10";
  r.raid_params = {"128", "raid10_copies", "2", "raid10_format", "near"};
  r.length = 65536;
  r.data_sectors = 32768;
  r.member = 1;
  r.provider = "0000:03:00.0";
  r.provider_serial = "rp-sw0";
  r.members = {{"/dev/disk/by-id/nvme-A_1", "A"}, {"/dev/nvme1n1", ""}};
  auto bytes = record::encode(r);
  EXPECT_EQ(bytes.size(), record::kSize);
  EXPECT_EQ(record::decode(bytes), r);
  bytes[40] ^= 1;
  EXPECT_THROW((void)record::decode(bytes), std::invalid_argument);
  EXPECT_EQ(record::decode(std::vector<std::uint8_t>(512, 0)), std::nullopt);
  // The fuzzer's seed is a valid record.
  const auto seed = read_text(std::filesystem::path(P2PRAID_REPO) /
                              "tests/fuzz/corpus/record/raid10-no-metadata");
  const auto decoded = record::decode(std::vector<std::uint8_t>(seed.begin(), seed.end()));
  ASSERT_TRUE(decoded);
  EXPECT_EQ(decoded->members[0].serial, "rp-sw0");
}

// The target never writes where the record sits: the superblock takes the
// first block, the bitmap at most 4 KiB + 256 KiB of bits (regions of at
// least 1/2^21 of the array, and no array is smaller than a member) and a
// page for its header.
TEST(Record, LiesBeyondTheLargestBitmap) {
  constexpr std::uint64_t kBitmapEnd =
      4096 + (256 + (std::uint64_t{1} << 21) / 8 + 1 + 4095) / 4096 * 4096;
  EXPECT_LT(kBitmapEnd, array::kRecordOffset);
  EXPECT_EQ(array::kRecordOffset + record::kSize, array::kMetaSectors * 512);
}

std::optional<record::Record> record_on(const FakeDevices::State& devs, const std::string& meta) {
  FakeDevices::State copy = devs;
  const FakeDevices f(copy);
  return record::decode(f.read(meta, array::kRecordOffset, record::kSize));
}

// create records the provider it chose (by PCI address and by the serial of
// the drive whose CMB it is) and every member's drive; assemble takes that
// provider, not the one it would choose.
TEST(Record, CreateRecordsAndAssembleUsesTheProvider) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "--size",
                               "16M", "--provider", "0000:05:00.0", "-y"}),
                   &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto rec = record_on(devs, "/dev/nvme1n1p1");
  ASSERT_TRUE(rec);
  EXPECT_EQ(rec->member, 1U);
  EXPECT_EQ(rec->provider, "0000:05:00.0");
  EXPECT_EQ(rec->provider_serial, "rp-sw2");
  EXPECT_EQ(rec->members,
            (std::vector<record::Member>{{"/dev/nvme0n1", "rp-sw0"}, {"/dev/nvme1n1", "rp-sw1"}}));
  EXPECT_TRUE(rec->metadata);
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  r = run_cli(on_switch4({"assemble", "r1"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(dm.devices[0].targets[0].params.find("p2p_provider 0000:05:00.0 "), std::string::npos)
      << dm.devices[0].targets[0].params;
}

TEST(Record, MissingMembersAreNamedByDriveAndSerial) {
  auto devs = four_disks_with_links();
  FakeDmClient::State dm;
  target_writes_superblocks(dm, devs);
  ASSERT_EQ(create_r1(dm, devs).status, 0);
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  std::erase_if(devs.devices, [](const blk::BlockDevice& d) { return d.disk == "nvme1n1"; });
  const auto r = run_cli(on_switch4({"assemble", "r1"}), &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: member 1 (" + std::string(kById) + "1_1, serial rp-sw1) of 2 missing"),
            std::string::npos)
      << r.err;
}

// Without metadata the record is all there is: assemble starts the array
// from it, with the UUID create gave it.
TEST(Record, AssemblesArraysWithoutMetadata) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "--size",
                               "16M", "--metadata", "off", "-y"}),
                   &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  const std::string table = dm.devices[0].targets[0].params;
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  r = run_cli(on_switch4({"--reportformat", "json", "assemble", "--scan"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  ASSERT_EQ(dm.devices.size(), 1U);
  EXPECT_EQ(dm.devices[0].name, "r1");
  EXPECT_EQ(dm.devices[0].uuid, "P2PRAID-11111111-2222-3333-4444-555555555555");
  EXPECT_EQ(dm.devices[0].targets[0].params, table);
  EXPECT_EQ(json::parse(r.out)["arrays"][0]["raid_type"], "raid1");
  r = run_cli(on_switch4({"--reportformat", "json", "assemble", "r1"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(json::parse(r.out)["arrays"][0]["state"], "active as r1");
}

// replace of an array without metadata: the member size comes from the
// record; the new drive and the others get the next generation of it, so
// that assemble takes the new drive and leaves the replaced one out.
TEST(Record, ReplaceWithoutMetadataUpdatesTheRecords) {
  auto devs = four_disks();
  FakeDmClient::State dm;
  auto r = run_cli(on_switch4({"create", "r1", "--level", "raid1", "nvme0n1", "nvme1n1", "--size",
                               "16M", "--metadata", "off", "-y"}),
                   &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  dm.status["r1"] = "raid1 2 AD 32768/32768 idle 0 0 - 0 3 none 0 0";
  r = run_cli(on_switch4({"replace", "r1", "1", "nvme3n1", "-y"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(dm.reloads.back().find("rebuild 1 2 - /dev/nvme0n1p2 - /dev/nvme3n1p2"),
            std::string::npos)
      << dm.reloads.back();
  const auto fresh = record_on(devs, "/dev/nvme3n1p1");
  ASSERT_TRUE(fresh);
  EXPECT_EQ(fresh->generation, 2U);
  EXPECT_EQ(fresh->member, 1U);
  EXPECT_EQ(fresh->members[1], (record::Member{"/dev/nvme3n1", "rp-sw3"}));
  EXPECT_EQ(fresh->data_sectors, 32768U);
  const auto other = record_on(devs, "/dev/nvme0n1p1");
  ASSERT_TRUE(other);
  EXPECT_EQ(other->generation, 2U);
  EXPECT_EQ(other->member, 0U);
  EXPECT_EQ(other->members, fresh->members);
  ASSERT_EQ(run_cli({"stop", "r1"}, &dm, &devs).status, 0);
  r = run_cli(on_switch4({"--reportformat", "json", "assemble", "r1"}), &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(dm.devices[0].targets[0].params.find("2 - /dev/nvme0n1p2 - /dev/nvme3n1p2"),
            std::string::npos)
      << dm.devices[0].targets[0].params;
  EXPECT_NE(json::parse(r.out)["arrays"][0]["left_out"][0].get<std::string>().find(
                "/dev/nvme1n1p1: conflicts with /dev/nvme3n1p1 as member 1"),
            std::string::npos)
      << r.out;
}

}  // namespace
}  // namespace p2praid::test

namespace p2praid::test {
namespace {

// --- examine and wipe, on image files ---------------------------------------------

namespace fs = std::filesystem;

struct Image {
  fs::path path;
  explicit Image(const std::string& name, const std::vector<std::uint8_t>& head)
      : path(fs::temp_directory_path() /
             ("p2praid-" + std::to_string(::getpid()) + "-" + name + ".img")) {
    std::vector<std::uint8_t> bytes(units::kMiB, 0);
    std::copy(head.begin(), head.end(), bytes.begin());
    std::ofstream(path, std::ios::binary)
        .write(reinterpret_cast<const char*>(bytes.data()),  // NOLINT: bytes to a stream
               static_cast<std::streamsize>(bytes.size()));
  }
  Image(const Image&) = delete;
  Image& operator=(const Image&) = delete;
  Image(Image&&) = delete;
  Image& operator=(Image&&) = delete;
  ~Image() { fs::remove(path); }

  std::vector<std::uint8_t> head() const {
    std::vector<std::uint8_t> bytes(4096);
    std::ifstream(path, std::ios::binary)
        .read(reinterpret_cast<char*>(bytes.data()),  // NOLINT: bytes from a stream
              static_cast<std::streamsize>(bytes.size()));
    return bytes;
  }
};

std::vector<std::uint8_t> member_superblock() {
  sb::Superblock sb;
  sb.version = 1;
  sb.uuid.fill(7);
  sb.events = 42;
  sb.level = 5;
  sb.layout = 2;
  sb.chunk_sectors = 128;
  sb.raid_disks = 3;
  sb.member = 1;
  sb.data_sectors = 32768;
  sb.array_sectors = 65536;
  return sb::encode(sb);
}

TEST(Examine, PrintsTheSuperblock) {
  const Image img("examine", member_superblock());
  auto r = run_cli({"--reportformat", "json", "examine", img.path.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  const auto j = json::parse(r.out)["superblock"];
  EXPECT_EQ(j["device"], img.path.string());
  EXPECT_EQ(j["array_uuid"], "07070707-0707-0707-0707-070707070707");
  EXPECT_EQ(j["raid_type"], "raid5_ls");
  EXPECT_EQ(j["member"], 1);
  EXPECT_EQ(j["raid_disks"], 3);
  EXPECT_EQ(j["events"], 42);
  EXPECT_EQ(j["chunk_size"], 65536);
  EXPECT_EQ(j["data_size"], 32768U * 512);
  r = run_cli({"examine", img.path.string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("raid5_ls"), std::string::npos) << r.out;
  EXPECT_NE(r.out.find("07070707-0707-0707-0707-070707070707"), std::string::npos) << r.out;
}

TEST(Examine, RefusesADeviceWithoutOne) {
  const Image blank("blank", {});
  auto r = run_cli({"examine", blank.path.string()});
  EXPECT_EQ(r.status, 5);
  EXPECT_EQ(r.err, "p2praid-tool: error: " + blank.path.string() +
                       ": no raid-p2p superblock (a member's superblock is at the start of its "
                       "metadata partition, p2praid-meta:NAME)\n");
  auto bytes = member_superblock();
  bytes.at(100) ^= 1U;
  const Image corrupt("corrupt", bytes);
  r = run_cli({"examine", corrupt.path.string()});
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find(corrupt.path.string() + ": corrupt raid-p2p superblock"), std::string::npos)
      << r.err;
  EXPECT_EQ(run_cli({"examine", "/nonexistent/member"}).status, 5);
}

TEST(Wipe, ClearsOurSuperblockOnlyWhenConfirmed) {
  const Image img("wipe", member_superblock());
  FakeDmClient::State dm;
  FakeDevices::State devs;
  auto r = run_cli({"wipe", img.path.string()}, &dm, &devs);  // no terminal to ask on
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("pass -y to confirm"), std::string::npos) << r.err;
  devs.confirm = false;
  EXPECT_EQ(run_cli({"wipe", img.path.string()}, &dm, &devs).status, 5);
  EXPECT_EQ(sb::classify(img.head()), sb::Kind::Ours);
  devs.confirm = true;
  r = run_cli({"wipe", img.path.string()}, &dm, &devs);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(img.head(), std::vector<std::uint8_t>(4096, 0));
  r = run_cli({"wipe", img.path.string(), "-y"}, &dm, &devs);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find(": no raid-p2p superblock"), std::string::npos) << r.err;
}

TEST(Wipe, RefusesOtherMetadataUnlessForced) {
  std::vector<std::uint8_t> md(8, 0);
  md[0] = 0xfc;  // md 1.x magic, little-endian
  md[1] = 0x4e;
  md[2] = 0x2b;
  md[3] = 0xa9;
  const Image img("foreign", md);
  auto r = run_cli({"wipe", img.path.string(), "-y"});
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("md or dm raid metadata, not a raid-p2p superblock"), std::string::npos)
      << r.err;
  EXPECT_EQ(sb::classify(img.head()), sb::Kind::Foreign);
  r = run_cli({"wipe", img.path.string(), "-y", "--force"});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(sb::classify(img.head()), sb::Kind::Blank);
}

TEST(Wipe, RefusesAMemberOfALiveArray) {
  const Image img("live", member_superblock());
  FakeDmClient::State dm;
  dm.devices.push_back(make_device(
      "r1", "raid-p2p", "raid1 1 0 2 " + img.path.string() + " /dev/nvme0n1p2 - -", 32768));
  const auto r = run_cli({"wipe", img.path.string(), "-y", "--force"}, &dm);
  EXPECT_EQ(r.status, 5);
  EXPECT_EQ(r.err, "p2praid-tool: error: " + img.path.string() +
                       ": member 0 of the running array r1; stop it first ('p2praid-tool stop "
                       "r1')\n");
  EXPECT_EQ(sb::classify(img.head()), sb::Kind::Ours);
}

// --- monitor ----------------------------------------------------------------

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> out;
  std::istringstream in(text);
  for (std::string l; std::getline(in, l);) out.push_back(l);
  return out;
}

// r1, a raid1 on nvme0n1 and nvme1n1 of switch4, with member 1 failing at
// the first wait; the second wait ends monitor.
Running failing_raid1() {
  auto r = running_raid1(2, "");
  r.devs.devices.push_back(fake_disk("nvme4n1", 256, "259:4"));
  auto* dm = &r.dm;
  dm->on_wait = [dm]() {
    if (dm->waits > 1) return dm::Client::Wake::Interrupted;
    dm->status["r1"] = "raid1 2 AD 32768/32768 idle 0 0 - 11 3 none 0 0";
    return dm::Client::Wake::Event;
  };
  return r;
}

TEST(Monitor, ReportsAFailureAndRebuildsOnTheNearestBlankSpare) {
  auto r = failing_raid1();
  // nvme2n1 is not blank (a filesystem, say); nvme3n1 is under the switch,
  // nvme4n1 on a root port that P2P cannot cross.
  r.devs.contents["/dev/nvme2n1"] = std::vector<std::uint8_t>(2048, 0);
  r.devs.contents["/dev/nvme2n1"][1080] = 0x53;
  const ConfigFile conf("POLICY action=allocate path=/dev/nvme*\n");
  const auto res = run_cli(on_switch4({"--config", conf.path(), "monitor"}), &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  const auto out = lines_of(res.out);
  ASSERT_EQ(out.size(), 2U) << res.out;
  EXPECT_EQ(out[0], "Fail r1 /dev/nvme1n1p2: member 1 failed");
  EXPECT_EQ(out[1].rfind("MoveSpare r1 /dev/nvme3n1: member 1 (/dev/nvme1n1p2) rebuilds on it", 0),
            0U)
      << out[1];
  ASSERT_EQ(r.dm.reloads.size(), 1U);
  EXPECT_NE(r.dm.reloads[0].find(" rebuild 1 2 "), std::string::npos) << r.dm.reloads[0];
  // Member 0 stays; nvme3n1's partitions take slot 1.
  EXPECT_NE(r.dm.reloads[0].find(" 2 " + devnums(r.devs, {"nvme0n1p1", "nvme0n1p2"}) +
                                 " /dev/nvme3n1p1 /dev/nvme3n1p2"),
            std::string::npos)
      << r.dm.reloads[0];
  EXPECT_EQ(r.dm.armed, 2U);
  EXPECT_EQ(r.dm.waits, 2U);
}

TEST(Monitor, WithoutAPolicyReportsAndRunsTheProgram) {
  auto r = failing_raid1();
  const auto log = std::filesystem::temp_directory_path() /
                   ("p2praid-monitor-" + std::to_string(::getpid()) + ".log");
  const ConfigFile program("#!/bin/sh\necho \"$@\" >>" + log.string() + "\n");
  std::filesystem::permissions(program.path(), std::filesystem::perms::owner_all);
  const auto res = run_cli(on_switch4({"monitor", "--program", program.path()}), &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  EXPECT_EQ(lines_of(res.out), std::vector<std::string>{"Fail r1 /dev/nvme1n1p2: member 1 failed"});
  EXPECT_TRUE(r.dm.reloads.empty());
  std::ifstream in(log);
  std::string got;
  std::getline(in, got);
  EXPECT_EQ(got, "Fail r1 /dev/nvme1n1p2");
  std::filesystem::remove(log);
}

TEST(Monitor, ReportsAMissingSpareOnceAndTakesOneThatTurnsUp) {
  auto r = running_raid1(2, "", "AD");
  auto* dm = &r.dm;
  auto* devs = &r.devs;
  // Every drive is a member or not blank; at the third look nvme3n1 is
  // wiped.
  for (const auto* d : {"/dev/nvme2n1", "/dev/nvme3n1"}) devs->contents[d] = {1};
  dm->on_wait = [dm, devs]() {
    if (dm->waits == 2) devs->contents.erase("/dev/nvme3n1");
    return dm->waits > 2 ? dm::Client::Wake::Interrupted : dm::Client::Wake::Timeout;
  };
  const ConfigFile conf("ARRAY r1 uuid=" + std::string(kUuid7) +
                        " spare-group=fast\nPOLICY action=allocate spare-group=fast\n");
  const auto res =
      run_cli(on_switch4({"--config", conf.path(), "monitor", "--delay", "5"}), &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  const auto out = lines_of(res.out);
  ASSERT_EQ(out.size(), 3U) << res.out;
  EXPECT_EQ(out[0], "DegradedArray r1: degraded: a member is out of service");
  EXPECT_EQ(out[1].rfind("SparesMissing r1 /dev/nvme1n1p2: no spare for member 1: no NVMe "
                         "namespace that is blank",
                         0),
            0U)
      << out[1];
  EXPECT_EQ(out[2].rfind("MoveSpare r1 /dev/nvme3n1: member 1", 0), 0U) << out[2];
  EXPECT_EQ(r.dm.reloads.size(), 1U);
}

TEST(Monitor, OneshotReportsADegradedArrayAndLeavesItWithoutAPolicyForIt) {
  auto r = running_raid1(2, "", "AD");
  // A POLICY of another spare-group does not cover r1.
  const ConfigFile conf("POLICY action=allocate spare-group=other\n");
  const auto res =
      run_cli(on_switch4({"--config", conf.path(), "monitor", "--oneshot"}), &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  EXPECT_EQ(lines_of(res.out),
            std::vector<std::string>{"DegradedArray r1: degraded: a member is out of service"});
  EXPECT_EQ(r.dm.waits, 0U);
  EXPECT_TRUE(r.dm.reloads.empty());
}

TEST(Monitor, RejectsABadDelay) {
  const auto res = run_cli({"monitor", "--delay", "0"});
  EXPECT_EQ(res.status, 3) << res.err;
  EXPECT_NE(res.err.find("--delay"), std::string::npos) << res.err;
}

// --- monitor: spares= -------------------------------------------------------------

// An ARRAY line for r1 with `words`, and a POLICY allocate of spare-group pool.
std::string spares_conf(const std::string& words) {
  return "ARRAY r1 uuid=" + std::string(kUuid7) + " " + words +
         "\nPOLICY action=allocate spare-group=pool\n";
}

// Runs monitor with config `conf` (and `args`) for `looks` looks at `r`;
// before look N (from 2) `before_look(N)` changes what it sees.
Result monitor_looks(Running& r, const std::string& conf, unsigned looks,
                     const std::function<void(unsigned)>& before_look = {},
                     const std::vector<std::string>& args = {}) {
  auto* dm = &r.dm;
  dm->on_wait = [dm, looks, before_look]() {
    if (dm->waits >= looks) return dm::Client::Wake::Interrupted;
    if (before_look) before_look(dm->waits + 1);
    return dm::Client::Wake::Timeout;
  };
  const ConfigFile file(conf);
  std::vector<std::string> cli{"--config", file.path(), "monitor", "--delay", "5"};
  cli.insert(cli.end(), args.begin(), args.end());
  return run_cli(on_switch4(cli), &r.dm, &r.devs);
}

// nvme2n1 and nvme3n1, the drives beside r1's, are spares while blank.
void spoil(Running& r, const std::string& disk) {
  r.devs.contents["/dev/" + disk] = {1};
}

TEST(Monitor, ReportsASpareShortfallOnceAndRunsTheProgram) {
  auto r = running_raid1(2, "");
  spoil(r, "nvme3n1");
  // Not a ConfigFile: monitor_looks writes the config to that file's path.
  const auto tmp = std::filesystem::temp_directory_path();
  const auto log = tmp / ("p2praid-monitor-" + std::to_string(::getpid()) + ".log");
  const auto program = tmp / ("p2praid-monitor-" + std::to_string(::getpid()) + ".sh");
  std::ofstream(program) << "#!/bin/sh\necho \"$@\" >>" << log.string() << "\n";
  std::filesystem::permissions(program, std::filesystem::perms::owner_all);
  const auto res = monitor_looks(r, spares_conf("spares=2 spare-group=pool"), 3, {},
                                 {"--program", program.string()});
  std::filesystem::remove(program);
  ASSERT_EQ(res.status, 0) << res.err;
  EXPECT_EQ(
      lines_of(res.out),
      std::vector<std::string>{
          "SparesMissing r1: has 1 of the 2 spares its ARRAY line asks for (spare-group pool)"});
  EXPECT_EQ(r.dm.waits, 3U);
  EXPECT_EQ(lines_of(read_text(log)), std::vector<std::string>{"SparesMissing r1"});
  std::filesystem::remove(log);
  EXPECT_TRUE(r.dm.reloads.empty());
}

// Both drives beside r1's are spares; spares=3 is the control.
TEST(Monitor, ReportsNoShortfallWithEnoughSpares) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"spares=2 spare-group=pool", ""},
      {"spares=1 spare-group=pool", ""},
      {"spares=3 spare-group=pool",
       "SparesMissing r1: has 2 of the 3 spares its ARRAY line asks for (spare-group pool)\n"},
  };
  for (const auto& [words, out] : cases) {
    auto r = running_raid1(2, "");
    const auto res = monitor_looks(r, spares_conf(words), 3);
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, out) << words;
    EXPECT_EQ(r.dm.waits, 3U);
  }
}

TEST(Monitor, ReportsASpareShortfallAgainAfterTheCountRecovered) {
  auto r = running_raid1(2, "");
  spoil(r, "nvme2n1");
  spoil(r, "nvme3n1");
  // Short at looks 1 and 2, enough at 3, short again at 4 and 5.
  const auto res = monitor_looks(r, spares_conf("spares=1 spare-group=pool"), 5, [&r](unsigned n) {
    if (n == 3) r.devs.contents.erase("/dev/nvme3n1");
    if (n == 4) spoil(r, "nvme3n1");
  });
  ASSERT_EQ(res.status, 0) << res.err;
  const std::string line =
      "SparesMissing r1: has 0 of the 1 spare its ARRAY line asks for (spare-group pool)";
  EXPECT_EQ(lines_of(res.out), (std::vector<std::string>{line, line}));
  EXPECT_EQ(r.dm.waits, 5U);
}

// No drive is a spare; spares=1 is the control.
TEST(Monitor, ReportsNoShortfallWithoutSpares) {
  const std::vector<std::pair<std::string, std::string>> cases{
      {"spare-group=pool", ""},
      {"spares=0 spare-group=pool", ""},
      {"spares=1 spare-group=pool",
       "SparesMissing r1: has 0 of the 1 spare its ARRAY line asks for (spare-group pool)\n"},
  };
  for (const auto& [words, out] : cases) {
    auto r = running_raid1(2, "");
    spoil(r, "nvme2n1");
    spoil(r, "nvme3n1");
    const auto res = monitor_looks(r, spares_conf(words), 2);
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, out) << words;
  }
}

TEST(Monitor, ReportsTheShortfallOfAnArrayThatAppears) {
  auto r = running_raid1(2, "");
  spoil(r, "nvme3n1");
  const auto r1 = r.dm.devices.front();
  r.dm.devices.clear();
  const auto res =
      monitor_looks(r, spares_conf("spares=2 spare-group=pool"), 3, [&r, &r1](unsigned n) {
        if (n == 2) r.dm.devices.push_back(r1);
      });
  ASSERT_EQ(res.status, 0) << res.err;
  EXPECT_EQ(lines_of(res.out),
            (std::vector<std::string>{
                "NewArray r1",
                "SparesMissing r1: has 1 of the 2 spares its ARRAY line asks for (spare-group "
                "pool)"}));
}

// Spares come from the POLICY allocate that covers the array, as allocate
// takes them; the drives are blank.
TEST(Monitor, OneshotCountsTheSparesOfThePolicyThatCoversTheArray) {
  const std::string array = "ARRAY r1 uuid=" + std::string(kUuid7) + " spares=1";
  const std::vector<std::pair<std::string, std::string>> cases{
      {array + "\n", "no spare-group"},
      {array + "\nPOLICY action=allocate spare-group=pool\n", "no spare-group"},
      {array + " spare-group=pool\nPOLICY action=none spare-group=pool\n",
       "spare-group pool, which no POLICY action=allocate serves"},
      {array + " spare-group=pool\nPOLICY action=allocate spare-group=pool path=/dev/sd*\n",
       "spare-group pool"},
      {array + "\nPOLICY action=allocate path=/dev/nvme*\n", ""},
  };
  for (const auto& [conf, pool] : cases) {
    auto r = running_raid1(2, "");
    const ConfigFile file(conf);
    const auto res =
        run_cli(on_switch4({"--config", file.path(), "monitor", "--oneshot"}), &r.dm, &r.devs);
    ASSERT_EQ(res.status, 0) << res.err;
    EXPECT_EQ(res.out, pool.empty() ? ""
                                    : "SparesMissing r1: has 0 of the 1 spare its ARRAY line asks "
                                      "for (" +
                                          pool + ")\n")
        << conf;
    EXPECT_EQ(r.dm.waits, 0U);
  }
}

TEST(Monitor, ASpareItPutsInIsASpareNoMore) {
  auto r = failing_raid1();  // nvme2n1, nvme3n1 and nvme4n1 are blank
  const ConfigFile conf(spares_conf("spares=3 spare-group=pool"));
  const auto res = run_cli(on_switch4({"--config", conf.path(), "monitor"}), &r.dm, &r.devs);
  ASSERT_EQ(res.status, 0) << res.err;
  const auto out = lines_of(res.out);
  ASSERT_EQ(out.size(), 3U) << res.out;
  EXPECT_EQ(out[0], "Fail r1 /dev/nvme1n1p2: member 1 failed");
  EXPECT_EQ(out[1].rfind("MoveSpare r1 /dev/nvme2n1: member 1", 0), 0U) << out[1];
  EXPECT_EQ(out[2],
            "SparesMissing r1: has 2 of the 3 spares its ARRAY line asks for (spare-group pool)");
}

TEST(MonitorEvents, SpareShortfalls) {
  const monitor::SpareCount enough{2, 2, "spare-group g"};
  const monitor::SpareCount one{2, 1, "spare-group g"};
  const monitor::SpareCount none{2, 0, "spare-group g"};
  const auto lines = [](const std::vector<monitor::Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.line());
    return out;
  };
  using V = std::vector<std::string>;
  const std::string missing =
      "SparesMissing r1: has 1 of the 2 spares its ARRAY line asks for "
      "(spare-group g)";
  EXPECT_EQ(lines(monitor::spare_shortfalls({}, {{"r1", enough}})), V{});
  EXPECT_EQ(lines(monitor::spare_shortfalls({}, {{"r1", one}})), V{missing});
  EXPECT_EQ(lines(monitor::spare_shortfalls({{"r1", enough}}, {{"r1", one}})), V{missing});
  EXPECT_EQ(lines(monitor::spare_shortfalls({{"r1", one}}, {{"r1", one}})), V{});
  EXPECT_EQ(lines(monitor::spare_shortfalls({{"r1", one}}, {{"r1", none}})), V{});
  EXPECT_EQ(lines(monitor::spare_shortfalls({{"r1", none}}, {{"r1", enough}})), V{});
  EXPECT_EQ(lines(monitor::spare_shortfalls({{"r2", one}}, {{"r1", one}})), V{missing});
  EXPECT_EQ(monitor::spare_shortfalls({}, {{"r1", one}}).front().member, "");
}

TEST(MonitorEvents, Changes) {
  using status::Health;
  const monitor::ArrayState a{"r1",
                              {"/dev/a", "/dev/b"},
                              {Health::InSync, Health::InSync},
                              "idle",
                              array::Condition::Healthy};
  auto failed = a;
  failed.health[1] = Health::Failed;
  failed.condition = array::Condition::Degraded;
  auto rebuilding = a;
  rebuilding.health[1] = Health::Syncing;
  rebuilding.sync_action = "recover";
  const auto lines = [](const std::vector<monitor::Event>& events) {
    std::vector<std::string> out;
    for (const auto& e : events) out.push_back(e.line());
    return out;
  };
  using V = std::vector<std::string>;
  EXPECT_EQ(lines(monitor::changes({}, {{"r1", a}}, true)), V{});
  EXPECT_EQ(lines(monitor::changes({}, {{"r1", failed}}, true)),
            V{"DegradedArray r1: degraded: a member is out of service"});
  EXPECT_EQ(lines(monitor::changes({}, {{"r1", a}}, false)), V{"NewArray r1"});
  EXPECT_EQ(lines(monitor::changes({{"r1", a}}, {}, false)),
            V{"DeviceDisappeared r1: the array is gone"});
  EXPECT_EQ(lines(monitor::changes({{"r1", a}}, {{"r1", failed}}, false)),
            V{"Fail r1 /dev/b: member 1 failed"});
  EXPECT_EQ(lines(monitor::changes({{"r1", failed}}, {{"r1", rebuilding}}, false)),
            V{"RebuildStarted r1: recover"});
  EXPECT_EQ(lines(monitor::changes({{"r1", rebuilding}}, {{"r1", a}}, false)),
            (V{"SpareActive r1 /dev/b: member 1 is in sync", "RebuildFinished r1: recover ended"}));
  EXPECT_EQ(monitor::failed_members(failed), std::vector<std::size_t>{1});
}

TEST(MonitorEvents, SparesRankByP2PDistanceThenName) {
  const auto t = load_fixture("switch4");
  // nvme0-3 share a switch; nvme4 and nvme5 are on root ports of a host
  // bridge that P2P cannot cross.
  const auto ranked =
      monitor::rank_spares(t, {"nvme0n1", "nvme1n1"}, {"nvme5n1", "nvme4n1", "nvme3n1", "nvme2n1"});
  std::vector<std::string> order;
  for (const auto& c : ranked) order.push_back(c.disk);
  EXPECT_EQ(order, (std::vector<std::string>{"nvme2n1", "nvme3n1", "nvme4n1", "nvme5n1"}));
  EXPECT_EQ(ranked[0].distance, ranked[1].distance);
  EXPECT_LT(ranked[1].distance, monitor::kUnreachable);
  EXPECT_EQ(ranked[2].distance, 2 * monitor::kUnreachable);
}

}  // namespace
}  // namespace p2praid::test
