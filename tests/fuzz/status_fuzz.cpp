// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the INFO status parser must never crash, and what it
// accepts must be self-consistent.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string_view>

#include "p2praid/status.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
  const std::string_view line(reinterpret_cast<const char*>(data), size);
  try {
    const auto s = p2praid::status::parse(line);
    if (s.members.empty() || s.sync_done > s.sync_total) std::abort();
    const double pct = s.sync_percent();
    if (pct < 0.0 || pct > 100.0) std::abort();
  } catch (const std::invalid_argument&) {
    // rejected: fine
  }
  return 0;
}
