// SPDX-License-Identifier: GPL-2.0-only
#include "test_support.hpp"

#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdlib>
#include <fstream>
#include <sstream>

#include "p2praid/cli.hpp"
#include "p2praid/errors.hpp"
#include "p2praid/sysfs.hpp"

namespace p2praid::test {
namespace fs = std::filesystem;

fs::path fixture_dir(const std::string& name) {
  return fs::path(P2PRAID_REPO) / "tests" / "fixtures" / "sysfs" / name;
}

std::vector<std::string> fixture_names() {
  std::vector<std::string> names;
  for (const auto& entry :
       fs::directory_iterator(fs::path(P2PRAID_REPO) / "tests/fixtures/sysfs")) {
    if (entry.is_directory()) names.push_back(entry.path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

topo::Topology load_fixture(const std::string& name) {
  const sysfs::FsReader reader(fixture_dir(name));
  return topo::load_topology(reader);
}

Result run_cli(const std::vector<std::string>& args, FakeDmClient::State* dm,
               FakeDevices::State* devices, const fs::path& default_config) {
  static FakeDmClient::State empty;
  static FakeDevices::State no_devices;
  FakeDmClient::State* state = dm != nullptr ? dm : &empty;
  FakeDevices::State* devs = devices != nullptr ? devices : &no_devices;
  cli::Services services;
  services.sysfs = [](const fs::path& root) { return std::make_unique<sysfs::FsReader>(root); };
  services.dm = [state](const Log& /*log*/) { return std::make_unique<FakeDmClient>(*state); };
  services.devices = [devs](const fs::path& /*root*/) {
    return std::make_unique<FakeDevices>(*devs);
  };
  services.confirm = [devs](const std::string& question) {
    devs->questions.push_back(question);
    if (!devs->confirm)
      throw CommandError(question + " There is no terminal to ask on; pass -y to confirm");
    return *devs->confirm;
  };
  services.new_uuid = [] { return std::string("11111111-2222-3333-4444-555555555555"); };
  // Not the machine's /etc/p2praid.conf.
  services.default_config = default_config.empty()
                                ? fs::path(P2PRAID_REPO) / "tests/unit/no-such-p2praid.conf"
                                : default_config;
  std::ostringstream out;
  std::ostringstream err;
  Result r;
  r.status = cli::run(args, out, err, services);
  r.out = out.str();
  r.err = err.str();
  return r;
}

std::string read_text(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

namespace {

std::string shell_quote(const std::string& s) {
  std::string q = "'";
  for (const char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

}  // namespace

Result run_binary(const std::vector<std::string>& args) {
  const fs::path dir = fs::temp_directory_path() / ("p2praid-test-" + std::to_string(::getpid()));
  fs::create_directories(dir);
  std::string cmd = shell_quote(P2PRAID_TOOL);
  for (const auto& a : args) cmd += " " + shell_quote(a);
  cmd += " >" + shell_quote((dir / "out").string()) + " 2>" + shell_quote((dir / "err").string());
  const int raw = std::system(cmd.c_str());  // NOLINT(cert-env33-c): the test runs the tool
  Result r;
  r.status = WIFEXITED(raw) ? WEXITSTATUS(raw) : -1;
  r.out = read_text(dir / "out");
  r.err = read_text(dir / "err");
  fs::remove_all(dir);
  return r;
}

}  // namespace p2praid::test
