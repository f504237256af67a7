// SPDX-License-Identifier: GPL-2.0-only
// The fixture trees: portable (relative symlinks inside the tree), and the
// hand-made ones exactly what tests/fixtures/make-sysfs-fixtures writes.
#include <algorithm>
#include <cstdlib>
#include <map>

#include <gtest/gtest.h>

#include "p2praid/p2p.hpp"
#include "test_support.hpp"

namespace p2praid::test {
namespace {
namespace fs = std::filesystem;

// Relative path -> "link:<target>" or "file:<content>" or "dir".
std::map<std::string, std::string> snapshot(const fs::path& root) {
  std::map<std::string, std::string> out;
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    const auto rel = fs::relative(it->path(), root).string();
    if (it->is_symlink()) {
      out[rel] = "link:" + fs::read_symlink(it->path()).string();
    } else if (it->is_directory()) {
      out[rel] = "dir";
    } else {
      out[rel] = "file:" + read_text(it->path());
    }
  }
  return out;
}

class EveryTree : public ::testing::TestWithParam<std::string> {};

TEST_P(EveryTree, SymlinksAreRelativeAndStayInside) {
  const fs::path root = fs::canonical(fixture_dir(GetParam()));
  for (auto it = fs::recursive_directory_iterator(root); it != fs::recursive_directory_iterator();
       ++it) {
    if (!it->is_symlink()) continue;
    const auto target = fs::read_symlink(it->path());
    EXPECT_TRUE(target.is_relative()) << it->path() << " -> " << target;
    std::error_code ec;
    const auto resolved = fs::canonical(it->path(), ec);
    ASSERT_FALSE(ec) << it->path() << " -> " << target << " is dangling";
    EXPECT_EQ(resolved.string().rfind(root.string(), 0), 0U) << it->path() << " leaves the tree";
  }
}

INSTANTIATE_TEST_SUITE_P(Fixtures, EveryTree, ::testing::ValuesIn(fixture_names()),
                         [](const auto& info) {
                           std::string name = info.param;
                           std::replace(name.begin(), name.end(), '-', '_');
                           return name;
                         });

TEST(Fixtures, GeneratorMatchesCommittedTrees) {
  if (std::system("python3 -c pass >/dev/null 2>&1") != 0) {  // NOLINT(cert-env33-c)
    GTEST_SKIP() << "python3 not installed";
  }
  const fs::path out = fs::temp_directory_path() / "p2praid-fixtures";
  fs::remove_all(out);
  const std::string cmd = "python3 '" + std::string(P2PRAID_REPO) +
                          "/tests/fixtures/make-sysfs-fixtures' '" + out.string() + "'";
  ASSERT_EQ(std::system(cmd.c_str()), 0);  // NOLINT(cert-env33-c)
  for (const auto& entry : fs::directory_iterator(out)) {
    const auto name = entry.path().filename().string();
    EXPECT_TRUE(snapshot(entry.path()) == snapshot(fixture_dir(name)))
        << name << ": run tests/fixtures/make-sysfs-fixtures and commit the result";
  }
  fs::remove_all(out);
}

// capture-sysfs, run on a hand-made tree, copies all of it: the fixtures hold
// exactly what the tool reads, and the script captures all the tool reads.
TEST(Fixtures, CaptureCopiesWhatTheToolReads) {
  const fs::path out = fs::temp_directory_path() / "p2praid-capture";
  for (const char* name : {"switch4", "root-ports-only"}) {
    fs::remove_all(out);
    const std::string cmd = "bash '" + std::string(P2PRAID_REPO) +
                            "/tests/fixtures/capture-sysfs' '" + out.string() + "' '" +
                            fixture_dir(name).string() + "' 2>/dev/null";
    ASSERT_EQ(std::system(cmd.c_str()), 0) << cmd;  // NOLINT(cert-env33-c)
    EXPECT_TRUE(snapshot(out) == snapshot(fixture_dir(name))) << name;
  }
  fs::remove_all(out);
}

// The capture of the real rig, once added, must show the topology the
// hand-made switch4 fixture models. Names and addresses may differ, so the
// comparison is of each provider's sorted distances to all controllers.
TEST(Fixtures, RigCaptureMatchesSwitch4) {
  if (!fs::is_directory(fixture_dir("rig-switch4"))) {
    GTEST_SKIP()
        << "tests/fixtures/sysfs/rig-switch4 not captured yet (tests/fixtures/capture-sysfs)";
  }
  const auto shape = [](const topo::Topology& t) {
    std::vector<std::vector<int>> rows;
    for (const auto* p : t.providers()) {
      std::vector<int> row;
      for (const auto& c : t.controllers) {
        row.push_back(
            c.pci ? p2p::calc_map_type_and_dist(t, p->bdf, *c.pci).p2p_distance().value_or(-1)
                  : -1);
      }
      std::sort(row.begin(), row.end());
      rows.push_back(row);
    }
    std::sort(rows.begin(), rows.end());
    return rows;
  };
  const auto rig = load_fixture("rig-switch4");
  const auto model = load_fixture("switch4");
  EXPECT_EQ(rig.controllers.size(), model.controllers.size());
  EXPECT_EQ(rig.providers().size(), model.providers().size());
  EXPECT_EQ(shape(rig), shape(model));
}

}  // namespace
}  // namespace p2praid::test
