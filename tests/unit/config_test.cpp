// SPDX-License-Identifier: GPL-2.0-only
// The config file: parsing and its refusals, device globs, writing it
// atomically; mkconf on a fake device-mapper.
#include "p2praid/config.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "p2praid/errors.hpp"
#include "test_support.hpp"

namespace p2praid::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kUuid = "3aaa0122-2982-7cfa-5331-ad66ca767371";

// A directory of its own under the temporary directory, removed at the end.
class TempDir {
 public:
  explicit TempDir(const std::string& name)
      : path_(fs::temp_directory_path() / ("p2praid-" + name + "-" + std::to_string(::getpid()))) {
    fs::remove_all(path_);
    fs::create_directories(path_);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  TempDir(TempDir&&) = delete;
  TempDir& operator=(TempDir&&) = delete;
  ~TempDir() { fs::remove_all(path_); }

  const fs::path& path() const { return path_; }
  fs::path write(const std::string& name, const std::string& text) const {
    std::ofstream(path_ / name) << text;
    return path_ / name;
  }

 private:
  fs::path path_;
};

TEST(Config, ParsesEveryKeyword) {
  const auto c = config::parse(
      "# arrays of this host\n"
      "DEVICE /dev/nvme* /dev/disk/by-id/nvme-Vendor_*   # two globs\n"
      "\n"
      "device partitions\n"
      "ARRAY r1 uuid=3AAA0122:29827CFA:5331AD66:CA767371 level=raid1\n"
      "array data.5 UUID=0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15 level=raid5\n"
      "\tdevices=/dev/nvme0n1,/dev/nvme1n1,/dev/nvme2n1 # a continuation\n"
      "    spares=1 Spare-Group=pool0\n"
      "POLICY action=allocate spare-group=pool0 path=/dev/nvme*,/dev/sd*\n"
      "Policy action=none\n",
      "test.conf");
  EXPECT_EQ(c.file, "test.conf");
  EXPECT_EQ(c.devices, (std::vector<std::string>{"/dev/nvme*", "/dev/disk/by-id/nvme-Vendor_*",
                                                 "partitions"}));
  ASSERT_EQ(c.arrays.size(), 2U);
  EXPECT_EQ(c.arrays[0].name, "r1");
  EXPECT_EQ(c.arrays[0].uuid, kUuid);
  EXPECT_EQ(c.arrays[0].level, "raid1");
  EXPECT_EQ(c.arrays[0].line, 5U);
  EXPECT_TRUE(c.arrays[0].devices.empty());
  EXPECT_FALSE(c.arrays[0].spares);
  const auto& a = c.arrays[1];
  EXPECT_EQ(a.name, "data.5");
  EXPECT_EQ(a.uuid, "0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15");
  EXPECT_EQ(a.devices, (std::vector<std::string>{"/dev/nvme0n1", "/dev/nvme1n1", "/dev/nvme2n1"}));
  EXPECT_EQ(a.spares, 1U);
  EXPECT_EQ(a.spare_group, "pool0");
  EXPECT_EQ(a.line, 6U);
  ASSERT_EQ(c.policies.size(), 2U);
  EXPECT_EQ(c.policies[0].action, config::Action::Allocate);
  EXPECT_EQ(c.policies[0].spare_group, "pool0");
  EXPECT_EQ(c.policies[0].paths, (std::vector<std::string>{"/dev/nvme*", "/dev/sd*"}));
  EXPECT_EQ(c.policies[1].action, config::Action::None);
  EXPECT_EQ(c.find_uuid(kUuid), &c.arrays[0]);
  EXPECT_EQ(c.find_name("data.5"), &c.arrays[1]);
  EXPECT_EQ(c.find_name("r2"), nullptr);
  // An empty file, or only comments, is a config without lines.
  const auto empty = config::parse("# nothing\n\n   \n", "e.conf");
  EXPECT_TRUE(empty.devices.empty() && empty.arrays.empty() && empty.policies.empty());
}

TEST(Config, RefusesWhatItDoesNotUnderstand) {
  const std::string u = std::string(" uuid=") + kUuid;
  const std::vector<std::pair<std::string, std::string>> cases{
      {"ARRAYS r1" + u, "f.conf:1: unknown keyword 'ARRAYS'; use ARRAY, DEVICE or POLICY"},
      {"  ARRAY r1" + u,
       "f.conf:1: a line that starts with blanks continues the line before, and there is none; "
       "remove the leading blanks"},
      {"ARRAY",
       "f.conf:1: ARRAY needs the array's name first, then uuid=UUID (as 'ARRAY r1 "
       "uuid=...')"},
      {"ARRAY uuid=" + std::string(kUuid),
       "f.conf:1: ARRAY needs the array's name first, then uuid=UUID (as 'ARRAY r1 uuid=...')"},
      {"ARRAY /dev/md0" + u,
       "f.conf:1: ARRAY: '/dev/md0' is not a usable array name (use 1 to 23 letters, digits, "
       "'.', '_' or '-', not starting with '-')"},
      {"ARRAY r1",
       "f.conf:1: ARRAY r1: no uuid=; give the array's UUID ('p2praid-tool mkconf' "
       "prints it)"},
      {"ARRAY r1 uuid=3aaa0122",
       "f.conf:1: ARRAY r1: uuid '3aaa0122' is not a UUID (32 hex "
       "digits as 8-4-4-4-12, or mdadm's 8:8:8:8)"},
      {"ARRAY r1 uuid=3aaa0122-2982-7cfa-5331-ad66ca76737g",
       "f.conf:1: ARRAY r1: uuid '3aaa0122-2982-7cfa-5331-ad66ca76737g' is not a UUID (32 hex "
       "digits as 8-4-4-4-12, or mdadm's 8:8:8:8)"},
      {"ARRAY r1" + u + " uuid=" + kUuid, "f.conf:1: ARRAY r1: uuid= is given twice"},
      {"ARRAY r1" + u + " level=raid7",
       "f.conf:1: ARRAY r1: level 'raid7' is not one of linear, raid0, raid1, raid10, raid4, "
       "raid5_la, raid5_ra, raid5_ls, raid5, raid5_rs, raid5_n, raid6_zr, raid6, raid6_nr, "
       "raid6_nc, raid6_la_6, raid6_ra_6, raid6_ls_6, raid6_rs_6 or raid6_n_6"},
      {"ARRAY r1" + u + " level=", "f.conf:1: ARRAY r1: level= has no value"},
      {"ARRAY r1" + u + " spares=two",
       "f.conf:1: ARRAY r1: spares 'two' is not a number from 0 to 253"},
      {"ARRAY r1" + u + " spares=254",
       "f.conf:1: ARRAY r1: spares '254' is not a number from 0 to 253"},
      {"ARRAY r1" + u + " spares=-1",
       "f.conf:1: ARRAY r1: spares '-1' is not a number from 0 to 253"},
      {"ARRAY r1" + u + " devices=/dev/a,,/dev/b",
       "f.conf:1: ARRAY r1: devices= has an empty item in '/dev/a,,/dev/b'"},
      {"ARRAY r1" + u + " devices=/dev/a,",
       "f.conf:1: ARRAY r1: devices= has an empty item in '/dev/a,'"},
      {"ARRAY r1" + u + " metadata=1.2",
       "f.conf:1: ARRAY r1: unknown key 'metadata'; use uuid, level, devices, spares or "
       "spare-group"},
      {"ARRAY r1" + u + " raid1",
       "f.conf:1: ARRAY r1: 'raid1' is not KEY=VALUE (keys: uuid, level, devices, spares or "
       "spare-group)"},
      {"ARRAY r1" + u + " spare-group=a/b",
       "f.conf:1: ARRAY r1: spare-group 'a/b' is not a usable name (use 1 to 32 letters, "
       "digits, '.', '_' or '-', not starting with '-')"},
      {"ARRAY r1" + u + "\nARRAY r1 uuid=0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15",
       "f.conf:2: ARRAY r1: the name is taken by the ARRAY on line 1; give each array one line"},
      {"# two\nARRAY r1" + u + "\nARRAY r2 uuid=3AAA0122:29827CFA:5331AD66:CA767371",
       "f.conf:3: ARRAY r2: uuid 3aaa0122-2982-7cfa-5331-ad66ca767371 is taken by ARRAY r1 on "
       "line 2; give each array one line"},
      {"DEVICE", "f.conf:1: DEVICE needs a glob of device paths (as /dev/nvme*) or 'partitions'"},
      {"DEVICE nvme*",
       "f.conf:1: DEVICE: 'nvme*' is neither a path glob (starting with '/', as /dev/nvme*) nor "
       "'partitions'"},
      {"POLICY", "f.conf:1: POLICY needs action=none or action=allocate"},
      {"POLICY spare-group=p", "f.conf:1: POLICY needs action=none or action=allocate"},
      {"POLICY action=spare", "f.conf:1: POLICY: action 'spare' is not one of none or allocate"},
      {"POLICY action=none domain=x",
       "f.conf:1: POLICY: unknown key 'domain'; use action, spare-group or path"},
      {"POLICY action=none =x",
       "f.conf:1: POLICY: '=x' is not KEY=VALUE (keys: action, spare-group or path)"},
      {"POLICY action=none spare-group=-x",
       "f.conf:1: POLICY: spare-group '-x' is not a usable name (use 1 to 32 letters, digits, "
       "'.', '_' or '-', not starting with '-')"},
      {"ARRAY r1\x1b" + u,
       "f.conf:1: ARRAY: 'r1\\x1b' is not a usable array name (use 1 to 23 letters, digits, "
       "'.', '_' or '-', not starting with '-')"},
  };
  for (const auto& [text, message] : cases) {
    try {
      (void)config::parse(text, "f.conf");
      ADD_FAILURE() << "accepted: " << text;
    } catch (const UsageError& e) {
      EXPECT_EQ(std::string(e.what()), message) << text;
    }
  }
}

TEST(Config, NormalUuids) {
  EXPECT_EQ(config::normal_uuid("3AAA0122-2982-7CFA-5331-AD66CA767371"), kUuid);
  EXPECT_EQ(config::normal_uuid("3aaa0122:29827cfa:5331ad66:ca767371"), kUuid);
  EXPECT_FALSE(config::normal_uuid("3aaa01222982-7cfa-5331-ad66ca767371-"));
  EXPECT_FALSE(config::normal_uuid("3aaa0122-2982-7cfa-5331:ad66ca767371"));
  EXPECT_FALSE(config::normal_uuid("3aaa012229827cfa5331ad66ca767371"));
  EXPECT_FALSE(config::normal_uuid(""));
}

TEST(Config, FormatsWhatItParses) {
  const std::string text =
      "DEVICE /dev/nvme* partitions\n"
      "ARRAY r1 uuid=3aaa0122-2982-7cfa-5331-ad66ca767371 level=raid1\n"
      "ARRAY r5 uuid=0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15 level=raid5 "
      "devices=/dev/nvme0n1,/dev/nvme1n1 spares=2 spare-group=pool0\n"
      "POLICY action=allocate spare-group=pool0 path=/dev/nvme*,/dev/sd*\n"
      "POLICY action=none\n";
  EXPECT_EQ(config::format(config::parse(text, "f.conf")), text);
}

TEST(Config, GlobsMatchPathsDisksAndLinks) {
  FakeDevices::State s;
  s.devices.push_back(fake_disk("nvme0n1", 64));
  auto part = fake_disk("nvme0n1p1", 4);
  part.disk = "nvme0n1";
  part.partition = 1;
  part.path = "/dev/nvme0n1p1";
  s.devices.push_back(part);
  s.devices.push_back(fake_disk("sda", 64));
  s.links["/dev/disk/by-id/nvme-Vendor_SN1"] = "nvme0n1";
  const FakeDevices devs(s);
  const auto& disk = s.devices[0];
  const auto& sda = s.devices[2];
  EXPECT_TRUE(config::matches(devs, part, "/dev/nvme0n1p1"));
  EXPECT_TRUE(config::matches(devs, part, "/dev/nvme0n1"));  // its disk
  EXPECT_TRUE(config::matches(devs, part, "/dev/nvme*"));
  EXPECT_TRUE(config::matches(devs, part, "/dev/disk/by-id/nvme-Vendor_*"));  // its disk's link
  EXPECT_TRUE(config::matches(devs, disk, "/dev/disk/by-id/nvme-*SN1"));
  EXPECT_FALSE(config::matches(devs, sda, "/dev/nvme*"));
  EXPECT_FALSE(config::matches(devs, part, "/dev/nvme1*"));
  EXPECT_FALSE(config::matches(devs, part, "/*"));  // '*' does not match '/'
  EXPECT_TRUE(config::matches(devs, sda, "partitions"));
  EXPECT_TRUE(config::matches_any(devs, sda, {"/dev/nvme*", "/dev/sd?"}));
  EXPECT_FALSE(config::matches_any(devs, sda, {}));
}

TEST(Config, LoadsFilesAndSaysWhatIsMissing) {
  const TempDir dir("config-load");
  EXPECT_FALSE(config::load(dir.path() / "none.conf", false));
  try {
    (void)config::load(dir.path() / "none.conf", true);
    ADD_FAILURE() << "a missing --config FILE was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()), (dir.path() / "none.conf").string() +
                                         ": no such config file; check the name given to --config");
  }
  try {
    (void)config::load(dir.path(), false);
    ADD_FAILURE() << "a directory was accepted";
  } catch (const UsageError& e) {
    EXPECT_EQ(std::string(e.what()),
              dir.path().string() + ": not a regular file; --config takes a config file");
  }
  const auto file = dir.write("p.conf", "ARRAY r1 uuid=" + std::string(kUuid) + "\n");
  const auto c = config::load(file, false);
  ASSERT_TRUE(c);
  EXPECT_EQ(c->file, file.string());
  EXPECT_EQ(c->arrays.at(0).name, "r1");
}

