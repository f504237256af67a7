// Read-only access to sysfs, behind a small interface so that tests can
// point the tool at fixture trees (tests/fixtures/sysfs/<name>/).
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2praid::sysfs {

// Paths given to a Reader are sysfs paths: "/bus/pci/devices" means
// <root>/bus/pci/devices, where <root> is /sys on a live system.
class Reader {
 public:
  Reader() = default;
  Reader(const Reader&) = delete;
  Reader& operator=(const Reader&) = delete;
  Reader(Reader&&) = delete;
  Reader& operator=(Reader&&) = delete;
  virtual ~Reader() = default;

  // The whole content of a file (binary safe), or nullopt if it cannot be read.
  virtual std::optional<std::string> read_file(const std::filesystem::path& path) const = 0;

  // The names in a directory, sorted; empty if it is missing.
  virtual std::vector<std::string> list_dir(const std::filesystem::path& path) const = 0;

  // The canonical sysfs path of `path` with every symlink resolved, or
  // nullopt if it does not exist or resolves outside the sysfs root.
  virtual std::optional<std::filesystem::path> realpath(
      const std::filesystem::path& path) const = 0;

  // A description of where this reader reads from, for messages.
  virtual std::string describe(const std::filesystem::path& path) const = 0;
};

// Reads the directory tree at `root` (/sys, or a fixture).
class FsReader final : public Reader {
 public:
  explicit FsReader(std::filesystem::path root);

  std::optional<std::string> read_file(const std::filesystem::path& path) const override;
  std::vector<std::string> list_dir(const std::filesystem::path& path) const override;
  std::optional<std::filesystem::path> realpath(const std::filesystem::path& path) const override;
  std::string describe(const std::filesystem::path& path) const override;

 private:
  std::filesystem::path host_path(const std::filesystem::path& path) const;

  std::filesystem::path root_;
};

// A sysfs attribute with surrounding white space removed.
std::optional<std::string> read_attr(const Reader& reader, const std::filesystem::path& path);

// A decimal unsigned attribute ("524288\n").
std::optional<std::uint64_t> read_u64(const Reader& reader, const std::filesystem::path& path);

// A hexadecimal attribute with a 0x prefix ("0x1b36\n").
std::optional<std::uint64_t> read_hex(const Reader& reader, const std::filesystem::path& path);

}  // namespace p2praid::sysfs
