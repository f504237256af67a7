// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/p2p.hpp"

#include <algorithm>
#include <array>

namespace p2praid::p2p {
namespace {

constexpr std::uint16_t kIntel = 0x8086;

constexpr std::array<WhitelistEntry, 10> kWhitelist{{
    // Intel Xeon E5/Core i7
    {kIntel, 0x3c00, true},
    {kIntel, 0x3c01, true},
    // Intel Xeon E7 v3/Xeon E5 v3/Core i7
    {kIntel, 0x2f00, true},
    {kIntel, 0x2f01, true},
    // Intel Skylake-E
    {kIntel, 0x2030, false},
    {kIntel, 0x2031, false},
    {kIntel, 0x2032, false},
    {kIntel, 0x2033, false},
    {kIntel, 0x2020, false},
    {kIntel, 0x09a2, false},
}};

std::string join(const std::vector<std::string>& items, std::string_view sep) {
  std::string out;
  for (const auto& item : items) {
    if (!out.empty()) out += sep;
    out += item;
  }
  return out;
}

const topo::HostBridge* host_of(const topo::Topology& t, const topo::PciFunction& f) {
  const auto it = t.host_bridges.find(f.host_bridge);
  return it == t.host_bridges.end() ? nullptr : &it->second;
}

// host_bridge_whitelist() with an explanation of the verdict.
bool host_bridges_allow(const topo::Topology& t, const topo::PciFunction& a,
                        const topo::PciFunction& b, std::string& why) {
  const auto* host_a = host_of(t, a);
  const auto* host_b = host_of(t, b);
  if (host_a == nullptr || host_b == nullptr) {
    why = "host bridge unknown";
    return false;
  }
  if (host_a == host_b) {
    const bool ok = host_bridge_whitelisted(t, *host_a, true);
    why = "host bridge " + describe_host_bridge(t, *host_a) +
          (ok ? " is in the P2PDMA whitelist" : " is not in the P2PDMA whitelist");
    return ok;
  }
  const bool ok =
      host_bridge_whitelisted(t, *host_a, false) && host_bridge_whitelisted(t, *host_b, false);
  why = "host bridges " + describe_host_bridge(t, *host_a) + " and " +
        describe_host_bridge(t, *host_b) +
        (ok ? " are whitelisted for cross-bridge P2PDMA"
            : " are not both whitelisted for cross-bridge P2PDMA");
  return ok;
}

bool redirects(const topo::PciFunction& f, Path& path) {
  if (f.acs == topo::AcsState::Unknown) path.acs_unknown.push_back(f.bdf);
  return f.acs == topo::AcsState::Redirect;
}

// The host-bridge leg of calc_map_type_and_dist() (label map_through_host_bridge).
void map_through_host_bridge(const topo::Topology& t, const topo::PciFunction& provider,
                             const topo::PciFunction& client, const std::string& route,
                             Path& path) {
  if (t.cpu.supports_p2pdma) {
    path.map_type = MapType::ThruHostBridge;
    path.reason = route + "; through the host bridge (CPU: " + t.cpu.description + ")";
    return;
  }
  std::string why;
  const bool ok = host_bridges_allow(t, provider, client, why);
  path.map_type = ok ? MapType::ThruHostBridge : MapType::NotSupported;
  path.reason = route + (ok ? "; through the host bridge: " : ", and ") + why;
}

std::string acs_route(const Path& path) {
  return "ACS redirect on " + join(path.acs_redirect, ", ") +
         " (kernel parameter pci=disable_acs_redir=" + join(path.acs_redirect, ";") +
         " would avoid it)";
}

std::string add_unknown_note(const Path& path) {
  if (path.acs_unknown.empty()) return path.reason;
  return path.reason + " [ACS state of " + join(path.acs_unknown, ", ") +
         " unknown, assumed not redirecting]";
}

}  // namespace

std::string_view to_string(MapType type) {
  switch (type) {
    case MapType::BusAddr:
      return "bus_addr";
    case MapType::ThruHostBridge:
      return "thru_host_bridge";
    case MapType::NotSupported:
      return "not_supported";
  }
  return "not_supported";
}

std::span<const WhitelistEntry> host_bridge_whitelist() {
  return kWhitelist;
}

bool host_bridge_whitelisted(const topo::Topology& t, const topo::HostBridge& host,
                             bool same_host_bridge) {
  if (!host.identity) return false;
  const auto* root = t.function(*host.identity);
  if (root == nullptr) return false;
  const auto* entry = std::find_if(kWhitelist.begin(), kWhitelist.end(), [&](const auto& e) {
    return e.vendor == root->vendor && e.device == root->device;
  });
  if (entry == kWhitelist.end()) return false;
  return !(entry->same_host_bridge_only && !same_host_bridge);
}

std::string describe_host_bridge(const topo::Topology& t, const topo::HostBridge& host) {
  const auto* root = host.identity ? t.function(*host.identity) : nullptr;
  if (root == nullptr) return host.name + " (no 00.0 function or root port first on its bus)";
  return host.name + " (" + topo::vendor_device(root->vendor, root->device) + ")";
}

Path calc_map_type_and_dist(const topo::Topology& t, std::string_view provider,
                            std::string_view client) {
  Path path;
  const auto a_chain = t.chain(provider);
  const auto b_chain = t.chain(client);
  if (a_chain.empty() || b_chain.empty()) {
    path.reason = "not a PCI function: " + std::string(a_chain.empty() ? provider : client);
    return path;
  }
  // Walk up from the provider; at each step look for it on the client's path.
  for (std::size_t dist_a = 0; dist_a < a_chain.size(); ++dist_a) {
    const auto* a = a_chain[dist_a];
    if (redirects(*a, path)) path.acs_redirect.push_back(a->bdf);
    const auto it = std::find(b_chain.begin(), b_chain.end(), a);
    if (it == b_chain.end()) continue;
    const auto dist_b = static_cast<std::size_t>(it - b_chain.begin());
    path.distance = static_cast<int>(dist_a + dist_b);
    path.common = a->bdf;
    for (std::size_t i = 0; i < dist_b; ++i) {
      if (redirects(*b_chain[i], path)) path.acs_redirect.push_back(b_chain[i]->bdf);
    }
    if (path.acs_redirect.empty()) {
      path.map_type = MapType::BusAddr;
      path.reason = dist_a + dist_b == 0 ? std::string("same PCI function")
                                         : "through common upstream " +
                                               std::string(topo::to_string(a->kind)) + " " + a->bdf;
    } else {
      map_through_host_bridge(t, *a_chain.front(), *b_chain.front(), acs_route(path), path);
    }
    path.reason = add_unknown_note(path);
    return path;
  }
  // No common upstream bridge: only ACS found on the provider side is seen
  // by the kernel here, and it does not change the outcome.
  path.acs_redirect.clear();
  path.distance = static_cast<int>(a_chain.size() + b_chain.size());
  map_through_host_bridge(t, *a_chain.front(), *b_chain.front(), "no common upstream bridge", path);
  path.acs_unknown.clear();
  return path;
}

}  // namespace p2praid::p2p