TEST(Config, WritesAtomically) {
  const TempDir dir("config-write");
  const fs::path file = dir.path() / "p2praid.conf";
  config::write_atomically(file, "old\n");
  config::write_atomically(file, "new\n");
  EXPECT_EQ(read_text(file), "new\n");
  EXPECT_EQ(fs::status(file).permissions(), fs::perms::owner_read | fs::perms::owner_write |
                                                fs::perms::group_read | fs::perms::others_read);
  // No temporary file is left behind.
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path()), fs::directory_iterator()), 1);
  const fs::path nowhere = dir.path() / "no-dir" / "p2praid.conf";
  try {
    config::write_atomically(nowhere, "x\n");
    ADD_FAILURE() << "wrote into a directory that does not exist";
  } catch (const CommandError& e) {
    EXPECT_EQ(std::string(e.what()), nowhere.string() + ": cannot create a temporary file in " +
                                         (dir.path() / "no-dir").string() +
                                         " (No such file or directory); the file is unchanged");
  }
}

// --- the command line -----------------------------------------------------------

TEST(ConfigCli, BadConfigIsAUsageErrorNamingFileAndLine) {
  const TempDir dir("config-cli");
  const auto file = dir.write("bad.conf", "# ok\nDEVICE /dev/nvme*\nARRAYS r1\n");
  FakeDmClient::State dm;
  FakeDevices::State devs;
  auto r = run_cli({"--config", file.string(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err, "p2praid-tool: error: " + file.string() +
                       ":3: unknown keyword 'ARRAYS'; use ARRAY, DEVICE or POLICY\n");
  // The same file as the default is read, and refused, too.
  r = run_cli({"assemble", "--scan"}, &dm, &devs, file);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find(":3: unknown keyword 'ARRAYS'"), std::string::npos) << r.err;
  // A missing --config FILE is an error; a missing default is no config.
  r = run_cli({"--config", (dir.path() / "none.conf").string(), "assemble", "--scan"}, &dm, &devs);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("none.conf: no such config file"), std::string::npos) << r.err;
  r = run_cli({"assemble", "--scan"}, &dm, &devs, dir.path() / "none.conf");
  EXPECT_EQ(r.status, 0) << r.err;
  // Commands that do not read it are not bothered by a bad one.
  EXPECT_EQ(run_cli({"list"}, &dm, &devs, file).status, 0);
}

