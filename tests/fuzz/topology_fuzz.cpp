// SPDX-License-Identifier: GPL-2.0-only
// libFuzzer target: the topology loader over a random sysfs tree. The input
// describes a small tree (host bridges, PCI functions below them or below
// each other, their attributes and config space, p2pmem, NVMe controllers,
// namespaces, multipath subsystems, the CPU's modalias, the links of
// bus/pci/devices and class/*); any entry may instead be something odd: a
// FIFO, a link to /dev/zero or out of the root, a dangling or looping link,
// a directory, a file too large for sysfs, random bytes. The tree is built
// under a temporary directory, loaded with FsReader (what --sysfs-root
// does), then P2P paths and a plan are computed on what was loaded. Loading
// may refuse the tree (CommandError) but must never crash, hang or read
// without bound, and what it returns must be linked consistently.
//
// The input is read a byte at a time, in the order of build() below; once
// it is used up every byte reads as 0, which always means the ordinary
// choice, so a short input gives a plausible tree.
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <span>
#include <stdexcept>
#include <string>
#include <string_view>
#include <system_error>
#include <vector>

#include "p2praid/errors.hpp"
#include "p2praid/p2p.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/size.hpp"
#include "p2praid/sysfs.hpp"
#include "p2praid/topology.hpp"

namespace {

namespace fs = std::filesystem;
using namespace p2praid;

// The fuzz input, a byte at a time; 0 once it is used up.
class Input {
 public:
  explicit Input(std::span<const std::uint8_t> data) : data_(data) {}

  std::uint8_t byte() { return pos_ < data_.size() ? data_[pos_++] : 0; }
  unsigned below(unsigned n) { return byte() % n; }
  std::uint16_t u16() {
    const unsigned lo = byte();
    return static_cast<std::uint16_t>(lo | (unsigned{byte()} << 8));
  }
  // A length byte, then that many bytes (at most `max`).
  std::string text(std::size_t max) {
    const std::size_t n = std::min<std::size_t>(byte(), max);
    std::string out;
    for (std::size_t i = 0; i < n; ++i) out.push_back(static_cast<char>(byte()));
    return out;
  }

 private:
  std::span<const std::uint8_t> data_;
  std::size_t pos_ = 0;
};

std::string hex(unsigned value, int width) {
  std::string out(static_cast<std::size_t>(width), '0');
  for (auto it = out.rbegin(); it != out.rend() && value != 0; ++it, value >>= 4) {
    constexpr std::string_view kDigits = "0123456789abcdef";
    *it = kDigits[value & 0xf];
  }
  return out;
}

void put_le(std::string& data, std::size_t at, std::uint32_t value, std::size_t width) {
  for (std::size_t i = 0; i < width && at + i < data.size(); ++i) {
    data[at + i] = static_cast<char>((value >> (8 * i)) & 0xff);
  }
}

// A PCI function's directory, relative to the root.
struct Function {
  std::string bdf;
  std::string host_bridge;
  fs::path dir;
};

class Tree {
 public:
  Tree(fs::path root, Input& in) : root_(std::move(root)), in_(in) {}

  void build();

 private:
  fs::path host(const fs::path& rel) const { return root_ / rel; }
  // Whether `rel` is below no link made earlier, so that what is made there
  // stays in the tree (the fuzzer may run as root).
  bool below_no_link(const fs::path& rel) const;
  void mkdir(const fs::path& rel) {
    std::error_code ec;
    if (below_no_link(rel)) fs::create_directories(host(rel), ec);
  }
  void write(const fs::path& rel, std::string_view content);
  void symlink(const fs::path& target, const fs::path& rel);
  // Something that is not a sysfs attribute, at `rel`.
  void odd(const fs::path& rel);
  // `content` at `rel`, or, as the input says, something odd.
  void attr(const fs::path& rel, std::string_view content);
  // A relative link at `rel` to `target` (both relative to the root), as
  // sysfs makes them, or a wrong link, or something odd.
  void link(const fs::path& rel, const fs::path& target);

  std::string config_space(unsigned vendor);
  void function(std::size_t index);
  void controller();
  void name_space(const std::string& ctrl, const fs::path& ctrl_dir, unsigned id, unsigned n);

