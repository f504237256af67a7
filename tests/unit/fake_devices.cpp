// SPDX-License-Identifier: GPL-2.0-only
#include "fake_devices.hpp"

#include <algorithm>
#include <cerrno>
#include <regex>

#include "p2praid/errors.hpp"

namespace p2praid::test {

std::vector<blk::BlockDevice> FakeDevices::list() const {
  auto out = state_->devices;
  std::sort(out.begin(), out.end(),
            [](const blk::BlockDevice& a, const blk::BlockDevice& b) { return a.name < b.name; });
  return out;
}

std::string canonical_path(const FakeDevices::State& state, const std::string& path) {
  const auto link = state.links.find(path);
  return link != state.links.end() ? "/dev/" + link->second : path;
}

std::vector<std::uint8_t> FakeDevices::read(const std::string& path, std::uint64_t offset,
                                            std::size_t length) const {
  if (state_->denied.count(path) != 0) blk::throw_open_error(path, EACCES);
  const auto it = state_->contents.find(canonical_path(*state_, path));
  std::vector<std::uint8_t> out(length, 0);
  if (it == state_->contents.end()) return out;
  for (std::size_t i = 0; i < length && offset + i < it->second.size(); ++i) {
    out[i] = it->second[offset + i];
  }
  return out;
}

void FakeDevices::zero(const std::string& path, std::uint64_t offset, std::uint64_t length) {
  state_->zeroed.push_back(path + " " + std::to_string(offset) + " " + std::to_string(length));
  auto& bytes = state_->contents[canonical_path(*state_, path)];
  for (std::uint64_t i = offset; i < offset + length && i < bytes.size(); ++i) bytes[i] = 0;
}

void FakeDevices::write(const std::string& path, std::uint64_t offset,
                        const std::vector<std::uint8_t>& bytes) {
  if (state_->denied.count(path) != 0) blk::throw_open_error(path, EACCES);
  auto& content = state_->contents[canonical_path(*state_, path)];
  if (content.size() < offset + bytes.size()) content.resize(offset + bytes.size(), 0);
  std::copy(bytes.begin(), bytes.end(), content.begin() + static_cast<std::ptrdiff_t>(offset));
}

std::optional<std::string> FakeDevices::in_use(const std::string& path) const {
  if (state_->busy.count(path) == 0) return std::nullopt;
  return "mounted, or open by another program";
}

std::vector<std::string> FakeDevices::signatures(const std::string& path) const {
  const auto it = state_->signatures.find(path);
  return it == state_->signatures.end() ? std::vector<std::string>{} : it->second;
}

std::string FakeDevices::devnum_of(const std::string& path) const {
  if (state_->files.count(path) != 0) throw CommandError(path + ": not a block device (fake)");
  const auto link = state_->links.find(path);
  const std::string name = link != state_->links.end() ? link->second
                           : path.starts_with("/dev/") ? path.substr(5)
                                                       : path;
  for (const auto& d : state_->devices) {
    if (d.name == name) return d.devnum;
  }
  throw CommandError(path + ": no such file or directory (fake)");
}

std::vector<std::string> FakeDevices::links(const std::string& name) const {
  std::vector<std::string> out;
  for (const auto& [link, target] : state_->links) {
    if (target == name) out.push_back(link);
  }
  return out;
}

void FakeDevices::partition(const std::string& path, const std::string& script,
                            unsigned partitions) {
  if (state_->fail_partition) throw CommandError(path + ": sfdisk failed (fake)");
  state_->partitioned.push_back(path + "\n" + script);
  const std::string disk = path.substr(5);
  auto& devs = state_->devices;
  std::erase_if(devs,
                [&](const blk::BlockDevice& d) { return d.partition != 0 && d.disk == disk; });
  const std::regex line(R"(size=(\d+), type=[^,]+, name="([^"]+)\")");
  unsigned number = 0;
  for (std::sregex_iterator it(script.begin(), script.end(), line), end; it != end; ++it) {
    blk::BlockDevice p;
    p.name = blk::partition_name(disk, ++number);
    p.path = "/dev/" + p.name;
    p.disk = disk;
    p.partition = number;
    p.label = (*it)[2];
    p.sectors = std::stoull((*it)[1]);
    p.devnum = "259:" + std::to_string(100 + devs.size());
    devs.push_back(p);
  }
  if (number != partitions) throw CommandError(path + ": script made the wrong partitions");
  for (const auto& link : links(disk)) {
    for (unsigned n = 1; n <= number; ++n) {
      state_->links[link + "-part" + std::to_string(n)] = blk::partition_name(disk, n);
    }
  }
}

blk::BlockDevice fake_disk(const std::string& name, std::uint64_t mib, const std::string& devnum) {
  blk::BlockDevice d;
  d.name = name;
  d.path = "/dev/" + name;
  d.disk = name;
  d.devnum = devnum;
  d.sectors = mib * 2048;
  return d;
}

}  // namespace p2praid::test
