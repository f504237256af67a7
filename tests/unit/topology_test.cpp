// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/topology.hpp"

#include <algorithm>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

#include "p2praid/errors.hpp"
#include "test_support.hpp"

namespace p2praid::topo {
namespace {

TEST(Topology, Switch4Tree) {
  const auto t = test::load_fixture("switch4");
  EXPECT_TRUE(t.warnings.empty());
  EXPECT_EQ(t.functions.size(), 18U);
  EXPECT_EQ(t.function("0000:00:00.0")->kind, PciKind::HostBridge);
  EXPECT_EQ(t.function("0000:00:1c.0")->kind, PciKind::RootPort);
  EXPECT_EQ(t.function("0000:01:00.0")->kind, PciKind::SwitchUpstream);
  EXPECT_EQ(t.function("0000:02:03.0")->kind, PciKind::SwitchDownstream);
  EXPECT_EQ(t.function("0000:06:00.0")->kind, PciKind::Endpoint);
  EXPECT_EQ(t.function("0000:06:00.0")->upstream, "0000:02:03.0");
  EXPECT_FALSE(t.function("0000:00:1c.0")->upstream);
  EXPECT_EQ(t.function("0000:01:00.0")->children.size(), 4U);
  EXPECT_EQ(t.function("0000:03:00.0")->vendor, 0x1b36);
  EXPECT_EQ(t.function("0000:03:00.0")->device, 0x0010);
  EXPECT_EQ(t.function("0000:01:00.0")->vendor, 0x104c);
  EXPECT_EQ(t.function("0000:01:00.0")->device, 0x8232);
  EXPECT_EQ(t.function("0000:02:00.0")->device, 0x8233);
}

TEST(Topology, Switch4HostBridge) {
  const auto t = test::load_fixture("switch4");
  ASSERT_EQ(t.host_bridges.size(), 1U);
  const auto& hb = t.host_bridges.at("pci0000:00");
  EXPECT_EQ(hb.identity, "0000:00:00.0");
  EXPECT_EQ(hb.root_bus.front(), "0000:00:00.0");
  EXPECT_EQ(t.function(*hb.identity)->device, 0x29c0);
  // QEMU TCG "-cpu max": AMD, but family 6, not Zen
  EXPECT_FALSE(t.cpu.supports_p2pdma);
  EXPECT_EQ(t.cpu.x86_vendor, 2U);
  EXPECT_EQ(t.cpu.x86_family, 6U);
  EXPECT_EQ(t.cpu.description.rfind("AMD family 6h", 0), 0U) << t.cpu.description;
}

TEST(Topology, Switch4NvmeAndProviders) {
  const auto t = test::load_fixture("switch4");
  ASSERT_EQ(t.controllers.size(), 6U);
  ASSERT_EQ(t.namespaces.size(), 6U);
  const auto* c0 = t.controller("nvme0");
  ASSERT_NE(c0, nullptr);
  EXPECT_EQ(c0->pci, "0000:03:00.0");
  EXPECT_EQ(c0->model, "QEMU NVMe Ctrl");
  EXPECT_EQ(c0->serial, "rp-sw0");
  EXPECT_EQ(c0->firmware_rev, "7.2.22");
  EXPECT_EQ(c0->namespaces, std::vector<std::string>{"nvme0n1"});
  const auto* n5 = t.find_namespace("nvme5n1");
  ASSERT_NE(n5, nullptr);
  EXPECT_EQ(n5->controller(), "nvme5");
  EXPECT_EQ(n5->bytes(), 256U << 20);
  EXPECT_EQ(n5->devnum, "259:5");
  const auto providers = t.providers();
  ASSERT_EQ(providers.size(), 5U);
  EXPECT_EQ(providers.front()->p2pmem->size, 64U << 20);
  EXPECT_TRUE(providers.front()->p2pmem->published);
  // the rig boots with nvme.use_cmb_sqes=0: no queues in the CMB
  EXPECT_EQ(providers.front()->p2pmem->available, providers.front()->p2pmem->size);
  const auto other = test::load_fixture("two-switches");
  EXPECT_EQ(other.providers().front()->p2pmem->available, (64U << 20) - (128U << 10));
  EXPECT_FALSE(t.function("0000:08:00.0")->p2pmem);
}

TEST(Topology, Attachment) {
  const auto t = test::load_fixture("switch4");
  EXPECT_EQ(t.attachment("0000:04:00.0"), "switch 0000:01:00.0");
  EXPECT_EQ(t.attachment("0000:07:00.0"), "root port 0000:00:1c.1");
  EXPECT_EQ(t.attachment("0000:00:1f.2"), "host bridge pci0000:00");
}

TEST(Topology, AcsStates) {
  const auto plain = test::load_fixture("switch4");
  EXPECT_EQ(plain.function("0000:00:1c.0")->acs, AcsState::None);
  EXPECT_EQ(plain.function("0000:00:1c.0")->acs_ctrl, 0U);  // capability, nothing enabled
  EXPECT_EQ(plain.function("0000:02:00.0")->acs, AcsState::None);
  EXPECT_FALSE(plain.function("0000:02:00.0")->acs_ctrl);  // no capability
  const auto acs = test::load_fixture("acs-redirect");
  EXPECT_EQ(acs.function("0000:02:00.0")->acs, AcsState::Redirect);
  EXPECT_EQ(acs.function("0000:00:1c.0")->acs, AcsState::Redirect);
  EXPECT_EQ(acs.function("0000:03:00.0")->acs, AcsState::None);
}

TEST(Topology, MultipathNamespacesFindTheirControllers) {
  const auto t = test::load_fixture("root-ports-only");
  ASSERT_EQ(t.namespaces.size(), 4U);  // the hidden nvme0c0n1 paths are not namespaces
  EXPECT_EQ(t.find_namespace("nvme2n1")->controller(), "nvme2");
  EXPECT_EQ(t.controller("nvme2")->namespaces, std::vector<std::string>{"nvme2n1"});
  EXPECT_EQ(t.find_namespace("nvme0c0n1"), nullptr);
}

TEST(Topology, SecondNamespaceOfAController) {
  const auto t = test::load_fixture("two-switches");
  EXPECT_EQ(t.controller("nvme0")->namespaces, (std::vector<std::string>{"nvme0n1", "nvme0n2"}));
  EXPECT_EQ(t.find_namespace("nvme0n2")->bytes(), 128U << 20);
}

TEST(Topology, StructureDecidesKindsWithoutConfigSpace) {
  // A fixture copy without config files, as an unprivileged read gives:
  // kinds come from the tree and ACS is unknown.
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / "p2praid-noconfig";
  fs::remove_all(dir);
  fs::copy(test::fixture_dir("switch4"), dir,
           fs::copy_options::recursive | fs::copy_options::copy_symlinks);
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename() == "config" && !e.is_symlink()) {
      fs::resize_file(e.path(), 64);
    }
  }
  const sysfs::FsReader reader(dir);
  const auto t = load_topology(reader);
  EXPECT_EQ(t.function("0000:00:1c.0")->kind, PciKind::RootPort);
  EXPECT_EQ(t.function("0000:01:00.0")->kind, PciKind::SwitchUpstream);
  EXPECT_EQ(t.function("0000:02:01.0")->kind, PciKind::SwitchDownstream);
  EXPECT_EQ(t.function("0000:02:01.0")->acs, AcsState::Unknown);
  ASSERT_FALSE(t.warnings.empty());
  EXPECT_NE(t.warnings.back().find("run as root"), std::string::npos);
  fs::remove_all(dir);
}

