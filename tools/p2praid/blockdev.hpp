// SPDX-License-Identifier: GPL-2.0-only
// Block devices behind an interface: listing (sysfs), reading and zeroing
// (O_DIRECT), and partitioning (sfdisk). Tests use a fake.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "p2praid/sysfs.hpp"

namespace p2praid::blk {

struct BlockDevice {
  std::string name;        // "nvme0n1p1"
  std::string path;        // "/dev/nvme0n1p1"
  std::string disk;        // the whole disk: "nvme0n1" (itself for a disk)
  unsigned partition = 0;  // partition number, 0 for a whole disk
  std::string label;       // GPT partition name (PARTNAME), "" if none
  std::string devnum;      // "259:1"
  std::uint64_t sectors = 0;
  std::vector<std::string> holders;  // devices stacked on it ("dm-3")
};

class Devices {
 public:
  Devices() = default;
  Devices(const Devices&) = delete;
  Devices& operator=(const Devices&) = delete;
  Devices(Devices&&) = delete;
  Devices& operator=(Devices&&) = delete;
  virtual ~Devices() = default;

  // Every block device, disks and partitions, sorted by name.
  virtual std::vector<BlockDevice> list() const = 0;

  // `length` bytes at `offset`, bypassing the page cache. Throws CommandError.
  virtual std::vector<std::uint8_t> read(const std::string& path, std::uint64_t offset,
                                         std::size_t length) const = 0;

  // Writes zeros over [offset, offset + length), synchronously. Throws CommandError.
  virtual void zero(const std::string& path, std::uint64_t offset, std::uint64_t length) = 0;

  // Writes `bytes` at `offset` (both multiples of 4 KiB), synchronously.
  // Throws CommandError.
  virtual void write(const std::string& path, std::uint64_t offset,
                     const std::vector<std::uint8_t>& bytes) = 0;

  // Why the device at `path` cannot be opened exclusively (O_EXCL: it is
  // mounted, or a device-mapper or md device or a program holds it), or
  // nullopt if it can. Throws CommandError if it cannot be opened at all.
  virtual std::optional<std::string> in_use(const std::string& path) const = 0;

  // What libblkid finds on the device at `path`, as wipefs lists it: "gpt
  // partition table", "ext4 filesystem 'data'"; none for a blank device or
  // one that cannot be probed (other checks name that).
  virtual std::vector<std::string> signatures(const std::string& path) const = 0;

  // MAJOR:MINOR of the block device that `path` (any path or symlink) is,
  // from realpath() and stat(). Throws CommandError naming `path` if it does
  // not exist or is no block device, PermissionError if it may not be read.
  virtual std::string devnum_of(const std::string& path) const = 0;

  // The /dev/disk/by-id links to the device `name` ("nvme0n1p2"), sorted;
  // none when the devices are not the running system's (--sysfs-root).
  virtual std::vector<std::string> links(const std::string& name) const = 0;

  // Writes a new partition table to the disk at `path` with sfdisk, from
  // `script` (sfdisk's input format), and waits until the kernel shows
  // partitions 1 to `partitions` with their /dev nodes. Throws CommandError.
  virtual void partition(const std::string& path, const std::string& script,
                         unsigned partitions) = 0;
};

// Throws the error of opening `path` failing with `error` (an errno):
// PermissionError for EACCES and EPERM, else CommandError.
[[noreturn]] void throw_open_error(const std::string& path, int error);

// The partitions of `disk` ("nvme0n1") are "nvme0n1p1", ...; of "sda", "sda1".
std::string partition_name(const std::string& disk, unsigned number);

// Devices of the running system, listed from `sysfs` (/sys/class/block).
// `live`: `sysfs` is the running system's /sys, so that /dev/disk/by-id
// names the devices it lists.
std::unique_ptr<Devices> make_system_devices(std::unique_ptr<sysfs::Reader> sysfs,
                                             bool live = true);

}  // namespace p2praid::blk