FakeDmClient::State running_arrays() {
  FakeDmClient::State dm;
  auto r1 = make_device("r1", "raid-p2p",
                        "raid1 3 0 p2p_provider 0000:03:00.0 2 259:1 259:2 259:3 259:4", 524288);
  r1.uuid = "P2PRAID-3AAA0122-2982-7CFA-5331-AD66CA767371";
  dm.devices.push_back(r1);
  dm.devices.push_back(make_device("vg-lv", "linear", "259:5 2048", 1000));
  auto bare = make_device("bare", "raid-p2p", "raid1 3 0 p2p_provider none 2 - 259:0 - 259:1");
  bare.uuid = "";
  dm.devices.push_back(bare);
  auto r5 = make_device("r5", "raid-p2p",
                        "raid5_ls 3 128 p2p_provider none 3 - 259:0 - 259:1 - 259:2", 1048576);
  r5.uuid = "P2PRAID-0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15";
  dm.devices.push_back(r5);
  return dm;
}

constexpr const char* kMkconfGolden =
    "# raid-p2p arrays for 'p2praid-tool assemble --scan', written by 'p2praid-tool mkconf'.\n"
    "# The format is in p2praid-tool(8), FILES.\n"
    "DEVICE partitions\n"
    "ARRAY r1 uuid=3aaa0122-2982-7cfa-5331-ad66ca767371 level=raid1\n"
    "ARRAY r5 uuid=0b5c2e4f-17d3-4a6e-9c21-8f0d3b7e6a15 level=raid5_ls\n";