// A number in sysfs that is not one, or out of range, fails loading with
// the file and the value; before, it became 0 or wrapped.
TEST(Topology, RefusesBadNumbers) {
  namespace fs = std::filesystem;
  struct Case {
    const char* file;
    const char* content;
    const char* message;
  };
  const fs::path dir = fs::temp_directory_path() / "p2praid-badnumbers";
  for (const Case& c : {
           Case{"devices/pci0000:00/0000:00:1c.0/vendor", "zz\n",
                "vendor: \"zz\" is not a hexadecimal number"},
           Case{"devices/pci0000:00/0000:00:1c.0/vendor", "0x1b360\n",
                "vendor: 0x1b360 is out of range (at most 0xffff)"},
           Case{"devices/pci0000:00/0000:00:1c.0/class", "0x1060400\n",
                "class: 0x1060400 is out of range (at most 0xffffff)"},
           Case{"bus/pci/devices/0000:03:00.0/p2pmem/published", "2\n",
                "p2pmem/published: 2 is out of range (at most 1)"},
           Case{"bus/pci/devices/0000:03:00.0/p2pmem/available", "-1\n",
                "p2pmem/available: \"-1\" is not a decimal number"},
           Case{"class/block/nvme0n1/size", "524288 sectors\n",
                "/class/block/nvme0n1/size: \"524288 sectors\" is not a decimal number"},
           Case{"class/block/nvme0n1/size", "18446744073709551615\n",
                "/class/block/nvme0n1/size: 18446744073709551615 is out of range (at most "
                "18014398509481983)"},
       }) {
    fs::remove_all(dir);
    fs::copy(test::fixture_dir("switch4"), dir,
             fs::copy_options::recursive | fs::copy_options::copy_symlinks);
    std::ofstream(dir / c.file) << c.content;
    const sysfs::FsReader reader(dir);
    std::string msg;
    try {
      (void)load_topology(reader);
    } catch (const CommandError& e) {
      msg = e.what();
    }
    EXPECT_NE(msg.find(c.message), std::string::npos) << c.file << ": " << msg;
    EXPECT_EQ(msg.rfind(dir.string(), 0), 0U) << msg;
  }
  fs::remove_all(dir);
}

