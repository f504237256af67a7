#include "p2praid/sysfs.hpp"

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace p2praid::sysfs {
namespace {
namespace fs = std::filesystem;

class SysfsTest : public ::testing::Test {
 protected:
  FsReader reader_{test::fixture_dir("switch4")};
};

TEST_F(SysfsTest, ReadsAttributes) {
  EXPECT_EQ(read_hex(reader_, "/bus/pci/devices/0000:03:00.0/vendor"), 0x1b36U);
  EXPECT_EQ(read_hex(reader_, "/bus/pci/devices/0000:03:00.0/class"), 0x010802U);
  EXPECT_EQ(read_u64(reader_, "/class/block/nvme0n1/size"), 524288U);
  EXPECT_EQ(read_attr(reader_, "/class/nvme/nvme0/model"), "QEMU NVMe Ctrl");
  EXPECT_FALSE(read_attr(reader_, "/class/nvme/nvme9/model"));
}

TEST_F(SysfsTest, ReadsBinaryFiles) {
  const auto config = reader_.read_file("/bus/pci/devices/0000:01:00.0/config");
  ASSERT_TRUE(config);
  EXPECT_EQ(config->size(), 4096U);
}

TEST_F(SysfsTest, ListsDirectoriesSorted) {
  const auto names = reader_.list_dir("/class/nvme");
  EXPECT_EQ(names,
            (std::vector<std::string>{"nvme0", "nvme1", "nvme2", "nvme3", "nvme4", "nvme5"}));
  EXPECT_TRUE(reader_.list_dir("/class/missing").empty());
}

TEST_F(SysfsTest, ResolvesSymlinksInsideTheRoot) {
  EXPECT_EQ(reader_.realpath("/bus/pci/devices/0000:03:00.0"),
            fs::path("/devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:00.0/0000:03:00.0"));
  EXPECT_EQ(reader_.realpath("/class/block/nvme0n1/device")->filename(), "nvme0");
  EXPECT_EQ(reader_.realpath("/"), fs::path("/"));
  EXPECT_FALSE(reader_.realpath("/class/nvme/nvme9"));
}

TEST(Sysfs, RefusesLinksLeavingTheRoot) {
  const fs::path dir = fs::temp_directory_path() / "p2praid-sysfs-escape";
  fs::remove_all(dir);
  fs::create_directories(dir / "root" / "class");
  std::ofstream(dir / "outside") << "x\n";
  fs::create_symlink("../../outside", dir / "root" / "class" / "escape");
  const FsReader reader(dir / "root");
  EXPECT_FALSE(reader.realpath("/class/escape"));
  fs::remove_all(dir);
}

TEST(Sysfs, ParsesNumbersStrictly) {
  const fs::path dir = fs::temp_directory_path() / "p2praid-sysfs-numbers";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "dec") << "  42\n";
  std::ofstream(dir / "bad") << "42x\n";
  std::ofstream(dir / "hex") << "0x00ff\n";
  const FsReader reader(dir);
  EXPECT_EQ(read_u64(reader, "/dec"), 42U);
  EXPECT_FALSE(read_u64(reader, "/bad"));
  EXPECT_EQ(read_hex(reader, "/hex"), 0xffU);
  fs::remove_all(dir);
}

}  // namespace
}  // namespace p2praid::sysfs
