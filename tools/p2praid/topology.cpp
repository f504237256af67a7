// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/topology.hpp"

#include <algorithm>
#include <array>
#include <cctype>
#include <charconv>
#include <utility>

#include "p2praid/size.hpp"

namespace p2praid::topo {
namespace fs = std::filesystem;

namespace {

constexpr std::uint32_t kClassHostBridge = 0x0600;
constexpr std::uint32_t kClassPciBridge = 0x0604;
constexpr std::uint32_t kClassSemiTransparentBridge = 0x0609;
constexpr unsigned kX86VendorAmd = 2;
constexpr unsigned kFirstZenFamily = 0x17;
constexpr std::uint64_t kMaxId = 0xffff;       // vendor and device IDs
constexpr std::uint64_t kMaxClass = 0xffffff;  // base class, subclass, programming interface

bool is_hex(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isxdigit(c) != 0; });
}

bool is_digits(std::string_view s) {
  return !s.empty() &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c) != 0; });
}

// "0000:03:00.0"
bool is_bdf(std::string_view s) {
  return s.size() == 12 && s[4] == ':' && s[7] == ':' && s[10] == '.' && is_hex(s.substr(0, 4)) &&
         is_hex(s.substr(5, 2)) && is_hex(s.substr(8, 2)) && s[11] >= '0' && s[11] <= '7';
}

// "pci0000:00"
bool is_host_bridge_name(std::string_view s) {
  return s.size() == 10 && s.starts_with("pci") && s[7] == ':' && is_hex(s.substr(3, 4)) &&
         is_hex(s.substr(8, 2));
}

// "nvme0"
bool is_controller_name(std::string_view s) {
  return s.starts_with("nvme") && is_digits(s.substr(4));
}

// "nvme0n1", not "nvme0c0n1" (a multipath path) nor "nvme0n1p1" (a partition).
bool is_namespace_name(std::string_view s) {
  if (!s.starts_with("nvme")) return false;
  const auto n = s.find('n', 4);
  return n != std::string_view::npos && is_digits(s.substr(4, n - 4)) && is_digits(s.substr(n + 1));
}

bool is_subsystem_name(std::string_view s) {
  return s.starts_with("nvme-subsys") && is_digits(s.substr(11));
}

PciKind kind_from_pcie(pci::PcieType type) {
  switch (type) {
    case pci::PcieType::RootPort:
      return PciKind::RootPort;
    case pci::PcieType::SwitchUpstream:
      return PciKind::SwitchUpstream;
    case pci::PcieType::SwitchDownstream:
      return PciKind::SwitchDownstream;
    case pci::PcieType::PcieToPciBridge:
    case pci::PcieType::PciToPcieBridge:
      return PciKind::Bridge;
    default:
      return PciKind::Endpoint;
  }
}

// Without a readable PCIe capability, bridges are told apart by where they
// sit: on the root bus a root port, below a root or downstream port a switch
// upstream port, below an upstream port a downstream port.
PciKind kind_from_structure(std::optional<PciKind> parent) {
  if (!parent) return PciKind::RootPort;
  switch (*parent) {
    case PciKind::RootPort:
    case PciKind::SwitchDownstream:
      return PciKind::SwitchUpstream;
    case PciKind::SwitchUpstream:
      return PciKind::SwitchDownstream;
    default:
      return PciKind::Bridge;
  }
}

AcsState acs_state(const std::optional<std::string>& config, const pci::ConfigInfo& info) {
  constexpr std::size_t kConventionalSize = 256;
  if (!config || !info.header_readable) return AcsState::Unknown;
  if (info.acs_ctrl)
    return pci::acs_redirects(*info.acs_ctrl) ? AcsState::Redirect : AcsState::None;
  if (info.extended_readable) return AcsState::None;
  if (config->size() >= kConventionalSize && !info.pcie_type) return AcsState::None;
  return AcsState::Unknown;
}

std::optional<unsigned> modalias_field(std::string_view modalias, std::string_view key) {
  const auto at = modalias.find(key);
  if (at == std::string_view::npos || at + key.size() + 4 > modalias.size()) return std::nullopt;
  const auto digits = modalias.substr(at + key.size(), 4);
  unsigned value = 0;
  const auto [rest, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), value, 16);
  if (ec != std::errc() || rest != digits.data() + digits.size()) return std::nullopt;
  return value;
}

std::string hex(unsigned value, std::size_t width = 0) {
  std::array<char, 16> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, 16);
  (void)ec;
  std::string out(buf.data(), end);
  if (out.size() < width) out.insert(0, width - out.size(), '0');
  return out;
}