  fs::path root_;
  Input& in_;
  std::vector<std::string> host_bridges_;
  std::vector<Function> functions_;
  std::set<fs::path> links_;  // every link made, relative to the root
};

bool Tree::below_no_link(const fs::path& rel) const {
  fs::path at;
  for (const auto& part : rel) {
    at /= part;
    if (links_.contains(at)) return false;
  }
  return true;
}

void Tree::write(const fs::path& rel, std::string_view content) {
  mkdir(rel.parent_path());
  if (!below_no_link(rel.parent_path())) return;
  FILE* f = std::fopen(host(rel).c_str(), "wbx");  // never through a link made earlier
  if (f == nullptr) return;
  if (!content.empty()) (void)std::fwrite(content.data(), 1, content.size(), f);
  (void)std::fclose(f);
}

void Tree::symlink(const fs::path& target, const fs::path& rel) {
  mkdir(rel.parent_path());
  if (!below_no_link(rel.parent_path())) return;
  std::error_code ec;
  fs::create_symlink(target, host(rel), ec);
  if (!ec) links_.insert(rel);
}

void Tree::odd(const fs::path& rel) {
  mkdir(rel.parent_path());
  switch (in_.below(10)) {
    case 0:
      // The loader opens files without blocking and refuses what is not a
      // regular file, so it never waits for a writer here.
      if (below_no_link(rel.parent_path())) (void)::mkfifo(host(rel).c_str(), 0600);
      break;
    case 1:
      symlink("/dev/zero", rel);
      break;
    case 2:
      mkdir(rel);
      break;
    case 3:
      symlink("missing", rel);
      break;
    case 4:
      symlink(rel.filename(), rel);  // a loop
      break;
    case 5:
      write(rel, std::string(sysfs::kMaxFileSize + 1, '1'));
      break;
    case 6:
      write(rel, "");
      break;
    case 7:
      symlink("/", rel);
      break;
    case 8: {
      fs::path up;
      for (auto it = std::next(rel.begin()); it != rel.end(); ++it) up /= "..";
      symlink(up / "..", rel);  // just above the root
      break;
    }
    default:
      write(rel, in_.text(64));
      break;
  }
}

void Tree::attr(const fs::path& rel, std::string_view content) {
  if (in_.byte() < 0xe0) {
    write(rel, content);
  } else {
    odd(rel);
  }
}

void Tree::link(const fs::path& rel, const fs::path& target) {
  const std::uint8_t how = in_.byte();
  if (how < 0xc0) {
    symlink(target.lexically_relative(rel.parent_path()), rel);
  } else if (how < 0xd0) {
    symlink(host(target), rel);  // absolute, still inside the root
  } else if (how < 0xe0 && !functions_.empty()) {
    // To some PCI function, maybe not the right one.
    const auto& other = functions_[in_.below(static_cast<unsigned>(functions_.size()))];
    symlink(other.dir.lexically_relative(rel.parent_path()), rel);
  } else if (how < 0xf0) {
    odd(rel);
  }
  // else: no link at all
}

// A config space of 64, 256 or 4096 bytes with a PCI Express capability of
// a random port type and maybe an ACS capability, or random bytes.
std::string Tree::config_space(unsigned vendor) {
  const unsigned kind = in_.below(5);
  if (kind == 4) {
    std::string data = in_.text(255);
    data += in_.text(255);
    return data;
  }
  static constexpr std::array<std::size_t, 4> kSizes{4096, 64, 256, 4096};
  std::string data(kSizes.at(kind), '\0');
  put_le(data, 0x00, vendor, 2);
  if (kind == 1) return data;
  put_le(data, 0x06, 0x10, 2);  // capability list
  put_le(data, 0x34, 0x40, 1);
  put_le(data, 0x40, 0x10, 1);                             // PCI Express
  put_le(data, 0x41, in_.byte() & 0xfc, 1);                // next capability: usually none
  put_le(data, 0x42, 0x2 | ((in_.byte() & 0xf) << 4), 2);  // port type
  if (kind != 3 && kind != 0) return data;
  // Extended capabilities: maybe another one first, then ACS.
  std::size_t acs = 0x100;
  if (in_.byte() & 1) {
    const unsigned next = (in_.byte() & 0x3f) << 6;  // may point back
    put_le(data, 0x100, 0x0001 | (1U << 16) | (next << 20), 4);
    acs = next < 0x100 ? 0x140 : next;
  }
  put_le(data, acs, 0x000d | (1U << 16), 4);
  put_le(data, acs + 6, in_.u16(), 2);  // ACS control
  return data;
}

void Tree::function(std::size_t index) {
  // Below a host bridge or an earlier function.
  const auto parent = in_.below(static_cast<unsigned>(host_bridges_.size() + index));
  const bool on_root = parent < host_bridges_.size();
  const Function* up = on_root ? nullptr : &functions_[parent - host_bridges_.size()];
  const std::string hb = on_root ? host_bridges_[parent] : up->host_bridge;
  const fs::path parent_dir = on_root ? fs::path("devices") / hb : up->dir;
  const std::string domain = hb.size() >= 7 ? hb.substr(3, 4) : "0000";
  const unsigned bus = in_.byte();
  const unsigned devfn = in_.byte();
  std::string bdf = domain + ":" + hex(bus % 16, 2) + ":" + hex((devfn >> 3) & 0x1f, 2) + "." +
                    std::to_string(devfn & 7);
  if (bus >= 0xf0) bdf = (bus & 1) != 0 ? bdf + "x" : "0000:0g:00.8";  // not a BDF
  const fs::path dir = parent_dir / bdf;
  mkdir(dir);

  struct Id {
    unsigned vendor, device, klass;
  };
  static constexpr std::array<Id, 6> kIds{{
      {0x1b36, 0x0010, 0x010802},  // QEMU NVMe
      {0x104c, 0x8232, 0x060400},  // a switch port
      {0x8086, 0x29c0, 0x060000},  // q35 host bridge
      {0x8086, 0x2030, 0x060400},  // whitelisted root port
      {0x8086, 0x3c00, 0x060900},  // whitelisted for one host bridge only
      {0x8086, 0x10d3, 0x020000},  // a NIC
  }};
  const Id& id = kIds.at(in_.below(kIds.size()));
  attr(dir / "vendor", "0x" + hex(id.vendor, 4) + "\n");
  attr(dir / "device", "0x" + hex(id.device, 4) + "\n");
  attr(dir / "class", "0x" + hex(id.klass, 6) + "\n");
  if (in_.byte() < 0xf0) {
    attr(dir / "config", config_space(id.vendor));
  } else {
    odd(dir / "config");
  }
  if (const unsigned p2pmem = in_.below(4); p2pmem != 0) {
    const unsigned size = in_.u16();
    attr(dir / "p2pmem/size", std::to_string(std::uint64_t{size} << 12) + "\n");
    attr(dir / "p2pmem/available", std::to_string(std::uint64_t{in_.u16()} << 12) + "\n");
    attr(dir / "p2pmem/published", p2pmem == 3 ? in_.text(8) : std::to_string(p2pmem - 1));
  }
  link(fs::path("bus/pci/devices") / bdf, dir);
  functions_.push_back({bdf, hb, dir});
}

void Tree::name_space(const std::string& ctrl, const fs::path& ctrl_dir, unsigned id, unsigned n) {
  const std::string name = ctrl + "n" + std::to_string(n);
  fs::path dir = ctrl_dir / name;
  fs::path device = ctrl_dir;
  if (in_.byte() >= 0xc0) {
    // Multipath: the head below its subsystem, a hidden path per controller.
    const std::string subsys = "nvme-subsys" + std::to_string(id);
    const fs::path subsys_dir = fs::path("devices/virtual/nvme-subsystem") / subsys;
    dir = subsys_dir / name;
    device = subsys_dir;
    link(fs::path("class/nvme-subsystem") / subsys, subsys_dir);
    link(subsys_dir / ctrl, ctrl_dir);
    const std::string path_name = ctrl + "c" + std::to_string(id) + "n" + std::to_string(n);
    mkdir(ctrl_dir / path_name);
    link(fs::path("class/block") / path_name, ctrl_dir / path_name);
  }
  static constexpr std::array<const char*, 6> kSizes{
      "524288", "0", "18014398509481983", "18014398509481984", "18446744073709551615", "-1"};
  attr(dir / "size", std::string(kSizes.at(in_.below(kSizes.size()))) + "\n");
  attr(dir / "dev", "259:" + std::to_string(n) + "\n");
  link(dir / "device", device);
  link(fs::path("class/block") / name, dir);
}

void Tree::controller() {
  const unsigned id = in_.below(8);
  const std::uint8_t name_kind = in_.byte();
  static constexpr std::array<const char*, 4> kOddNames{"nvme", "nvmeX", "nvme0c0n1",
                                                        "nvme-fabrics"};
  const std::string name =
      name_kind < 0xf0 ? "nvme" + std::to_string(id) : kOddNames.at(name_kind % kOddNames.size());
  // On a PCI function, or not on PCI (NVMe over fabrics).
  const unsigned at = in_.below(static_cast<unsigned>(functions_.size() + 1));
  const fs::path parent =
      at < functions_.size() ? functions_[at].dir : fs::path("devices/virtual/nvme-fabrics/ctl");
  const fs::path dir = parent / "nvme" / name;
  mkdir(dir);
  const bool random_text = in_.byte() >= 0xc0;
  attr(dir / "model", random_text ? in_.text(40) : "QEMU NVMe Ctrl\n");
  attr(dir / "serial", random_text ? in_.text(20) : "rp-sw" + std::to_string(id) + "\n");
  attr(dir / "firmware_rev", "7.2.22\n");
  link(dir / "device", parent);
  link(fs::path("class/nvme") / name, dir);
  const unsigned namespaces = in_.below(3) + (name_kind & 1);
  for (unsigned n = 1; n <= namespaces; ++n) name_space(name, dir, id, n);
}

void Tree::build() {
  static constexpr std::array<const char*, 7> kModaliases{
      "cpu:type:x86,ven0002fam0006mod0006:feature:,0000,0001\n",  // QEMU TCG
      "cpu:type:x86,ven0002fam0017mod0031:feature:,0000\n",       // AMD Zen 2
      "cpu:type:x86,ven0000fam0006mod006A:feature:,0000\n",       // Intel
      "cpu:type:x86,ven00",
      "cpu:type:x86,venzzzzfamzzzz",
      "cpu:type:aarch64:feature:,0000\n",
      "cpu:type:x86,fam0019ven0009\n",
  };
  attr("devices/system/cpu/modalias", kModaliases.at(in_.below(kModaliases.size())));

  static constexpr std::array<const char*, 4> kHostBridges{"pci0000:00", "pci0000:80", "pci0001:00",
                                                           "pcixxxx:00"};
  const unsigned host_bridges = 1 + in_.below(2);
  for (unsigned i = 0; i < host_bridges; ++i) {
    host_bridges_.emplace_back(kHostBridges.at(in_.below(kHostBridges.size())));
  }
  const unsigned functions = in_.below(12);
  for (std::size_t i = 0; i < functions; ++i) function(i);
  const unsigned controllers = in_.below(5);
  for (unsigned i = 0; i < controllers; ++i) controller();
  // A stray entry in bus/pci/devices.
  if (in_.byte() >= 0x80) {
    const bool junk = (in_.byte() & 1) != 0;
    odd(fs::path("bus/pci/devices") / (junk ? "junk" : "0000:00:1f.7"));
  }
}

// What the loader returns must be linked consistently.
void check_function(const topo::Topology& t, const std::string& bdf, const topo::PciFunction& f) {
  if (f.bdf != bdf || !t.host_bridges.contains(f.host_bridge)) std::abort();
  if (f.upstream) {
    const auto* up = t.function(*f.upstream);
    if (up == nullptr ||
        std::find(up->children.begin(), up->children.end(), bdf) == up->children.end()) {
      std::abort();
    }
  }
  for (const auto& child : f.children) {
    const auto* c = t.function(child);
    if (c == nullptr || c->upstream != bdf) std::abort();
  }
  if (t.chain(bdf).empty()) std::abort();
  (void)t.attachment(bdf);
}

void check(const topo::Topology& t) {
  for (const auto& [bdf, f] : t.functions) check_function(t, bdf, f);
  for (const auto& ns : t.namespaces) {
    if (ns.sectors > units::kMaxSectors) std::abort();
  }
  for (const auto& c : t.controllers) {
    if (c.pci && t.function(*c.pci) == nullptr) std::abort();
  }
}

// What the tool does with a topology: P2P paths and a plan.
void use(const topo::Topology& t) {
  for (const auto* provider : t.providers()) {
    for (const auto& [bdf, f] : t.functions) {
      const auto path = p2p::calc_map_type_and_dist(t, provider->bdf, bdf);
      if (path.reachable() && path.distance < 0) std::abort();
    }
  }
  for (const auto& [name, hb] : t.host_bridges) (void)p2p::describe_host_bridge(t, hb);
  struct Ask {
    const char* level;
    unsigned count;
  };
  for (const Ask& ask : {Ask{"raid1", 2}, Ask{"raid5", 3}, Ask{"raid10", 4}}) {
    plan::Request req;
    req.level = ask.level;
    req.count = ask.count;
    try {
      (void)plan::make_plan(t, req);
    } catch (const Error&) {
      // refused (not enough drives, ...): fine
    }
  }
}

// A directory of this process's own, removed at exit.
class Scratch {
 public:
  Scratch() {
    std::string dir = (base() / "p2praid-topology-fuzz-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) std::abort();
    dir_ = dir;
  }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  Scratch(Scratch&&) = delete;
  Scratch& operator=(Scratch&&) = delete;
  ~Scratch() {
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }

  const fs::path& dir() const { return dir_; }

 private:
  // The tree is made and removed for every input: in memory, as sysfs is,
  // unless TMPDIR says otherwise (on a disk it is several times slower).
  static fs::path base() {
    if (std::getenv("TMPDIR") == nullptr && ::access("/dev/shm", W_OK | X_OK) == 0) {
      return "/dev/shm";
    }
    return fs::temp_directory_path();
  }

  fs::path dir_;
};

}  // namespace

// NOLINTNEXTLINE(readability-identifier-naming): libFuzzer's entry point
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  static const Scratch scratch;
  const fs::path root = scratch.dir() / "sys";
  std::error_code ec;
  fs::remove_all(root, ec);
  fs::create_directory(root, ec);
  Input in({data, size});
  Tree(root, in).build();
  try {
    const sysfs::FsReader reader(root);
    const auto t = topo::load_topology(reader);
    check(t);
    use(t);
  } catch (const CommandError&) {
    // refused: fine
  }
  fs::remove_all(root, ec);
  return 0;
}
