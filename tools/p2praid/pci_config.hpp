// SPDX-License-Identifier: GPL-2.0-only
// The parts of PCI configuration space (sysfs "config") the tool needs: the
// PCI Express port type and the ACS control register.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace p2praid::pci {

// Device/Port Type field of the PCI Express Capabilities register
// (PCI_EXP_FLAGS_TYPE in include/uapi/linux/pci_regs.h).
enum class PcieType : std::uint8_t {
  Endpoint = 0x0,
  LegacyEndpoint = 0x1,
  RootPort = 0x4,
  SwitchUpstream = 0x5,
  SwitchDownstream = 0x6,
  PcieToPciBridge = 0x7,
  PciToPcieBridge = 0x8,
  RcEndpoint = 0x9,
  RcEventCollector = 0xa,
};

// ACS Control register bits (PCI_ACS_* in pci_regs.h).
inline constexpr std::uint16_t kAcsSourceValidation = 0x0001;
inline constexpr std::uint16_t kAcsP2pRequestRedirect = 0x0004;     // PCI_ACS_RR
inline constexpr std::uint16_t kAcsP2pCompletionRedirect = 0x0008;  // PCI_ACS_CR
inline constexpr std::uint16_t kAcsUpstreamForwarding = 0x0010;
inline constexpr std::uint16_t kAcsP2pEgressControl = 0x0020;  // PCI_ACS_EC

struct ConfigInfo {
  // False if the file is shorter than the 64-byte header (unreadable).
  bool header_readable = false;
  // False if the extended space (offset 0x100 on) is not in the file, as
  // when sysfs "config" is read without CAP_SYS_ADMIN.
  bool extended_readable = false;
  std::optional<PcieType> pcie_type;
  // The ACS Control register, if the function has an ACS capability.
  std::optional<std::uint16_t> acs_ctrl;
};

// Parses the content of a sysfs "config" file of any length.
ConfigInfo parse_config(std::string_view config);

// What the kernel's pci_bridge_has_acs_redir() tests: RR, CR or EC set.
constexpr bool acs_redirects(std::uint16_t acs_ctrl) {
  return (acs_ctrl & (kAcsP2pRequestRedirect | kAcsP2pCompletionRedirect | kAcsP2pEgressControl)) !=
         0;
}

}  // namespace p2praid::pci
