// SPDX-License-Identifier: GPL-2.0-only
// The command line: exit codes, messages, list and stop on a fake
// device-mapper, and the built binary itself.
#include "p2praid/cli.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "test_support.hpp"

namespace p2praid::test {
namespace {

std::vector<std::string> with_root(const std::string& fixture, std::vector<std::string> args) {
  args.insert(args.begin(), {"--sysfs-root", fixture_dir(fixture).string()});
  return args;
}

TEST(Cli, UsageErrorsExitWith3) {
  for (const auto& args : std::vector<std::vector<std::string>>{
           {},
           {"--bogus"},
           {"frobnicate"},
           {"plan"},
           {"plan", "--level", "raid7", "--count", "2"},
           {"plan", "--level", "raid1"},
           {"plan", "--level", "raid1", "--count", "2", "--devices", "nvme0n1", "nvme1n1"},
           {"plan", "--level", "raid1", "--count", "0"},
           {"plan", "--level", "raid1", "--count", "two"},
           {"plan", "--level", "raid0", "--count", "2", "--chunk", "3k"},
           {"plan", "--level", "raid0", "--count", "2", "--chunk", "64KB"},
           {"plan", "--level", "raid0", "--count", "2", "--chunk", "2G"},
           {"plan", "--level", "raid1", "--count", "2", "--provider", "03:00.0"},
           {"plan", "--level", "raid1", "--count", "2", "--policy", "random"},
           {"topology", "-o", "yaml"},
           {"--sysfs-root", "/nonexistent/dir", "topology"},
           {"stop"},
       }) {
    const auto r = run_cli(args);
    std::string joined;
    for (const auto& a : args) joined += a + " ";
    EXPECT_EQ(r.status, 3) << joined << "\n" << r.err;
    EXPECT_EQ(r.err.rfind("p2praid-tool: error: ", 0), 0U) << joined << "\n" << r.err;
    EXPECT_TRUE(r.out.empty()) << joined;
  }
}

TEST(Cli, MemberCountsAreLimitedTo253) {
  auto r = run_cli(with_root("switch4", {"plan", "--level", "raid0", "--count", "254"}));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("254"), std::string::npos) << r.err;
  std::vector<std::string> args{"plan", "--level", "raid0", "--devices"};
  for (int i = 0; i < 254; ++i) args.push_back("nvme" + std::to_string(i) + "n1");
  r = run_cli(with_root("switch4", args));
  EXPECT_EQ(r.status, 3) << r.err;
  EXPECT_NE(r.err.find("at most 253 members"), std::string::npos) << r.err;
  r = run_cli(with_root("switch4", {"plan", "--level", "raid0", "--count", "253"}));
  EXPECT_EQ(r.status, 5) << r.err;  // not enough drives
}

// CLI11's own words ("Value 0 not in range", "Check ... FAILED") are
// rewritten into the tool's.
TEST(Cli, UsageErrorsSpeakTheToolsWords) {
  const std::vector<std::pair<std::vector<std::string>, std::string>> cases{
      {{"plan", "--level", "raid7", "--count", "2"},
       "--level: 'raid7' is not one of linear, raid0, raid1, raid10, raid4, "},
      {{"plan", "--level", "raid1", "--count", "0"}, "--count: '0' is not a number from 1 to 253"},
      {{"plan", "--level", "raid1", "--count", "two"},
       "--count: 'two' is not a number from 1 to 253"},
      {{"topology", "--output", "yaml"}, "--output: 'yaml' is not one of normal, json"},
      {{"topology", "--reportformat", "1"}, "--reportformat: '1' is not one of basic, json"},
      {{"create", "r1", "--level", "raid1", "x", "--metadata", "maybe"},
       "--metadata: 'maybe' is not one of on, off"},
      {{"plan", "--level", "raid1", "--count", "2", "--policy", "random"},
       "--policy: 'random' is not one of locality, spread"},
      {{"--sysfs-root", "/nonexistent/dir", "topology"},
       "--sysfs-root: '/nonexistent/dir' is not a directory"},
      {{"stop"}, "NAME is required: the device-mapper name of the array"},
      {{"replace", "r1", "x"}, "NEW is required: the new drive, a whole NVMe namespace"},
      {{"--bogus"}, "unknown option '--bogus'"},
      {{"stop", "a", "b"}, "unexpected argument 'b'"},
      {{"plan", "--level", "raid1", "--count", "2", "--devices", "a", "b"},
       "--devices and --count cannot be given together"},
      {{"plan", "--level"}, "--level needs a value (LEVEL)"},
  };
  for (const auto& [args, message] : cases) {
    const auto r = run_cli(args);
    EXPECT_EQ(r.status, 3) << message;
    EXPECT_EQ(r.err.rfind("p2praid-tool: error: " + message, 0), 0U) << r.err;
    for (const char* cli11 : {"Value ", "not in range", "FAILED", "->", "{", "The following",
                              "Could not convert", "is required\n", "excludes", "required LEVEL"}) {
      EXPECT_EQ(r.err.find(cli11), std::string::npos) << r.err;
    }
  }
}

TEST(Cli, HelpAndVersionExitWith0) {
  auto r = run_cli({"--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("topology"), std::string::npos);
  r = run_cli({"plan", "--help"});
  EXPECT_EQ(r.status, 0);
  EXPECT_NE(r.out.find("--policy"), std::string::npos);
  r = run_cli({"--version"});
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "p2praid-tool 0.1.0\nraid-p2p target: not loaded\n");
}

// The second line of --version is the target's version, as 'dmsetup targets'
// lists it; --version succeeds when device-mapper cannot say.
TEST(Version, NamesTheLoadedTarget) {
  FakeDmClient::State dm;
  dm.targets.push_back({"raid-p2p", 1, 1, 3});
  auto r = run_cli({"--version"}, &dm);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "p2praid-tool 0.1.0\nraid-p2p target: 1.1.3\n");
  EXPECT_EQ(r.err, "");
  dm.targets.pop_back();
  r = run_cli({"--version"}, &dm);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "p2praid-tool 0.1.0\nraid-p2p target: not loaded\n");
  dm.fail_versions = true;
  r = run_cli({"--version"}, &dm);
  EXPECT_EQ(r.status, 0);
  EXPECT_EQ(r.out, "p2praid-tool 0.1.0\nraid-p2p target: unknown\n");
  EXPECT_EQ(r.err,
            "p2praid-tool: warning: cannot list the device-mapper targets: Permission denied "
            "(fake)\n");
}

