// SPDX-License-Identifier: GPL-2.0-only
// The system's block devices: how running sfdisk fails, and what is said.
#include "p2praid/blockdev.hpp"

#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "p2praid/errors.hpp"
#include "p2praid/process.hpp"
#include "p2praid/sysfs.hpp"
#include "test_support.hpp"

namespace p2praid::test {
namespace {
namespace fs = std::filesystem;

// A disk that does not exist, so that even a real sfdisk could not write.
constexpr const char* kDisk = "/nonexistent/p2praid-test-disk";

// An "sfdisk" of the test's making, first in PATH.
class FakeSfdisk : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() / ("p2praid-sfdisk-" + std::to_string(::getpid()));
    fs::create_directories(dir_);
    const char* path = std::getenv("PATH");  // NOLINT(concurrency-mt-unsafe)
    old_path_ = path != nullptr ? path : "/usr/bin:/bin";
    set_path(dir_.string() + ":" + old_path_);
  }
  void TearDown() override {
    set_path(old_path_);
    proc::system_dirs() = old_dirs_;
    fs::remove_all(dir_);
  }

  static void set_path(const std::string& path) {
    ::setenv("PATH", path.c_str(), 1);  // NOLINT(concurrency-mt-unsafe)
  }

  void script(const std::string& body) const {
    const fs::path file = dir_ / "sfdisk";
    std::ofstream(file) << "#!/bin/sh\n" << body << "\n";
    fs::permissions(file, fs::perms::owner_all);
  }

  // partition() on kDisk with `input`; the error's message.
  static std::string partition_error(const std::string& input) {
    const auto devs =
        blk::make_system_devices(std::make_unique<sysfs::FsReader>(fixture_dir("switch4")));
    try {
      devs->partition(kDisk, input, 2);
    } catch (const CommandError& e) {
      return e.what();
    }
    return "no error";
  }

  fs::path dir_;
  std::string old_path_;
  std::vector<std::string> old_dirs_ = proc::system_dirs();
};

TEST_F(FakeSfdisk, ExitStatusAndItsMessage) {
  script(
      "cat >/dev/null; echo 'sfdisk: cannot open the disk: Device or resource busy' >&2; "
      "exit 1");
  EXPECT_EQ(partition_error("label: gpt\n"),
            std::string(kDisk) +
                ": sfdisk exited with status 1: sfdisk: cannot open the disk: Device or resource "
                "busy; is the drive in use? 'lsblk " +
                kDisk + "' shows what holds it");
}

TEST_F(FakeSfdisk, KilledBySignal) {
  script("kill -9 $$");
  EXPECT_EQ(partition_error("label: gpt\n"),
            std::string(kDisk) + ": sfdisk was killed by signal 9 (Killed)");
}

// sfdisk stops reading and exits: writing the rest of its input must
// neither kill the tool with SIGPIPE nor hide sfdisk's own message.
TEST_F(FakeSfdisk, StopsReadingItsInput) {
  script("exec 0<&-; echo 'sfdisk: no input wanted' >&2; exit 2");
  const std::string big(std::size_t{4} << 20, '#');
  EXPECT_EQ(partition_error(big).rfind(
                std::string(kDisk) + ": sfdisk exited with status 2: sfdisk: no input wanted", 0),
            0U);
}

// sfdisk lives in /usr/sbin, which the PATH of a service or of a minimal
// init often leaves out: it is still found in the system directories.
TEST_F(FakeSfdisk, FoundOutsidePath) {
  script("echo 'sfdisk: found' >&2; exit 3");  // no PATH: shell builtins only
  set_path("/nonexistent");
  proc::system_dirs() = {dir_.string()};
  EXPECT_EQ(partition_error("label: gpt\n")
                .rfind(std::string(kDisk) + ": sfdisk exited with status 3: sfdisk: found", 0),
            0U);
}

TEST_F(FakeSfdisk, NotInstalled) {
  set_path(dir_.string());
  proc::system_dirs().clear();
  EXPECT_EQ(partition_error("label: gpt\n"),
            std::string(kDisk) +
                ": cannot run sfdisk: No such file or directory; install it "
                "(Debian: apt install fdisk)");
}

// libblkid, on image files: nothing on a blank one, the partition table
// and the filesystem with its label on others.
TEST(Signatures, WhatLibblkidFinds) {
  const auto dir = fs::temp_directory_path() / ("p2praid-blkid-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  const auto image = [&](const std::string& name) {
    const auto path = dir / name;
    std::ofstream(path).close();
    fs::resize_file(path, 8 * 1024 * 1024);
    return path.string();
  };
  const auto devs =
      blk::make_system_devices(std::make_unique<sysfs::FsReader>(fixture_dir("switch4")));
  const auto blank = image("blank");
  EXPECT_TRUE(devs->signatures(blank).empty());
  const auto gpt = image("gpt");
  const std::string label = "echo 'label: gpt' | sfdisk -q '" + gpt + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(label.c_str()), 0);  // NOLINT(cert-env33-c)
  EXPECT_EQ(devs->signatures(gpt), std::vector<std::string>{"gpt partition table"});
  const auto ext4 = image("ext4");
  const std::string mkfs = "mkfs.ext4 -q -F -L data '" + ext4 + "' >/dev/null 2>&1";
  ASSERT_EQ(std::system(mkfs.c_str()), 0);  // NOLINT(cert-env33-c)
  EXPECT_EQ(devs->signatures(ext4), std::vector<std::string>{"ext4 filesystem 'data'"});
  EXPECT_TRUE(devs->signatures((dir / "none").string()).empty());
  fs::remove_all(dir);
}

}  // namespace
}  // namespace p2praid::test