TEST(Topology, EmptySysfs) {
  const sysfs::FsReader reader(std::filesystem::temp_directory_path() / "p2praid-does-not-exist");
  const auto t = load_topology(reader);
  EXPECT_TRUE(t.functions.empty());
  EXPECT_TRUE(t.namespaces.empty());
  EXPECT_FALSE(t.cpu.supports_p2pdma);
}

TEST(Topology, NaturalOrder) {
  EXPECT_TRUE(natural_less("nvme2n1", "nvme10n1"));
  EXPECT_FALSE(natural_less("nvme10n1", "nvme2n1"));
  EXPECT_TRUE(natural_less("nvme1n1", "nvme1n2"));
  EXPECT_TRUE(natural_less("nvme1", "nvme1n1"));
  EXPECT_FALSE(natural_less("nvme1", "nvme1"));
  EXPECT_EQ(vendor_device(0x8086, 0x29c0), "8086:29c0");
  EXPECT_EQ(vendor_device(0x1b36, 0x000c), "1b36:000c");
}

// Every fixture, hand-made or captured, must load cleanly and be coherent.
class EveryFixture : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryFixture, LoadsCoherently) {
  const auto t = test::load_fixture(GetParam());
  EXPECT_TRUE(t.warnings.empty()) << t.warnings.front();
  EXPECT_FALSE(t.functions.empty());
  for (const auto& [bdf, f] : t.functions) {
    if (f.upstream) {
      ASSERT_NE(t.function(*f.upstream), nullptr) << bdf;
      EXPECT_NE(t.function(*f.upstream)->kind, PciKind::Endpoint) << bdf;
    }
    EXPECT_TRUE(t.host_bridges.count(f.host_bridge)) << bdf;
  }
  for (const auto& ns : t.namespaces) {
    EXPECT_NE(t.controller(ns.controller()), nullptr) << ns.name;
    EXPECT_GT(ns.sectors, 0U) << ns.name;
  }
  for (const auto* p : t.providers()) EXPECT_LE(p->p2pmem->available, p->p2pmem->size);
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryFixture, ::testing::ValuesIn(test::fixture_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

}  // namespace
}  // namespace p2praid::topo
