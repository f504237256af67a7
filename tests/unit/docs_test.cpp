// SPDX-License-Identifier: GPL-2.0-only
// The committed man page and completion script are what the tool generates
// from its option definitions.
#include <cstdlib>
#include <fstream>

#include <gtest/gtest.h>

#include "test_support.hpp"

namespace p2praid::test {
namespace {
namespace fs = std::filesystem;

constexpr const char* kHint = "regenerate with: cmake --build BUILD --target p2praid-tool-docs";

TEST(Docs, ManPageIsUpToDate) {
  const auto r = run_cli({"--man"});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, read_text(fs::path(P2PRAID_REPO) / "man/p2praid-tool.8")) << kHint;
}

TEST(Docs, CompletionIsUpToDate) {
  const auto r = run_cli({"--bash-completion"});
  ASSERT_EQ(r.status, 0);
  EXPECT_EQ(r.out, read_text(fs::path(P2PRAID_REPO) / "tools/completion/p2praid-tool.bash"))
      << kHint;
}

TEST(Docs, ManPageDocumentsEveryOption) {
  const auto man = run_cli({"--man"}).out;
  for (const char* opt :
       {"\\-\\-verbose", "\\-\\-quiet", "\\-\\-output", "\\-\\-sysfs\\-root", "\\-\\-version",
        "\\-\\-level", "\\-\\-devices", "\\-\\-count", "\\-\\-provider", "\\-\\-policy",
        "\\-\\-chunk", "\\-\\-major\\-minor", "\\-\\-all", "EXIT STATUS", "8086:29c0",
        "\\-\\-config", "\\-\\-output\\-file", "/etc/p2praid.conf", "POLICY"}) {
    EXPECT_NE(man.find(opt), std::string::npos) << opt;
  }
  EXPECT_EQ(man.find("\\-\\-man"), std::string::npos) << "hidden options stay hidden";
}

TEST(Docs, SynopsisBracketsOptionalArguments) {
  const auto man = run_cli({"--man"}).out;
  EXPECT_NE(man.find("\\fBp2praid\\-tool status\\fR [\\fINAME\\fR]\n"), std::string::npos);
  EXPECT_NE(man.find("\\fBp2praid\\-tool assemble\\fR [\\fINAME\\fR] [\\fB\\-\\-scan\\fR]"),
            std::string::npos);
  EXPECT_NE(man.find("\\fBp2praid\\-tool stop\\fR \\fINAME\\fR\n"), std::string::npos);
  EXPECT_NE(man.find("\\fBp2praid\\-tool replace\\fR \\fINAME\\fR \\fIOLD\\fR \\fINEW\\fR"),
            std::string::npos);
}

TEST(Docs, ManPageRendersWithoutWarnings) {
  if (std::system("command -v groff >/dev/null 2>&1") != 0) {  // NOLINT(cert-env33-c)
    GTEST_SKIP() << "groff not installed";
  }
  const fs::path log = fs::temp_directory_path() / "p2praid-groff.log";
  const std::string cmd = "groff -man -Tutf8 -ww -z '" + std::string(P2PRAID_REPO) +
                          "/man/p2praid-tool.8' > '" + log.string() + "' 2>&1";
  EXPECT_EQ(std::system(cmd.c_str()), 0);  // NOLINT(cert-env33-c)
  EXPECT_EQ(read_text(log), "");
}

TEST(Docs, CompletionIsValidBash) {
  const fs::path script = fs::path(P2PRAID_REPO) / "tools/completion/p2praid-tool.bash";
  const std::string cmd = "bash -n '" + script.string() + "'";
  EXPECT_EQ(std::system(cmd.c_str()), 0);  // NOLINT(cert-env33-c)
}

TEST(Docs, CompletionCompletes) {
  const fs::path script = fs::path(P2PRAID_REPO) / "tools/completion/p2praid-tool.bash";
  // A dmsetup that lists two raid-p2p arrays.
  const fs::path bin = fs::temp_directory_path() / "p2praid-completion-bin";
  fs::create_directories(bin);
  std::ofstream(bin / "dmsetup") << "#!/bin/sh\nprintf 'r1\\t(253:0)\\nr5\\t(253:1)\\n'\n";
  fs::permissions(bin / "dmsetup", fs::perms::owner_all);
  const auto complete = [&](const std::string& line) {
    const fs::path out = fs::temp_directory_path() / "p2praid-completion.out";
    const std::string cmd = "PATH='" + bin.string() + "':\"$PATH\" bash -c 'source \"" +
                            script.string() + "\"; COMP_WORDS=(" + line +
                            "); COMP_CWORD=$((${#COMP_WORDS[@]} - 1));"
                            " _p2praid_tool; echo \"${COMPREPLY[*]}\"' > '" +
                            out.string() + "'";
    EXPECT_EQ(std::system(cmd.c_str()), 0) << cmd;  // NOLINT(cert-env33-c)
    return read_text(out);
  };
  EXPECT_EQ(complete("p2praid-tool to"), "topology\n");
  EXPECT_EQ(complete("p2praid-tool plan --pol"), "--policy\n");
  EXPECT_EQ(complete("p2praid-tool plan --policy s"), "spread\n");
  EXPECT_EQ(complete("p2praid-tool --reportformat j"), "json\n");
  EXPECT_EQ(complete("p2praid-tool plan --level raid6_n"), "raid6_nr raid6_nc raid6_n_6\n");
  EXPECT_EQ(complete("p2praid-tool mk"), "mkconf\n");
  EXPECT_EQ(complete("p2praid-tool mkconf --output-"), "--output-file\n");
  EXPECT_EQ(complete("p2praid-tool --con"), "--config\n");
  // Both take file names.
  const std::string tools = std::string(P2PRAID_REPO) + "/tools/";
  EXPECT_EQ(complete("p2praid-tool --config " + tools + "READ"), tools + "README.md\n");
  EXPECT_EQ(complete("p2praid-tool mkconf -o " + tools + "READ"), tools + "README.md\n");
  // Array names for the commands that take a running array, after options
  // and their values too; none for create's new name.
  EXPECT_EQ(complete("p2praid-tool status r"), "r1 r5\n");
  EXPECT_EQ(complete("p2praid-tool --reportformat json replace r"), "r1 r5\n");
  EXPECT_EQ(complete("p2praid-tool stop -v r"), "r1 r5\n");
  EXPECT_EQ(complete("p2praid-tool create r"), "\n");
  // replace NAME OLD: not an array name again.
  EXPECT_EQ(complete("p2praid-tool replace r1 r"), "\n");
  EXPECT_EQ(complete("p2praid-tool examine " + tools + "READ"), tools + "README.md\n");
  fs::remove_all(bin);
}

}  // namespace
}  // namespace p2praid::test
