// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the config file parser (/etc/p2praid.conf) must never
// crash, and what it accepts must print (format(), as mkconf writes it)
// and parse back to the same configuration.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "p2praid/config.hpp"
#include "p2praid/errors.hpp"

namespace {

using p2praid::config::Config;

bool same(const Config& a, const Config& b) {
  if (a.devices != b.devices || a.arrays.size() != b.arrays.size() ||
      a.policies.size() != b.policies.size())
    return false;
  for (std::size_t i = 0; i < a.arrays.size(); ++i) {
    const auto& x = a.arrays[i];
    const auto& y = b.arrays[i];
    if (x.name != y.name || x.uuid != y.uuid || x.level != y.level || x.devices != y.devices ||
        x.spares != y.spares || x.spare_group != y.spare_group)
      return false;
  }
  for (std::size_t i = 0; i < a.policies.size(); ++i) {
    const auto& x = a.policies[i];
    const auto& y = b.policies[i];
    if (x.action != y.action || x.spare_group != y.spare_group || x.paths != y.paths) return false;
  }
  return true;
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's name
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  Config config;
  try {
    config = p2praid::config::parse(text, "fuzz.conf");
  } catch (const p2praid::UsageError&) {
    return 0;
  }
  const std::string printed = p2praid::config::format(config);
  Config again;
  try {
    again = p2praid::config::parse(printed, "printed.conf");
  } catch (const p2praid::UsageError&) {
    std::abort();  // what we print must parse
  }
  if (!same(config, again)) std::abort();
  return 0;
}
