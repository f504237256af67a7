// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/sysfs.hpp"

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "p2praid/errors.hpp"
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

// The message of the CommandError that `read` throws, or "".
template <typename F>
std::string error_of(F&& read) {
  try {
    (void)read();
  } catch (const CommandError& e) {
    return e.what();
  }
  return {};
}

TEST(Sysfs, ParsesNumbersStrictly) {
  const fs::path dir = fs::temp_directory_path() / "p2praid-sysfs-numbers";
  fs::remove_all(dir);
  fs::create_directories(dir);
  std::ofstream(dir / "dec") << "  42\n";
  std::ofstream(dir / "bad") << "42x\n";
  std::ofstream(dir / "empty") << "\n";
  std::ofstream(dir / "wide") << "18446744073709551616\n";
  std::ofstream(dir / "escape") << "\x1b[2J\n";
  std::ofstream(dir / "hex") << "0x00ff\n";
  std::ofstream(dir / "nohex") << "0x\n";
  const FsReader reader(dir);
  const std::string at = dir.string() + "/";
  EXPECT_EQ(read_u64(reader, "/dec"), 42U);
  EXPECT_EQ(read_hex(reader, "/hex"), 0xffU);
  EXPECT_FALSE(read_u64(reader, "/missing"));
  // Before, these read as nullopt, which callers took as 0.
  EXPECT_EQ(error_of([&] { return read_u64(reader, "/bad"); }),
            at + "bad: \"42x\" is not a decimal number");
  EXPECT_EQ(error_of([&] { return read_u64(reader, "/empty"); }),
            at + "empty: \"\" is not a decimal number");
  EXPECT_EQ(error_of([&] { return read_u64(reader, "/wide"); }),
            at + "wide: 18446744073709551616 is out of range (at most 18446744073709551615)");
  EXPECT_EQ(error_of([&] { return read_u64(reader, "/escape"); }),
            at + "escape: \"\\x1b[2J\" is not a decimal number");
  EXPECT_EQ(error_of([&] { return read_hex(reader, "/nohex"); }),
            at + "nohex: \"0x\" is not a hexadecimal number");
  EXPECT_EQ(error_of([&] { return read_hex(reader, "/bad"); }),
            at + "bad: \"42x\" is not a hexadecimal number");
  EXPECT_EQ(read_u64(reader, "/dec", 42), 42U);
  EXPECT_EQ(error_of([&] { return read_u64(reader, "/dec", 41); }),
            at + "dec: 42 is out of range (at most 41)");
  EXPECT_EQ(error_of([&] { return read_hex(reader, "/hex", 0xfe); }),
            at + "hex: 0x00ff is out of range (at most 0xfe)");
  fs::remove_all(dir);
}

// A scratch sysfs root: <temp>/<name>/root, with <temp>/<name> removed again.
class Scratch {
 public:
  explicit Scratch(const std::string& name) : dir_(fs::temp_directory_path() / name) {
    fs::remove_all(dir_);
    fs::create_directories(root());
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) = delete;
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() { fs::remove_all(dir_); }

  fs::path dir() const { return dir_; }
  fs::path root() const { return dir_ / "root"; }

 private:
  fs::path dir_;
};

// The message of the CommandError that reading `path` throws, or "".
std::string refusal(const Reader& reader, const fs::path& path) {
  try {
    (void)reader.read_file(path);
  } catch (const CommandError& e) {
    return e.what();
  }
  return {};
}

bool contains(const std::string& text, const std::string& part) {
  return text.find(part) != std::string::npos;
}

TEST(Sysfs, RefusesAFileLinkedOutOfTheRoot) {
  // Before, a config linked to /dev/zero was read until memory ran out.
  const Scratch s("p2praid-sysfs-zero");
  fs::create_symlink("/dev/zero", s.root() / "config");
  const FsReader reader(s.root());
  const auto msg = refusal(reader, "/config");
  EXPECT_TRUE(contains(msg, (s.root() / "config").string() + ": resolves to /dev/zero, outside"))
      << msg;
}

TEST(Sysfs, RefusesWhatIsNotARegularFile) {
  const Scratch s("p2praid-sysfs-fifo");
  ASSERT_EQ(::mkfifo((s.root() / "fifo").c_str(), 0600), 0);
  const FsReader reader(s.root());
  auto msg = refusal(reader, "/fifo");  // before, this blocked for a writer
  EXPECT_TRUE(contains(msg, (s.root() / "fifo").string() + ": not a regular file (a FIFO)")) << msg;
  const FsReader host("/");
  msg = refusal(host, "/dev/zero");
  EXPECT_TRUE(contains(msg, "/dev/zero: not a regular file (a character device)")) << msg;
}

TEST(Sysfs, RefusesFilesLargerThanAnAttribute) {
  const Scratch s("p2praid-sysfs-huge");
  std::ofstream(s.root() / "huge").close();
  fs::resize_file(s.root() / "huge", std::uintmax_t{1} << 30);  // sparse: 1 GiB of zeros
  std::ofstream(s.root() / "page").close();
  fs::resize_file(s.root() / "page", kMaxFileSize);
  const FsReader reader(s.root());
  const auto msg = refusal(reader, "/huge");
  EXPECT_TRUE(contains(msg, (s.root() / "huge").string() + ": larger than 65536 bytes")) << msg;
  const auto page = reader.read_file("/page");
  ASSERT_TRUE(page);
  EXPECT_EQ(page->size(), kMaxFileSize);
}

TEST(Sysfs, FollowsLinksThatStayInside) {
  // As /sys/class/... links to ../../devices/...: fine, wherever they point
  // inside the root.
  const Scratch s("p2praid-sysfs-inside");
  fs::create_directories(s.root() / "devices" / "dev0");
  std::ofstream(s.root() / "devices" / "dev0" / "size") << "8\n";
  fs::create_directories(s.root() / "class");
  fs::create_symlink("../devices/dev0", s.root() / "class" / "dev0");
  fs::create_symlink("../devices/dev0/size", s.root() / "class" / "size");
  const FsReader reader(s.root());
  EXPECT_EQ(read_attr(reader, "/class/dev0/size"), "8");
  EXPECT_EQ(read_attr(reader, "/class/size"), "8");
  EXPECT_EQ(reader.list_dir("/class/dev0"), std::vector<std::string>{"size"});
  EXPECT_FALSE(reader.read_file("/class/missing"));
}

TEST(Sysfs, RefusesDirectoriesLinkedOutOfTheRoot) {
  const Scratch s("p2praid-sysfs-escape-dir");
  fs::create_directories(s.dir() / "outside");
  std::ofstream(s.dir() / "outside" / "model") << "x\n";
  fs::create_directories(s.root() / "class");
  fs::create_symlink("../../outside", s.root() / "class" / "nvme0");
  const FsReader reader(s.root());
  const auto msg = refusal(reader, "/class/nvme0/model");
  EXPECT_TRUE(contains(msg, "outside the sysfs root")) << msg;
  EXPECT_THROW((void)reader.list_dir("/class/nvme0"), CommandError);
}

}  // namespace
}  // namespace p2praid::sysfs
