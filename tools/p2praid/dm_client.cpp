// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/dm_client.hpp"

#include <algorithm>

namespace p2praid::dm {

std::string TargetVersion::version() const {
  return std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch);
}

bool Device::has_target_type(const std::string& type) const {
  return std::any_of(targets.begin(), targets.end(),
                     [&](const Target& t) { return t.type == type; });
}

std::vector<Device> with_target_type(const std::vector<Device>& devices, const std::string& type) {
  std::vector<Device> out;
  std::copy_if(devices.begin(), devices.end(), std::back_inserter(out),
               [&](const Device& d) { return d.has_target_type(type); });
  return out;
}

}  // namespace p2praid::dm
