// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: superblock classification and decoding must never
// crash, and what decode() accepts must encode back to the same fields.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>

#include "p2praid/superblock.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  (void)p2praid::sb::classify(bytes);
  try {
    const auto sb = p2praid::sb::decode(bytes);
    if (p2praid::sb::decode(p2praid::sb::encode(sb)) != sb) std::abort();
    (void)p2praid::sb::uuid_string(sb.uuid);
    for (unsigned i = 0; i < sb.raid_disks; ++i) (void)sb.member_failed(i);
  } catch (const std::invalid_argument&) {
    // rejected: fine
  }
  return 0;
}
