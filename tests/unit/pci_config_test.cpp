// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/pci_config.hpp"

#include <string>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace p2praid::pci {
namespace {

void put16(std::string& cfg, std::size_t at, unsigned v) {
  cfg[at] = static_cast<char>(v & 0xff);
  cfg[at + 1] = static_cast<char>((v >> 8) & 0xff);
}

void put32(std::string& cfg, std::size_t at, unsigned v) {
  put16(cfg, at, v & 0xffff);
  put16(cfg, at + 2, v >> 16);
}

// A config space with a PCIe capability (type `type`) behind a PM
// capability, and extended capabilities AER -> ACS (control `acs`).
std::string config(PcieType type, std::optional<unsigned> acs, std::size_t size = 4096) {
  std::string cfg(size, '\0');
  put16(cfg, 0x06, 0x0010);  // capability list
  cfg[0x34] = 0x50;          // -> PM
  put16(cfg, 0x50, 0x6001);  // PM, next 0x60
  put16(cfg, 0x60, 0x0010);  // PCIe, last
  put16(cfg, 0x62, 0x0002 | (static_cast<unsigned>(type) << 4));
  if (size > 0x200 && acs) {
    put32(cfg, 0x100, 0x0001 | (1U << 16) | (0x1c0U << 20));  // AER -> 0x1c0
    put32(cfg, 0x1c0, 0x000d | (1U << 16));                   // ACS, last
    put16(cfg, 0x1c4, 0x001f);
    put16(cfg, 0x1c6, *acs);
  }
  return cfg;
}

TEST(PciConfig, FindsPcieTypeThroughTheCapabilityList) {
  const auto info = parse_config(config(PcieType::SwitchDownstream, std::nullopt));
  EXPECT_TRUE(info.header_readable);
  EXPECT_TRUE(info.extended_readable);
  EXPECT_EQ(info.pcie_type, PcieType::SwitchDownstream);
  EXPECT_FALSE(info.acs_ctrl);
}

TEST(PciConfig, FindsAcsInTheExtendedList) {
  const auto info = parse_config(config(PcieType::RootPort, 0x001d));
  EXPECT_EQ(info.pcie_type, PcieType::RootPort);
  ASSERT_TRUE(info.acs_ctrl);
  EXPECT_EQ(*info.acs_ctrl, 0x001d);
  EXPECT_TRUE(acs_redirects(*info.acs_ctrl));
}

TEST(PciConfig, RedirectBitsAreRrCrEc) {
  EXPECT_FALSE(acs_redirects(0));
  EXPECT_FALSE(acs_redirects(kAcsSourceValidation | kAcsUpstreamForwarding));
  EXPECT_TRUE(acs_redirects(kAcsP2pRequestRedirect));
  EXPECT_TRUE(acs_redirects(kAcsP2pCompletionRedirect));
  EXPECT_TRUE(acs_redirects(kAcsP2pEgressControl));
}

TEST(PciConfig, UnprivilegedReadsAreTruncated) {
  // Without CAP_SYS_ADMIN sysfs returns the first 64 bytes only.
  const auto info = parse_config(config(PcieType::RootPort, 0x001d).substr(0, 64));
  EXPECT_TRUE(info.header_readable);
  EXPECT_FALSE(info.extended_readable);
  EXPECT_FALSE(info.pcie_type);
  EXPECT_FALSE(info.acs_ctrl);
  EXPECT_FALSE(parse_config("").header_readable);
}

TEST(PciConfig, SurvivesCapabilityLoops) {
  std::string cfg = config(PcieType::Endpoint, 0);
  put16(cfg, 0x60, 0x5010);  // PCIe -> PM -> PCIe ...
  put16(cfg, 0x50, 0x6001);
  put32(cfg, 0x1c0, 0x0001 | (1U << 16) | (0x100U << 20));  // AER <-> AER loop
  const auto info = parse_config(cfg);
  EXPECT_EQ(info.pcie_type, PcieType::Endpoint);
  EXPECT_FALSE(info.acs_ctrl);
}

TEST(PciConfig, ReadsTheFixtures) {
  const auto cfg =
      test::read_text(test::fixture_dir("acs-redirect") /
                      "devices/pci0000:00/0000:00:1c.0/0000:01:00.0/0000:02:01.0/config");
  const auto info = parse_config(cfg);
  EXPECT_EQ(info.pcie_type, PcieType::SwitchDownstream);
  EXPECT_EQ(info.acs_ctrl, 0x001d);
}

}  // namespace
}  // namespace p2praid::pci