class Loader {
 public:
  explicit Loader(const sysfs::Reader& reader) : r_(reader) {}

  Topology load() {
    for (const auto& name : r_.list_dir("/bus/pci/devices")) load_function(name);
    link_children();
    classify();
    load_host_bridges();
    load_controllers();
    load_namespaces();
    load_cpu();
    warn_unknown_acs();
    t_.source = r_.describe("/");
    while (t_.source.size() > 1 && t_.source.ends_with('/')) t_.source.pop_back();
    return std::move(t_);
  }

 private:
  void load_function(const std::string& name);
  void link_children();
  void classify();
  PciKind classify_one(PciFunction& f, int depth);
  void load_host_bridges();
  void load_controllers();
  void load_namespaces();
  std::vector<std::string> namespace_controllers(const std::string& name);
  void load_cpu();
  void warn_unknown_acs();

  const sysfs::Reader& r_;
  Topology t_;
};

void Loader::load_function(const std::string& name) {
  const fs::path link = fs::path("/bus/pci/devices") / name;
  const auto real = r_.realpath(link);
  if (!real) {
    t_.warnings.push_back(name + ": " + r_.describe(link) + " does not resolve; skipped");
    return;
  }
  PciFunction f;
  f.bdf = name;
  std::vector<std::string> bdfs;
  for (const auto& part : *real) {
    const std::string s = part.string();
    if (is_host_bridge_name(s)) {
      f.host_bridge = s;
      bdfs.clear();
    } else if (is_bdf(s)) {
      bdfs.push_back(s);
    }
  }
  if (f.host_bridge.empty() || bdfs.empty() || bdfs.back() != name) {
    t_.warnings.push_back(name + ": " + real->string() +
                          " is not below a PCI host bridge; skipped");
    return;
  }
  if (bdfs.size() > 1) f.upstream = bdfs[bdfs.size() - 2];
  f.vendor = static_cast<std::uint16_t>(sysfs::read_hex(r_, *real / "vendor", kMaxId).value_or(0));
  f.device = static_cast<std::uint16_t>(sysfs::read_hex(r_, *real / "device", kMaxId).value_or(0));
  f.class_code =
      static_cast<std::uint32_t>(sysfs::read_hex(r_, *real / "class", kMaxClass).value_or(0));
  const auto config = r_.read_file(*real / "config");
  const auto info = pci::parse_config(config.value_or(std::string()));
  f.pcie_type = info.pcie_type;
  f.acs_ctrl = info.acs_ctrl;
  f.acs = acs_state(config, info);
  if (const auto size = sysfs::read_u64(r_, *real / "p2pmem/size")) {
    f.p2pmem = P2pMem{*size, sysfs::read_u64(r_, *real / "p2pmem/available").value_or(0),
                      sysfs::read_u64(r_, *real / "p2pmem/published", 1).value_or(0) == 1};
  }
  t_.functions.emplace(name, std::move(f));
}

void Loader::link_children() {
  for (auto& [bdf, f] : t_.functions) {
    if (!f.upstream) continue;
    const auto parent = t_.functions.find(*f.upstream);
    if (parent == t_.functions.end()) {
      t_.warnings.push_back(bdf + ": upstream bridge " + *f.upstream +
                            " is not in /bus/pci/devices");
      f.upstream.reset();
      continue;
    }
    parent->second.children.push_back(bdf);
  }
}

void Loader::classify() {
  for (auto& [bdf, f] : t_.functions) classify_one(f, 0);
}

PciKind Loader::classify_one(PciFunction& f, int depth) {
  constexpr int kMaxDepth = 64;
  const std::uint32_t base_sub = f.class_code >> 8;
  const bool bridge = base_sub == kClassPciBridge || base_sub == kClassSemiTransparentBridge;
  if (f.pcie_type && kind_from_pcie(*f.pcie_type) != PciKind::Endpoint) {
    f.kind = kind_from_pcie(*f.pcie_type);
  } else if (base_sub == kClassHostBridge) {
    f.kind = PciKind::HostBridge;
  } else if (!bridge) {
    f.kind = PciKind::Endpoint;
  } else {
    auto parent = f.upstream ? t_.functions.find(*f.upstream) : t_.functions.end();
    std::optional<PciKind> parent_kind;
    if (parent != t_.functions.end() && depth < kMaxDepth) {
      parent_kind = classify_one(parent->second, depth + 1);
    }
    f.kind = kind_from_structure(parent_kind);
  }
  return f.kind;
}

