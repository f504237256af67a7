// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/pci_config.hpp"

#include <cstddef>

namespace p2praid::pci {
namespace {

constexpr std::size_t kHeaderSize = 64;
constexpr std::size_t kConfigSize = 256;
constexpr std::size_t kExtConfigSize = 4096;
constexpr std::size_t kStatus = 0x06;
constexpr std::uint16_t kStatusCapList = 0x10;
constexpr std::size_t kCapabilityList = 0x34;
constexpr std::uint8_t kCapIdExp = 0x10;
constexpr std::size_t kExpFlags = 2;
constexpr std::uint16_t kExtCapIdAcs = 0x000d;
constexpr std::size_t kAcsCtrl = 0x06;
constexpr int kMaxCaps = 48;
constexpr int kMaxExtCaps = (kExtConfigSize - kConfigSize) / 8;

// Little-endian reads that return nullopt past the end of the data.
std::optional<std::uint32_t> read_le(std::string_view data, std::size_t offset, std::size_t width) {
  if (offset + width > data.size()) return std::nullopt;
  std::uint32_t value = 0;
  for (std::size_t i = 0; i < width; ++i) {
    value |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[offset + i])) << (8 * i);
  }
  return value;
}

std::optional<std::size_t> find_capability(std::string_view data, std::uint8_t id) {
  const auto status = read_le(data, kStatus, 2);
  if (!status || (*status & kStatusCapList) == 0) return std::nullopt;
  auto pos = read_le(data, kCapabilityList, 1);
  for (int ttl = kMaxCaps; pos && *pos >= kHeaderSize && ttl > 0; --ttl) {
    const std::size_t at = *pos & ~std::size_t{3};
    const auto cap = read_le(data, at, 2);
    if (!cap) return std::nullopt;
    if ((*cap & 0xff) == id) return at;
    pos = (*cap >> 8) & 0xff;
  }
  return std::nullopt;
}

std::optional<std::size_t> find_ext_capability(std::string_view data, std::uint16_t id) {
  std::size_t pos = kConfigSize;
  for (int ttl = kMaxExtCaps; pos >= kConfigSize && ttl > 0; --ttl) {
    const auto header = read_le(data, pos, 4);
    if (!header || *header == 0 || *header == 0xffffffff) return std::nullopt;
    if ((*header & 0xffff) == id) return pos;
    pos = (*header >> 20) & 0xffc;
  }
  return std::nullopt;
}

}  // namespace

ConfigInfo parse_config(std::string_view config) {
  ConfigInfo info;
  info.header_readable = config.size() >= kHeaderSize;
  info.extended_readable = config.size() > kConfigSize;
  if (!info.header_readable) return info;
  if (const auto exp = find_capability(config, kCapIdExp)) {
    if (const auto flags = read_le(config, *exp + kExpFlags, 2)) {
      info.pcie_type = static_cast<PcieType>((*flags >> 4) & 0xf);
    }
  }
  if (const auto acs = find_ext_capability(config, kExtCapIdAcs)) {
    if (const auto ctrl = read_le(config, *acs + kAcsCtrl, 2)) {
      info.acs_ctrl = static_cast<std::uint16_t>(*ctrl);
    }
  }
  return info;
}

}  // namespace p2praid::pci