TEST(Mkconf, PrintsAConfigForTheRunningArrays) {
  auto dm = running_arrays();
  const auto r = run_cli({"mkconf"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, kMkconfGolden);
  EXPECT_EQ(r.err,
            "p2praid-tool: warning: bare: its device-mapper UUID is not P2PRAID-<array UUID>: it "
            "was not started by p2praid-tool; left out of the config\n");
  // What it prints is a config that parses.
  EXPECT_EQ(config::parse(r.out, "-").arrays.size(), 2U);
}

TEST(Mkconf, WritesTheFileWithDashO) {
  const TempDir dir("mkconf");
  auto dm = running_arrays();
  const fs::path file = dir.path() / "p2praid.conf";
  std::ofstream(file) << "old\n";
  auto r = run_cli({"-q", "mkconf", "-o", file.string()}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "");
  EXPECT_EQ(read_text(file), kMkconfGolden);
  r = run_cli({"mkconf", "--output-file", (dir.path() / "no-dir" / "x.conf").string()}, &dm);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("x.conf: cannot create a temporary file in "), std::string::npos) << r.err;
  // -o before the command is the report fields option, which mkconf has not.
  r = run_cli({"-o", "name", "mkconf"}, &dm);
  EXPECT_EQ(r.status, 3) << r.err;
}

TEST(Mkconf, WithoutArraysOnlyTheDeviceLine) {
  FakeDmClient::State dm;
  const auto r = run_cli({"mkconf"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(r.out.find("DEVICE")), "DEVICE partitions\n");
  EXPECT_NE(r.err.find("no raid-p2p array started by p2praid-tool is running"), std::string::npos);
  dm.fail_list = true;
  EXPECT_EQ(run_cli({"mkconf"}, &dm).status, 5);
}

}  // namespace
}  // namespace p2praid::test
