// SPDX-License-Identifier: GPL-2.0-only
// The PCI / NVMe / P2P-memory topology of a machine, as read from sysfs.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/pci_config.hpp"
#include "p2praid/sysfs.hpp"

namespace p2praid::topo {

enum class PciKind { HostBridge, RootPort, SwitchUpstream, SwitchDownstream, Bridge, Endpoint };

// "root_port", "switch_upstream", ... (used in JSON and text output).
std::string_view to_string(PciKind kind);

// The ACS redirect state of a function, as pci_bridge_has_acs_redir() sees it.
enum class AcsState {
  None,      // no ACS capability, or no redirect bit set
  Redirect,  // RR, CR or EC set: P2P TLPs go up to the root complex
  Unknown,   // config space not (fully) readable; treated like None
};

std::string_view to_string(AcsState state);

// <function>/p2pmem/{size,available,published}.
struct P2pMem {
  std::uint64_t size = 0;       // bytes
  std::uint64_t available = 0;  // bytes
  bool published = false;
};

struct PciFunction {
  std::string bdf;          // "0000:03:00.0"
  std::string host_bridge;  // "pci0000:00"
  // pci_upstream_bridge(): the bridge above, nullopt on the root bus.
  std::optional<std::string> upstream;
  std::vector<std::string> children;  // functions whose upstream is this one
  std::uint16_t vendor = 0;
  std::uint16_t device = 0;
  std::uint32_t class_code = 0;
  PciKind kind = PciKind::Endpoint;
  std::optional<pci::PcieType> pcie_type;
  AcsState acs = AcsState::Unknown;
  std::optional<std::uint16_t> acs_ctrl;
  std::optional<P2pMem> p2pmem;
};

struct HostBridge {
  std::string name;                   // "pci0000:00"
  std::vector<std::string> root_bus;  // functions on its root bus, by devfn
  // pci_host_bridge_dev(): the first function on the root bus if it is
  // devfn 00.0 or a root port; the whitelist is matched against it.
  std::optional<std::string> identity;
};

struct Controller {
  std::string name;                // "nvme0"
  std::optional<std::string> pci;  // its PCI function, if it is on PCI
  std::string model;
  std::string serial;
  std::string firmware_rev;
  std::vector<std::string> namespaces;  // block device names
};

struct Namespace {
  std::string name;                      // "nvme0n1"
  std::vector<std::string> controllers;  // paths; the first is used for P2P
  std::uint64_t sectors = 0;             // 512-byte sectors
  std::string devnum;                    // "259:0"

  std::string controller() const { return controllers.empty() ? std::string() : controllers[0]; }
  std::uint64_t bytes() const { return sectors * 512; }
};

// x86 CPU identity from /sys/devices/system/cpu/modalias, for the kernel's
// cpu_supports_p2pdma() (AMD Zen or newer allows P2P through the host bridge).
struct Cpu {
  std::optional<unsigned> x86_vendor;  // X86_VENDOR_*: 0 Intel, 2 AMD, 9 Hygon
  std::optional<unsigned> x86_family;
  bool supports_p2pdma = false;
  std::string description;
};

struct Topology {
  std::map<std::string, PciFunction, std::less<>> functions;
  std::map<std::string, HostBridge, std::less<>> host_bridges;
  std::vector<Controller> controllers;  // natural name order
  std::vector<Namespace> namespaces;    // natural name order
  Cpu cpu;
  std::vector<std::string> warnings;
  std::string source;  // where it was read from, for messages ("/sys")

  const PciFunction* function(std::string_view bdf) const;
  const Controller* controller(std::string_view name) const;
  const Namespace* find_namespace(std::string_view name) const;
  // The controller whose PCI function is `bdf`, if any.
  const Controller* controller_at(std::string_view bdf) const;
  // Functions with a p2pmem directory, by BDF.
  std::vector<const PciFunction*> providers() const;
  // `bdf` and its upstream bridges up to the root bus, nearest first.
  std::vector<const PciFunction*> chain(std::string_view bdf) const;
  // The switch upstream port nearest above `bdf`, else its root port, else
  // its host bridge: what "under the same switch" means for placement.
  std::string attachment(std::string_view bdf) const;
};

Topology load_topology(const sysfs::Reader& reader);

// "1b36:0010".
std::string vendor_device(std::uint16_t vendor, std::uint16_t device);

// Orders "nvme2n1" before "nvme10n1".
bool natural_less(std::string_view a, std::string_view b);

}  // namespace p2praid::topo