void Loader::load_host_bridges() {
  for (const auto& [bdf, f] : t_.functions) {
    auto& hb = t_.host_bridges[f.host_bridge];
    hb.name = f.host_bridge;
    if (!f.upstream) hb.root_bus.push_back(bdf);
  }
  for (auto& [name, hb] : t_.host_bridges) {
    if (hb.root_bus.empty()) continue;
    const auto& first = t_.functions.at(hb.root_bus.front());
    if (first.bdf.ends_with(":00.0") || first.kind == PciKind::RootPort) hb.identity = first.bdf;
  }
}

void Loader::load_controllers() {
  for (const auto& name : r_.list_dir("/class/nvme")) {
    if (!is_controller_name(name)) continue;
    const fs::path dir = fs::path("/class/nvme") / name;
    Controller c;
    c.name = name;
    c.model = sysfs::read_attr(r_, dir / "model").value_or("");
    c.serial = sysfs::read_attr(r_, dir / "serial").value_or("");
    c.firmware_rev = sysfs::read_attr(r_, dir / "firmware_rev").value_or("");
    const auto device = r_.realpath(dir / "device");
    const std::string leaf = device ? device->filename().string() : std::string();
    if (t_.function(leaf) != nullptr) {
      c.pci = leaf;
    } else {
      t_.warnings.push_back(name + ": not a PCI device (" + r_.describe(dir / "device") +
                            "); it takes no part in P2P");
    }
    t_.controllers.push_back(std::move(c));
  }
  std::sort(t_.controllers.begin(), t_.controllers.end(),
            [](const auto& a, const auto& b) { return natural_less(a.name, b.name); });
}

std::vector<std::string> Loader::namespace_controllers(const std::string& name) {
  const auto device = r_.realpath(fs::path("/class/block") / name / "device");
  const std::string leaf = device ? device->filename().string() : std::string();
  std::vector<std::string> out;
  if (is_controller_name(leaf)) {
    out.push_back(leaf);
  } else if (is_subsystem_name(leaf)) {
    // A multipath head: its paths are the controllers of the subsystem.
    for (const auto& entry : r_.list_dir(fs::path("/class/nvme-subsystem") / leaf)) {
      if (is_controller_name(entry)) out.push_back(entry);
    }
    std::sort(out.begin(), out.end(), natural_less);
  }
  return out;
}

void Loader::load_namespaces() {
  for (const auto& name : r_.list_dir("/class/block")) {
    if (!is_namespace_name(name)) continue;
    const fs::path dir = fs::path("/class/block") / name;
    Namespace ns;
    ns.name = name;
    ns.sectors = sysfs::read_u64(r_, dir / "size", units::kMaxSectors).value_or(0);
    ns.devnum = sysfs::read_attr(r_, dir / "dev").value_or("");
    ns.controllers = namespace_controllers(name);
    if (ns.controllers.empty()) {
      t_.warnings.push_back(name + ": no NVMe controller found through " +
                            r_.describe(dir / "device"));
    }
    for (const auto& ctrl : ns.controllers) {
      auto it = std::find_if(t_.controllers.begin(), t_.controllers.end(),
                             [&](const Controller& c) { return c.name == ctrl; });
      if (it != t_.controllers.end()) it->namespaces.push_back(name);
    }
    t_.namespaces.push_back(std::move(ns));
  }
  std::sort(t_.namespaces.begin(), t_.namespaces.end(),
            [](const auto& a, const auto& b) { return natural_less(a.name, b.name); });
  for (auto& c : t_.controllers) std::sort(c.namespaces.begin(), c.namespaces.end(), natural_less);
}

void Loader::load_cpu() {
  const auto modalias = sysfs::read_attr(r_, "/devices/system/cpu/modalias");
  Cpu& cpu = t_.cpu;
  if (!modalias || !modalias->starts_with("cpu:type:x86,")) {
    cpu.description = "not an x86 CPU (or /devices/system/cpu/modalias unreadable)";
    return;
  }
  cpu.x86_vendor = modalias_field(*modalias, "ven");
  cpu.x86_family = modalias_field(*modalias, "fam");
  cpu.supports_p2pdma =
      cpu.x86_vendor == kX86VendorAmd && cpu.x86_family.value_or(0) >= kFirstZenFamily;
  const std::string family =
      cpu.x86_family ? "family " + hex(*cpu.x86_family) + "h" : "unknown family";
  const std::string vendor = cpu.x86_vendor == kX86VendorAmd ? "AMD"
                             : cpu.x86_vendor == 0U
                                 ? "Intel"
                                 : "x86 vendor " + hex(cpu.x86_vendor.value_or(0));
  cpu.description = vendor + " " + family +
                    (cpu.supports_p2pdma ? ": P2PDMA through the host bridge is allowed"
                                         : ": P2PDMA through the host bridge needs a whitelisted "
                                           "host bridge");
}

