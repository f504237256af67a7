// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: decoding the tool's record must never crash, and what
// decode() accepts must encode back to the same record.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>

#include "p2praid/record.hpp"

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::span<const std::uint8_t> bytes(data, size);
  try {
    const auto r = p2praid::record::decode(bytes);
    if (r && p2praid::record::decode(p2praid::record::encode(*r)) != r) std::abort();
  } catch (const std::invalid_argument&) {
    // rejected, or too large to encode again: fine
  }
  return 0;
}
