// SPDX-License-Identifier: GPL-2.0-only
// Parsing and printing of byte sizes.
#pragma once

#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>

namespace p2praid::units {

inline constexpr std::uint64_t kSectorSize = 512;
inline constexpr std::uint64_t kKiB = 1024;
inline constexpr std::uint64_t kMiB = kKiB * 1024;
inline constexpr std::uint64_t kGiB = kMiB * 1024;
inline constexpr std::uint64_t kTiB = kGiB * 1024;

// The most 512-byte sectors a block device can have: Linux keeps its size
// in bytes in a loff_t (2^63 - 1).
inline constexpr std::uint64_t kMaxSectors =
    static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max()) / kSectorSize;

// a * b and a + b, or nullopt if the result does not fit in 64 bits.
std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b);
std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b);

// Help text describing what parse_size() accepts, for options and the man page.
inline constexpr std::string_view kSizeSyntax =
    "a number of bytes with an optional suffix: s (512-byte sectors), k|K|KiB, "
    "m|M|MiB, g|G|GiB, t|T|TiB (powers of 1024); decimal units such as KB are "
    "rejected";

// Parses "512", "4k", "64KiB", "1M", "2G", "8s", ... into bytes.
// Throws std::invalid_argument with a message saying what is wrong.
std::uint64_t parse_size(std::string_view text);

// Formats bytes for people: "512 B", "64 KiB", "1.5 GiB" (binary units, at
// most one decimal, exact values without decimals).
std::string format_size(std::uint64_t bytes);

}  // namespace p2praid::units
