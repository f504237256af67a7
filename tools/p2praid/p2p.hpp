// SPDX-License-Identifier: GPL-2.0-only
// P2P DMA reachability and distance between a provider (a PCI function with
// p2pmem) and a client (an NVMe controller's PCI function), following
// drivers/pci/p2pdma.c of Linux 6.12: calc_map_type_and_dist(),
// pci_bridge_has_acs_redir(), host_bridge_whitelist(), cpu_supports_p2pdma().
#pragma once

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "p2praid/topology.hpp"

namespace p2praid::p2p {

// enum pci_p2pdma_map_type.
enum class MapType {
  BusAddr,         // PCI_P2PDMA_MAP_BUS_ADDR: through a common upstream bridge
  ThruHostBridge,  // PCI_P2PDMA_MAP_THRU_HOST_BRIDGE: through the root complex
  NotSupported,    // PCI_P2PDMA_MAP_NOT_SUPPORTED
};

// "bus_addr", "thru_host_bridge", "not_supported".
std::string_view to_string(MapType type);

struct Path {
  MapType map_type = MapType::NotSupported;
  // The distance calc_map_type_and_dist() computes: hops up from each side
  // to the nearest common upstream device, or, without one, the number of
  // devices on both paths to their root buses.
  int distance = 0;
  std::optional<std::string> common;      // the nearest common upstream device
  std::vector<std::string> acs_redirect;  // functions on the path that redirect
  std::vector<std::string> acs_unknown;   // functions whose ACS state is unknown
  std::string reason;                     // one line for people

  bool reachable() const { return map_type != MapType::NotSupported; }
  // pci_p2pdma_distance(): the distance, or nullopt when not supported.
  std::optional<int> p2p_distance() const {
    return reachable() ? std::optional<int>(distance) : std::nullopt;
  }
};

Path calc_map_type_and_dist(const topo::Topology& topology, std::string_view provider,
                            std::string_view client);

// One entry of pci_p2pdma_whitelist[].
struct WhitelistEntry {
  std::uint16_t vendor;
  std::uint16_t device;
  bool same_host_bridge_only;  // REQ_SAME_HOST_BRIDGE
};

std::span<const WhitelistEntry> host_bridge_whitelist();

// Whether the host bridge's identity (HostBridge::identity) is whitelisted
// for traffic that stays within it (same_host_bridge) or crosses to another.
bool host_bridge_whitelisted(const topo::Topology& topology, const topo::HostBridge& host,
                             bool same_host_bridge);

// "pci0000:00 (8086:29c0)" or "pci0000:00 (no 00.0 function or root port)".
std::string describe_host_bridge(const topo::Topology& topology, const topo::HostBridge& host);

}  // namespace p2praid::p2p
