// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the size parser must never crash or overflow, and what
// it accepts must come back from the same number in bytes and in each unit
// that divides it, and format_size() must not claim more than it was given.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>

#include "p2praid/size.hpp"

namespace {

using namespace p2praid::units;

std::uint64_t parse_or_abort(const std::string& text) {
  try {
    return parse_size(text);
  } catch (const std::invalid_argument&) {
    std::abort();  // a size we printed ourselves must parse
  }
}

void check_round_trip(std::uint64_t bytes) {
  if (parse_or_abort(std::to_string(bytes)) != bytes) std::abort();
  struct Unit {
    const char* suffix;
    std::uint64_t factor;
  };
  for (const Unit& u : {Unit{"B", 1}, Unit{"s", kSectorSize}, Unit{"k", kKiB}, Unit{"KiB", kKiB},
                        Unit{"M", kMiB}, Unit{"mib", kMiB}, Unit{"g", kGiB}, Unit{"GiB", kGiB},
                        Unit{"T", kTiB}, Unit{"tib", kTiB}}) {
    if (bytes % u.factor != 0) continue;
    if (parse_or_abort(std::to_string(bytes / u.factor) + u.suffix) != bytes) std::abort();
  }
  // "1.5 GiB": the whole units, times the unit, are at most the size.
  const std::string people = format_size(bytes);
  const auto space = people.find(' ');
  if (space == std::string::npos || space == 0) std::abort();
  const auto dot = people.find('.');
  const std::string whole = people.substr(0, std::min(space, dot));
  const std::string unit = people.substr(space + 1);
  if (parse_or_abort(whole + (unit == "B" ? "" : unit)) > bytes) std::abort();
  if (dot == std::string::npos && bytes < kKiB && whole != std::to_string(bytes)) std::abort();
}

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast): bytes as text
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  try {
    check_round_trip(parse_size(text));
  } catch (const std::invalid_argument&) {
    // rejected: fine
  }
  // Any 64-bit size, also those no text parses to, formats and comes back.
  const std::span<const std::uint8_t> bytes(data, size);
  if (bytes.size() >= sizeof(std::uint64_t)) {
    std::uint64_t raw = 0;
    for (std::size_t i = 0; i < sizeof raw; ++i) raw = (raw << 8) | bytes[i];
    check_round_trip(raw);
  }
  return 0;
}
