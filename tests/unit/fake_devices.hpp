// SPDX-License-Identifier: GPL-2.0-only
// Block devices kept in memory: listing, first bytes, and an sfdisk that
// understands the two-partition scripts create writes.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "p2praid/blockdev.hpp"

namespace p2praid::test {

class FakeDevices final : public blk::Devices {
 public:
  struct State {
    std::vector<blk::BlockDevice> devices;
    std::map<std::string, std::vector<std::uint8_t>> contents;  // by path, from byte 0
    std::vector<std::string> partitioned;                       // "PATH\nSCRIPT"
    std::vector<std::string> zeroed;                            // "PATH OFFSET LENGTH"
    std::optional<bool> confirm;  // the answer at the prompt; nullopt: no terminal
    bool fail_partition = false;
    std::set<std::string> busy;    // paths that cannot be opened exclusively
    std::set<std::string> denied;  // paths that only root may open
    // Symlinks to block devices, as udev makes them: path -> kernel name
    // ("/dev/disk/by-id/nvme-X" -> "nvme0n1"). Partitioning a disk adds
    // "<link>-partN" for each of its links.
    std::map<std::string, std::string> links;
    std::set<std::string> files;  // paths of files that are no block device
    // What libblkid would find, by path.
    std::map<std::string, std::vector<std::string>> signatures;
    std::vector<std::string> questions;  // asked at the prompt
  };

  explicit FakeDevices(State& state) : state_(&state) {}

  std::vector<blk::BlockDevice> list() const override;
  std::vector<std::uint8_t> read(const std::string& path, std::uint64_t offset,
                                 std::size_t length) const override;
  void zero(const std::string& path, std::uint64_t offset, std::uint64_t length) override;
  void write(const std::string& path, std::uint64_t offset,
             const std::vector<std::uint8_t>& bytes) override;
  std::optional<std::string> in_use(const std::string& path) const override;
  std::vector<std::string> signatures(const std::string& path) const override;
  std::string devnum_of(const std::string& path) const override;
  std::vector<std::string> links(const std::string& name) const override;
  void partition(const std::string& path, const std::string& script, unsigned partitions) override;

 private:
  State* state_;
};

// /dev/NAME of the device that `path` names, through `state`'s links; else
// `path` itself.
std::string canonical_path(const FakeDevices::State& state, const std::string& path);

// A whole NVMe namespace "nvmeXn1" of `mib` MiB.
blk::BlockDevice fake_disk(const std::string& name, std::uint64_t mib,
                           const std::string& devnum = "259:0");

}  // namespace p2praid::test
