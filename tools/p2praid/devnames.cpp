// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/devnames.hpp"

#include <algorithm>
#include <filesystem>
#include <functional>
#include <iterator>

#include "p2praid/errors.hpp"

namespace p2praid::names {
namespace {

const blk::BlockDevice* by(const std::vector<blk::BlockDevice>& all,
                           const std::function<bool(const blk::BlockDevice&)>& match) {
  const auto it = std::find_if(all.begin(), all.end(), match);
  return it == all.end() ? nullptr : &*it;
}

// A kernel name, MAJOR:MINOR or /dev/NAME of a listed device: no need to
// look at the file system.
const blk::BlockDevice* direct(const std::vector<blk::BlockDevice>& all, const std::string& given) {
  if (given.find('/') == std::string::npos) {
    return by(all, [&](const blk::BlockDevice& b) { return b.name == given || b.devnum == given; });
  }
  return by(all, [&](const blk::BlockDevice& b) { return b.path == given; });
}

bool model_serial(const std::string& link) {
  const std::string name = std::filesystem::path(link).filename();
  return name.starts_with("nvme-") && !name.starts_with("nvme-eui.") &&
         !name.starts_with("nvme-uuid.") && !name.starts_with("nvme-nvme.");
}

bool identifier(const std::string& link) {
  const std::string name = std::filesystem::path(link).filename();
  return name.starts_with("nvme-eui.") || name.starts_with("nvme-uuid.");
}

}  // namespace

const blk::BlockDevice* resolve(const blk::Devices& devices,
                                const std::vector<blk::BlockDevice>& all,
                                const std::string& given) {
  if (const auto* b = direct(all, given)) return b;
  if (given.find('/') == std::string::npos) return nullptr;
  std::string devnum;
  if (given.starts_with("/dev/") && given.find('/', 5) == std::string::npos) {
    // /dev/NAME that is not a listed device: a symlink in /dev, or nothing,
    // which the caller names as it sees fit.
    try {
      devnum = devices.devnum_of(given);
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError&) {
      return nullptr;
    }
  } else {
    devnum = devices.devnum_of(given);
  }
  return by(all, [&](const blk::BlockDevice& b) { return b.devnum == devnum; });
}

const blk::BlockDevice* find(const blk::Devices& devices, const std::vector<blk::BlockDevice>& all,
                             const std::string& name) {
  try {
    return resolve(devices, all, name);
  } catch (const PermissionError&) {
    throw;
  } catch (const CommandError&) {
    return nullptr;
  }
}

std::optional<std::string> preferred_link(const std::vector<std::string>& links) {
  if (links.empty()) return std::nullopt;
  std::vector<std::string> sorted = links;
  std::sort(sorted.begin(), sorted.end());
  const auto longest = [](const std::string& a, const std::string& b) {
    return a.size() < b.size();
  };
  std::vector<std::string> named;
  std::copy_if(sorted.begin(), sorted.end(), std::back_inserter(named), model_serial);
  if (!named.empty()) return *std::max_element(named.begin(), named.end(), longest);
  const auto id = std::find_if(sorted.begin(), sorted.end(), identifier);
  return id != sorted.end() ? *id : sorted.front();
}

std::string stable(const blk::Devices& devices, const blk::BlockDevice& device) {
  return preferred_link(devices.links(device.name)).value_or(device.path);
}

std::string stable_partition(const blk::Devices& devices, const blk::BlockDevice& disk,
                             unsigned number) {
  if (const auto link = preferred_link(devices.links(disk.name))) {
    return *link + "-part" + std::to_string(number);
  }
  return "/dev/" + blk::partition_name(disk.name, number);
}

std::string stable_name(const blk::Devices& devices, const std::vector<blk::BlockDevice>& all,
                        const std::string& table_name) {
  if (table_name == "-") return table_name;
  const auto* b = find(devices, all, table_name);
  if (b == nullptr) return table_name;
  return preferred_link(devices.links(b->name)).value_or(table_name);
}

}  // namespace p2praid::names
