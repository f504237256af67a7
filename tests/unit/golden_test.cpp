// SPDX-License-Identifier: GPL-2.0-only
// Golden tests: tests/unit/golden/<fixture>/<case>.args holds the arguments
// of one run of p2praid-tool on tests/fixtures/sysfs/<fixture>; <case>.out
// is the expected stdout, <case>.err the expected stderr (if not empty) and
// <case>.status the exit status (if not 0). The fixture path is written as
// @SYSFS@. Run with P2PRAID_UPDATE_GOLDEN=1 to (re)write the expectations.
#include <cstdlib>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace p2praid::test {
namespace {
namespace fs = std::filesystem;

struct Case {
  std::string fixture;
  std::string name;
};

// Readable test parameters in ctest and gtest output.
void PrintTo(const Case& c, std::ostream* os) {
  *os << c.fixture << "/" << c.name;
}

fs::path golden_root() {
  return fs::path(P2PRAID_REPO) / "tests/unit/golden";
}

std::vector<Case> all_cases() {
  std::vector<Case> cases;
  if (!fs::exists(golden_root())) return cases;
  for (const auto& dir : fs::directory_iterator(golden_root())) {
    if (!dir.is_directory()) continue;
    for (const auto& file : fs::directory_iterator(dir.path())) {
      if (file.path().extension() == ".args") {
        cases.push_back({dir.path().filename().string(), file.path().stem().string()});
      }
    }
  }
  std::sort(cases.begin(), cases.end(), [](const Case& a, const Case& b) {
    return a.fixture + "/" + a.name < b.fixture + "/" + b.name;
  });
  return cases;
}

std::vector<std::string> split(const std::string& text) {
  std::istringstream in(text);
  std::vector<std::string> words;
  for (std::string w; in >> w;) words.push_back(w);
  return words;
}

std::string replace_all(std::string text, const std::string& from, const std::string& to) {
  for (auto at = text.find(from); at != std::string::npos; at = text.find(from, at + to.size())) {
    text.replace(at, from.size(), to);
  }
  return text;
}

void write(const fs::path& path, const std::string& text) {
  if (text.empty()) {
    fs::remove(path);
    return;
  }
  std::ofstream(path, std::ios::binary) << text;
}

std::string read_optional(const fs::path& path) {
  return fs::exists(path) ? read_text(path) : std::string();
}

class Golden : public ::testing::TestWithParam<Case> {};

TEST_P(Golden, MatchesExpectedOutput) {
  const Case& c = GetParam();
  const fs::path base = golden_root() / c.fixture / c.name;
  const fs::path sysfs = fixture_dir(c.fixture);
  ASSERT_TRUE(fs::is_directory(sysfs)) << "no fixture " << sysfs;
  auto args = split(read_text(base.string() + ".args"));
  args.insert(args.begin(), {"--sysfs-root", sysfs.string()});
  const auto r = run_cli(args);
  const std::string out = replace_all(r.out, sysfs.string(), "@SYSFS@");
  const std::string err = replace_all(r.err, sysfs.string(), "@SYSFS@");
  const std::string status = r.status == 0 ? std::string() : std::to_string(r.status) + "\n";
  if (std::getenv("P2PRAID_UPDATE_GOLDEN") != nullptr) {
    write(base.string() + ".out", out);
    write(base.string() + ".err", err);
    write(base.string() + ".status", status);
    GTEST_SKIP() << "updated " << base;
  }
  EXPECT_EQ(out, read_optional(base.string() + ".out"));
  EXPECT_EQ(err, read_optional(base.string() + ".err"));
  EXPECT_EQ(status, read_optional(base.string() + ".status"));
}

INSTANTIATE_TEST_SUITE_P(Cases, Golden, ::testing::ValuesIn(all_cases()), [](const auto& info) {
  std::string name = info.param.fixture + "_" + info.param.name;
  for (auto& ch : name) {
    if (std::isalnum(static_cast<unsigned char>(ch)) == 0) ch = '_';
  }
  return name;
});

GTEST_ALLOW_UNINSTANTIATED_PARAMETERIZED_TEST(Golden);

// Every golden directory belongs to a fixture.
TEST(GoldenLayout, DirectoriesNameFixtures) {
  for (const auto& c : all_cases())
    EXPECT_TRUE(fs::is_directory(fixture_dir(c.fixture))) << c.fixture;
}

}  // namespace
}  // namespace p2praid::test