TEST(Cli, UnknownDeviceExitsWith5AndNamesIt) {
  const auto r = run_cli(with_root(
      "switch4", {"plan", "--level", "raid1", "--devices", "/dev/nvme0n1", "/dev/nvme9n1"}));
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme9n1: no such NVMe namespace"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Cli, RefusalsExitWith5) {
  auto r = run_cli(with_root("switch4", {"plan", "--level", "raid5", "--count", "9"}));
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("not enough drives"), std::string::npos) << r.err;
  r = run_cli(with_root("switch4", {"table", "--level", "raid1", "--devices", "nvme0n1", "nvme4n1",
                                    "--provider", "0000:07:00.0"}));
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("nvme0n1 unreachable"), std::string::npos) << r.err;
}

TEST(Cli, GlobalOptionsMayFollowTheCommand) {
  const auto r = run_cli(
      {"topology", "--reportformat", "json", "--sysfs-root", fixture_dir("two-switches").string()});
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["controllers"].size(), 4U);
}

TEST(Cli, TableWarningsGoToStderr) {
  const auto r = run_cli(with_root("two-switches", {"table", "--level", "raid1", "--policy",
                                                    "spread", "--devices", "nvme0n1", "nvme1n1"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "0 524288 raid-p2p raid1 3 0 p2p_provider 0000:03:00.0 2 - /dev/nvme0n1 - "
            "/dev/nvme1n1\n");
  EXPECT_NE(r.err.find("warning: mirrors nvme0n1 and nvme1n1 share"), std::string::npos) << r.err;
  const auto quiet =
      run_cli(with_root("two-switches", {"-q", "table", "--level", "raid1", "--policy", "spread",
                                         "--devices", "nvme0n1", "nvme1n1"}));
  EXPECT_TRUE(quiet.err.empty()) << quiet.err;
}

TEST(Cli, DroppedP2pIsAWarning) {
  const std::vector<std::string> args{"--level", "raid0", "--count", "2", "--chunk", "64M"};
  auto with = [&](std::vector<std::string> head) {
    head.insert(head.end(), args.begin(), args.end());
    return with_root("switch4", head);
  };
  auto r = run_cli(with({"table"}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("p2p_provider none"), std::string::npos);
  EXPECT_EQ(r.err.rfind("p2praid-tool: warning: no P2P (p2p_provider none): the array needs "
                        "128 MiB",
                        0),
            0U)
      << r.err;
  for (const char* command : {"plan", "table"}) {
    r = run_cli(with({"--reportformat", "json", command}));
    ASSERT_EQ(r.status, 0) << r.err;
    const auto warnings = nlohmann::json::parse(r.out)["warnings"];
    ASSERT_EQ(warnings.size(), 1U) << command << ": " << r.out;
    EXPECT_NE(warnings[0].get<std::string>().find("--chunk 32M or smaller"), std::string::npos);
  }
  r = run_cli(with({"table", "--provider", "none"}));
  EXPECT_EQ(r.status, 0);
  EXPECT_TRUE(r.err.empty()) << r.err;
  r = run_cli(with({"table", "--provider", "0000:03:00.0"}));
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("64 MiB of P2P memory available, 128 MiB needed"), std::string::npos)
      << r.err;
}

TEST(Cli, VerboseSaysWhatItRead) {
  const auto r = run_cli(with_root("switch4", {"-v", "topology"}));
  ASSERT_EQ(r.status, 0);
  EXPECT_NE(r.err.find("18 PCI functions, 6 NVMe controllers, 6 namespaces, 5 P2P providers"),
            std::string::npos)
      << r.err;
  EXPECT_NE(r.out.find("P2P paths:"), std::string::npos);
}

TEST(Cli, TopologyJsonIsTyped) {
  const auto r = run_cli(with_root("switch4", {"topology", "--reportformat", "json"}));
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  EXPECT_FALSE(doc["system"]["cpu_supports_p2pdma"].get<bool>());
  EXPECT_EQ(doc["namespaces"][0]["size"], 268435456);
  EXPECT_TRUE(doc["p2p_matrix"][0]["nvme4"].is_null());
  EXPECT_EQ(doc["p2p_matrix"][0]["nvme1"], 4);
  EXPECT_EQ(doc["p2p_paths"].size(), 30U);
  EXPECT_EQ(doc["controllers"][0]["namespaces"], nlohmann::json::array({"nvme0n1"}));
  EXPECT_TRUE(doc["warnings"].is_array());
  EXPECT_TRUE(doc["pci"][0]["upstream"].is_null());
}

// An exception that no command turned into a message is reported as a bug,
// not as the library's words alone ("stoul").
TEST(Cli, UnexpectedExceptionsAreReportedAsBugs) {
  cli::Services services;
  services.dm = [](const Log& /*log*/) -> std::unique_ptr<dm::Client> {
    throw std::out_of_range("stoul");
  };
  std::ostringstream out;
  std::ostringstream err;
  EXPECT_EQ(cli::run({"list"}, out, err, services), 5);
  EXPECT_EQ(err.str(),
            "p2praid-tool: error: internal error (stoul); this is a bug in p2praid-tool, please "
            "report it\n");
}

// --- list and stop --------------------------------------------------------------

FakeDmClient::State two_arrays() {
  FakeDmClient::State dm;
  dm.devices.push_back(make_device(
      "r1", "raid-p2p", "raid1 3 0 p2p_provider 0000:03:00.0 2 - 259:0 - 259:1", 524288));
  dm.devices.push_back(make_device("vg-lv", "linear", "259:5 2048", 1000));
  dm.devices.push_back(make_device(
      "r5", "raid-p2p", "raid5_ls 3 128 p2p_provider none 3 - 259:0 - 259:1 - 259:2", 1048576));
  return dm;
}

// A model string with a terminal escape, a newline and a byte that is not
// UTF-8 comes out as visible text.
TEST(Cli, TopologyShowsRawStringsSafely) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "p2praid-raw-model";
  fs::remove_all(dir);
  fs::copy(fixture_dir("switch4"), dir,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  std::ofstream(dir / "class/nvme/nvme0/model") << "QEMU\x1b[2J\nNVMe\xff\n";
  const auto r = run_cli({"--sysfs-root", dir.string(), "topology"});
  fs::remove_all(dir);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("QEMU\\x1b[2J\\x0aNVMe\uFFFD"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find('\x1b'), std::string::npos);
}

// A config file linked to /dev/zero, or a FIFO, fails the command with a
// message naming the file, instead of reading forever or waiting for a writer.
TEST(Cli, TopologyRefusesGarbageInSysfs) {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "p2praid-garbage";
  const fs::path config = dir / "devices/pci0000:00/0000:00:1c.0/config";
  for (const bool fifo : {false, true}) {
    fs::remove_all(dir);
    fs::copy(fixture_dir("switch4"), dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    fs::remove(config);
    if (fifo) {
      ASSERT_EQ(::mkfifo(config.c_str(), 0600), 0);
    } else {
      fs::create_symlink("/dev/zero", config);
    }
    const auto r = run_cli({"--sysfs-root", dir.string(), "topology"});
    EXPECT_EQ(r.status, 5);
    EXPECT_EQ(r.err.rfind("p2praid-tool: error: " + config.string() + ": ", 0), 0U) << r.err;
    EXPECT_TRUE(r.out.empty());
  }
  fs::remove_all(dir);
}

TEST(Cli, ListShowsOnlyRaidP2pDevices) {
  auto dm = two_arrays();
  const auto r = run_cli({"list", "--reportformat", "json"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  const auto doc = nlohmann::json::parse(r.out);
  ASSERT_EQ(doc["arrays"].size(), 2U);
  EXPECT_EQ(doc["arrays"][0]["name"], "r1");
  EXPECT_EQ(doc["arrays"][0]["raid_type"], "raid1");
  EXPECT_EQ(doc["arrays"][0]["members"], 2);
  EXPECT_EQ(doc["arrays"][0]["p2p_provider"], "0000:03:00.0");
  EXPECT_EQ(doc["arrays"][0]["size"], 268435456);
  EXPECT_EQ(doc["arrays"][1]["p2p_provider"], "none");
  const auto text = run_cli({"list"}, &dm);
  EXPECT_NE(text.out.find("r5"), std::string::npos);
  EXPECT_EQ(text.out.find("vg-lv"), std::string::npos);
}

TEST(Cli, ListFailureExitsWith5) {
  FakeDmClient::State dm;
  dm.fail_list = true;
  EXPECT_EQ(run_cli({"list"}, &dm).status, 5);
}

// lvm's report options: -o FIELD,..., -o +FIELD, --noheadings, --separator,
// --reportformat.
TEST(Cli, ReportFieldsAsLvm) {
  FakeDmClient::State dm;
  dm.devices.push_back(make_device("r1", "raid-p2p", "raid1 1 0 2 - /dev/a - /dev/b", 2048));
  dm.devices.push_back(make_device("r2", "raid-p2p", "raid0 1 8 2 - /dev/c - /dev/d", 4096));
  auto r = run_cli({"list", "-o", "name,raid_type", "--noheadings", "--separator", ":"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "r1:raid1\nr2:raid0\n");
  r = run_cli({"list", "-o", "raid_type,name"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "  RAID TYPE NAME\n  raid1     r1\n  raid0     r2\n");
  r = run_cli({"list", "--reportformat", "json", "-o", "name,table"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["arrays"][1].size(), 2U);
  EXPECT_EQ(j["arrays"][1]["table"], "0 4096 raid-p2p raid0 1 8 2 - /dev/c - /dev/d");
  // +FIELD: the default fields and FIELD, even one only JSON shows by default.
  r = run_cli({"list", "-o", "+table", "--separator", "|", "--noheadings"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.substr(0, r.out.find('\n')),
            "r1|P2PRAID-r1|253:0|1 MiB|raid1|2|-|0 2048 raid-p2p raid1 1 0 2 - /dev/a - /dev/b");
  // --noheadings alone keeps the alignment and drops titles and headings.
  r = run_cli({"list", "--noheadings"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.find("NAME"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.find("arrays:"), std::string::npos) << r.out;
  EXPECT_EQ(r.out.rfind("  r1", 0), 0U) << r.out;
  // Topology selects from the NVMe namespaces.
  r = run_cli(
      with_root("switch4", {"topology", "-o", "name,serial", "--noheadings", "--separator", " "}));
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out.rfind("nvme0n1 ", 0), 0U) << r.out;
  EXPECT_EQ(std::count(r.out.begin(), r.out.end(), '\n'), 6) << r.out;
}

TEST(Cli, UnknownReportFieldsListTheValidOnes) {
  FakeDmClient::State dm;
  auto r = run_cli({"list", "-o", "name,bogus"}, &dm);
  EXPECT_EQ(r.status, 3);
  EXPECT_EQ(r.err,
            "p2praid-tool: error: list: unknown field 'bogus'; the fields of list are name, uuid, "
            "devnum, size, raid_type, members, p2p_provider, table\n");
  EXPECT_TRUE(r.out.empty());
  r = run_cli({"create", "r1", "--level", "raid1", "a", "b", "-o", "name"}, &dm);
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("-o selects the fields of topology, list and status"), std::string::npos)
      << r.err;
  r = run_cli({"list", "-o", ","}, &dm);
  EXPECT_EQ(r.status, 3);
}

// -o json and -o normal, the old spelling of --reportformat, still work,
// with a note; --output stays as an alias.
TEST(Cli, OldOutputSpellingStillWorks) {
  FakeDmClient::State dm;
  dm.devices.push_back(make_device("r1", "raid-p2p", "raid1 1 0 2 - /dev/a - /dev/b", 2048));
  auto r = run_cli({"list", "-o", "json"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["arrays"][0]["name"], "r1");
  EXPECT_NE(r.err.find("-o json is deprecated; use --reportformat json"), std::string::npos)
      << r.err;
  r = run_cli({"list", "-o", "normal"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_NE(r.out.find("NAME"), std::string::npos);
  r = run_cli({"list", "--output", "json"}, &dm);
  ASSERT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(nlohmann::json::parse(r.out)["arrays"][0]["name"], "r1");
  EXPECT_EQ(run_cli({"list", "--output", "json", "--reportformat", "basic"}, &dm).status, 3);
}

TEST(Cli, StopRemovesARaidP2pArray) {
  auto dm = two_arrays();
  const auto r = run_cli({"stop", "r5"}, &dm);
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out, "stopped r5\n");
  EXPECT_EQ(dm.removed, std::vector<std::string>{"r5"});
}

TEST(Cli, StopRefusesOtherDevices) {
  auto dm = two_arrays();
  auto r = run_cli({"stop", "vg-lv"}, &dm);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("vg-lv: not a raid-p2p array (its targets: linear)"), std::string::npos)
      << r.err;
  r = run_cli({"stop", "nothere"}, &dm);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("nothere: no such device-mapper device"), std::string::npos) << r.err;
  dm.fail_remove = true;
  r = run_cli({"stop", "r1"}, &dm);
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("r1: cannot remove"), std::string::npos) << r.err;
  EXPECT_TRUE(dm.removed.empty());
}

// --- the binary -------------------------------------------------------------------

TEST(Binary, BadArgumentsExitWith3) {
  auto r = run_binary({"--no-such-option"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--no-such-option"), std::string::npos) << r.err;
  r = run_binary({"plan", "--count", "2"});
  EXPECT_EQ(r.status, 3);
  EXPECT_NE(r.err.find("--level"), std::string::npos) << r.err;
}

TEST(Binary, UnknownDeviceExitsWith5) {
  const auto r = run_binary({"--sysfs-root", fixture_dir("switch4").string(), "table", "--level",
                             "raid1", "--devices", "/dev/nvme0n1", "/dev/nvme7n1"});
  EXPECT_EQ(r.status, 5);
  EXPECT_NE(r.err.find("/dev/nvme7n1"), std::string::npos) << r.err;
  EXPECT_TRUE(r.out.empty());
}

TEST(Binary, PrintsATable) {
  const auto r = run_binary({"--sysfs-root", fixture_dir("switch4").string(), "table", "--level",
                             "raid0", "--count", "2", "--chunk", "256k"});
  EXPECT_EQ(r.status, 0) << r.err;
  EXPECT_EQ(r.out,
            "0 1048576 raid-p2p raid0 3 512 p2p_provider 0000:03:00.0 2 - /dev/nvme0n1 - "
            "/dev/nvme1n1\n");
}

TEST(Binary, Version) {
  const auto r = run_binary({"--version"});
  EXPECT_EQ(r.status, 0);
  // The second line depends on the machine: a version, "not loaded", or
  // "unknown" where device-mapper may not be asked.
  EXPECT_EQ(r.out.rfind("p2praid-tool 0.1.0\nraid-p2p target: ", 0), 0U) << r.out;
}

}  // namespace
}  // namespace p2praid::test
