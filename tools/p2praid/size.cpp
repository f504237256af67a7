// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/size.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <limits>
#include <stdexcept>
#include <string>

namespace p2praid::units {
namespace {

struct Suffix {
  std::string_view name;  // lower case
  std::uint64_t factor;
};

constexpr std::array<Suffix, 11> kSuffixes{{
    {"", 1},
    {"b", 1},
    {"s", kSectorSize},
    {"k", kKiB},
    {"kib", kKiB},
    {"m", kMiB},
    {"mib", kMiB},
    {"g", kGiB},
    {"gib", kGiB},
    {"t", kTiB},
    {"tib", kTiB},
}};

std::string lower(std::string_view text) {
  std::string out(text);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::uint64_t suffix_factor(std::string_view text, std::string_view suffix) {
  const std::string key = lower(suffix);
  const auto* it = std::find_if(kSuffixes.begin(), kSuffixes.end(),
                                [&](const Suffix& s) { return s.name == key; });
  if (it != kSuffixes.end()) return it->factor;
  if (key == "kb" || key == "mb" || key == "gb" || key == "tb") {
    throw std::invalid_argument(
        "size '" + std::string(text) + "': unit '" + std::string(suffix) + "' is ambiguous; use " +
        std::string(1, static_cast<char>(std::toupper(static_cast<unsigned char>(suffix[0])))) +
        "iB (powers of 1024)");
  }
  throw std::invalid_argument("size '" + std::string(text) + "': unknown unit '" +
                              std::string(suffix) + "'; use s, k, m, g or t (KiB, MiB, ...)");
}

}  // namespace

std::uint64_t parse_size(std::string_view text) {
  const auto* first = text.data();
  const auto* last = text.data() + text.size();
  std::uint64_t value = 0;
  const auto [rest, ec] = std::from_chars(first, last, value);
  if (ec == std::errc::result_out_of_range) {
    throw std::invalid_argument("size '" + std::string(text) + "' is too large");
  }
  if (ec != std::errc() || rest == first) {
    throw std::invalid_argument("size '" + std::string(text) +
                                "' does not start with a decimal number");
  }
  const std::uint64_t factor = suffix_factor(text, std::string_view(rest, last - rest));
  if (value > std::numeric_limits<std::uint64_t>::max() / factor) {
    throw std::invalid_argument("size '" + std::string(text) + "' is too large");
  }
  return value * factor;
}

std::optional<std::uint64_t> checked_mul(std::uint64_t a, std::uint64_t b) {
  std::uint64_t product = 0;
  if (__builtin_mul_overflow(a, b, &product)) return std::nullopt;
  return product;
}

std::optional<std::uint64_t> checked_add(std::uint64_t a, std::uint64_t b) {
  std::uint64_t sum = 0;
  if (__builtin_add_overflow(a, b, &sum)) return std::nullopt;
  return sum;
}

std::string format_size(std::uint64_t bytes) {
  static constexpr std::array<std::string_view, 5> kNames{"B", "KiB", "MiB", "GiB", "TiB"};
  std::size_t unit = 0;
  std::uint64_t scale = 1;
  while (unit + 1 < kNames.size() && bytes >= scale * kKiB) {
    scale *= kKiB;
    ++unit;
  }
  const std::uint64_t whole = bytes / scale;
  const std::uint64_t tenths = (bytes % scale) * 10 / scale;
  std::string out = std::to_string(whole);
  if (tenths != 0) out += "." + std::to_string(tenths);
  out += " ";
  out += kNames.at(unit);
  return out;
}

}  // namespace p2praid::units
