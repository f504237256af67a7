// SPDX-License-Identifier: GPL-2.0-only
// Read-only access to sysfs, behind a small interface so that tests can
// point the tool at fixture trees (tests/fixtures/sysfs/<name>/).
#pragma once

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace p2praid::sysfs {

// The most a file read from sysfs may hold. A sysfs attribute holds at most
// a page (4 KiB; 64 KiB on some arm64 and ppc64 kernels) and a PCI config
// file 4096 bytes; anything larger is not what the tool looks for.
inline constexpr std::size_t kMaxFileSize = std::size_t{64} * 1024;

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

  // The whole content of a file (binary safe), or nullopt if it is missing
  // or cannot be read. Throws CommandError, naming the file and what is
  // wrong, for what cannot be a sysfs attribute: a path that resolves
  // outside the sysfs root, something other than a regular file, more than
  // kMaxFileSize bytes.
  virtual std::optional<std::string> read_file(const std::filesystem::path& path) const = 0;

  // The names in a directory, sorted; empty if it is missing. Throws
  // CommandError if the directory resolves outside the sysfs root.
  virtual std::vector<std::string> list_dir(const std::filesystem::path& path) const = 0;

  // The canonical sysfs path of `path` with every symlink resolved, or
  // nullopt if it does not exist or resolves outside the sysfs root.
  virtual std::optional<std::filesystem::path> realpath(
      const std::filesystem::path& path) const = 0;

  // A description of where this reader reads from, for messages.
  virtual std::string describe(const std::filesystem::path& path) const = 0;
};

// Reads the directory tree at `root` (/sys, or a fixture). Symlinks are
// followed as long as they resolve inside the root, as sysfs's own relative
// links (class/nvme/nvme0 -> ../../devices/...) do. Files are opened
// without blocking (a FIFO would wait for a writer) and read at most
// kMaxFileSize + 1 bytes (/dev/zero never ends).
class FsReader final : public Reader {
 public:
  explicit FsReader(std::filesystem::path root);

  std::optional<std::string> read_file(const std::filesystem::path& path) const override;
  std::vector<std::string> list_dir(const std::filesystem::path& path) const override;
  std::optional<std::filesystem::path> realpath(const std::filesystem::path& path) const override;
  std::string describe(const std::filesystem::path& path) const override;

 private:
  std::filesystem::path host_path(const std::filesystem::path& path) const;
  // The canonical host path of `path`, nullopt if it does not exist; throws
  // if it is outside the root.
  std::optional<std::filesystem::path> resolve(const std::filesystem::path& path) const;

  std::filesystem::path root_;
};

// A sysfs attribute with surrounding white space removed.
std::optional<std::string> read_attr(const Reader& reader, const std::filesystem::path& path);

// A decimal unsigned attribute ("524288\n") of at most `max`, nullopt if
// the file is missing. Anything else there (no digits, other characters,
// a larger value) throws CommandError naming the file and the value.
std::optional<std::uint64_t> read_u64(const Reader& reader, const std::filesystem::path& path,
                                      std::uint64_t max = UINT64_MAX);

// A hexadecimal attribute with an optional 0x prefix ("0x1b36\n"), as
// read_u64().
std::optional<std::uint64_t> read_hex(const Reader& reader, const std::filesystem::path& path,
                                      std::uint64_t max = UINT64_MAX);

}  // namespace p2praid::sysfs