void Loader::warn_unknown_acs() {
  std::vector<std::string> unknown;
  for (const auto& [bdf, f] : t_.functions) {
    if (f.acs == AcsState::Unknown && f.kind != PciKind::Endpoint &&
        f.kind != PciKind::HostBridge) {
      unknown.push_back(bdf);
    }
  }
  if (unknown.empty()) return;
  std::string list;
  for (const auto& bdf : unknown) list += (list.empty() ? "" : ", ") + bdf;
  t_.warnings.push_back("ACS state unknown for " + list +
                        " (config space not fully readable: run as root); assumed not redirecting");
}

}  // namespace

std::string_view to_string(PciKind kind) {
  switch (kind) {
    case PciKind::HostBridge:
      return "host_bridge";
    case PciKind::RootPort:
      return "root_port";
    case PciKind::SwitchUpstream:
      return "switch_upstream";
    case PciKind::SwitchDownstream:
      return "switch_downstream";
    case PciKind::Bridge:
      return "bridge";
    case PciKind::Endpoint:
      return "endpoint";
  }
  return "unknown";
}

std::string_view to_string(AcsState state) {
  switch (state) {
    case AcsState::None:
      return "none";
    case AcsState::Redirect:
      return "redirect";
    case AcsState::Unknown:
      return "unknown";
  }
  return "unknown";
}

const PciFunction* Topology::function(std::string_view bdf) const {
  const auto it = functions.find(bdf);
  return it == functions.end() ? nullptr : &it->second;
}

const Controller* Topology::controller(std::string_view name) const {
  const auto it = std::find_if(controllers.begin(), controllers.end(),
                               [&](const Controller& c) { return c.name == name; });
  return it == controllers.end() ? nullptr : &*it;
}

const Namespace* Topology::find_namespace(std::string_view name) const {
  const auto it = std::find_if(namespaces.begin(), namespaces.end(),
                               [&](const Namespace& n) { return n.name == name; });
  return it == namespaces.end() ? nullptr : &*it;
}

const Controller* Topology::controller_at(std::string_view bdf) const {
  const auto it = std::find_if(controllers.begin(), controllers.end(),
                               [&](const Controller& c) { return c.pci && *c.pci == bdf; });
  return it == controllers.end() ? nullptr : &*it;
}

std::vector<const PciFunction*> Topology::providers() const {
  std::vector<const PciFunction*> out;
  for (const auto& [bdf, f] : functions) {
    if (f.p2pmem) out.push_back(&f);
  }
  return out;
}

std::vector<const PciFunction*> Topology::chain(std::string_view bdf) const {
  std::vector<const PciFunction*> out;
  for (const auto* f = function(bdf); f != nullptr && out.size() <= functions.size();
       f = f->upstream ? function(*f->upstream) : nullptr) {
    out.push_back(f);
  }
  return out;
}

std::string Topology::attachment(std::string_view bdf) const {
  const auto path = chain(bdf);
  for (const auto* f : path) {
    if (f->kind == PciKind::SwitchUpstream) return "switch " + f->bdf;
  }
  for (const auto* f : path) {
    if (f->kind == PciKind::RootPort) return "root port " + f->bdf;
  }
  return path.empty() ? std::string("unknown") : "host bridge " + path.back()->host_bridge;
}

std::string vendor_device(std::uint16_t vendor, std::uint16_t device) {
  return hex(vendor, 4) + ":" + hex(device, 4);
}

bool natural_less(std::string_view a, std::string_view b) {
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < a.size() && j < b.size()) {
    const bool da = std::isdigit(static_cast<unsigned char>(a[i])) != 0;
    const bool db = std::isdigit(static_cast<unsigned char>(b[j])) != 0;
    if (da && db) {
      const auto ea = std::min(a.find_first_not_of("0123456789", i), a.size());
      const auto eb = std::min(b.find_first_not_of("0123456789", j), b.size());
      const auto na = a.substr(i, ea - i);
      const auto nb = b.substr(j, eb - j);
      if (na.size() != nb.size()) return na.size() < nb.size();
      if (na != nb) return na < nb;
      i = ea;
      j = eb;
    } else {
      if (a[i] != b[j]) return a[i] < b[j];
      ++i;
      ++j;
    }
  }
  return a.size() - i < b.size() - j;
}

Topology load_topology(const sysfs::Reader& reader) {
  return Loader(reader).load();
}

}  // namespace p2praid::topo
