// SPDX-License-Identifier: GPL-2.0-only
// Helpers shared by the unit tests.
#pragma once

#include <filesystem>
#include <string>
#include <vector>

#include "fake_devices.hpp"
#include "fake_dm_client.hpp"
#include "p2praid/topology.hpp"

namespace p2praid::test {

// <repo>/tests/fixtures/sysfs/<name>
std::filesystem::path fixture_dir(const std::string& name);

// The names of all fixture trees (hand-made and captured), sorted.
std::vector<std::string> fixture_names();

topo::Topology load_fixture(const std::string& name);

struct Result {
  int status = -1;
  std::string out;
  std::string err;
};

// Runs the CLI in-process; sysfs from the filesystem, device-mapper from
// `dm`, block devices from `devices`, the config file from --config or
// `default_config` (empty: a file that does not exist, not the machine's).
Result run_cli(const std::vector<std::string>& args, FakeDmClient::State* dm = nullptr,
               FakeDevices::State* devices = nullptr,
               const std::filesystem::path& default_config = {});

// Runs the built p2praid-tool binary through the shell.
Result run_binary(const std::vector<std::string>& args);

std::string read_text(const std::filesystem::path& path);

}  // namespace p2praid::test
