// SPDX-License-Identifier: GPL-2.0-only
// A device-mapper client that keeps its devices in memory.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "p2praid/dm_client.hpp"

namespace p2praid::test {

class FakeDmClient final : public dm::Client {
 public:
  struct State {
    std::vector<dm::Device> devices;
    std::vector<std::string> removed;
    bool fail_remove = false;
    bool fail_list = false;
    bool fail_create = false;
    bool fail_set_uuid = false;
    // What the kernel target does when create() resumes a new device, such
    // as writing superblocks; nothing if unset.
    std::function<void(const dm::Target&)> on_first_resume;
    std::vector<std::string> calls;  // "create NAME UUID", "set_uuid NAME UUID", "remove NAME"
    // INFO status lines by device name.
    std::map<std::string, std::string> status;
    std::vector<std::string> messages;  // "NAME MESSAGE"
    std::vector<std::string> reloads;   // "NAME TABLE"
    // The loaded target types, as DM_LIST_VERSIONS lists them.
    std::vector<dm::TargetVersion> targets{{"linear", 1, 4, 0}, {"striped", 1, 6, 0}};
    bool fail_versions = false;
    // What happens while monitor waits for an event: it may change the
    // devices and status above, and says how the wait ends. Unset: the
    // wait is interrupted (as by SIGTERM), which ends monitor.
    std::function<dm::Client::Wake()> on_wait;
    unsigned armed = 0;  // arm_events() calls
    unsigned waits = 0;  // wait_events() calls
  };

  explicit FakeDmClient(State& state) : state_(&state) {}

  std::vector<dm::Device> devices() override;
  void remove(const std::string& name) override;
  std::vector<dm::Target> status(const std::string& name) override;
  void create(const std::string& name, const std::string& uuid, const dm::Target& table) override;
  void set_uuid(const std::string& name, const std::string& uuid) override;
  void reload(const std::string& name, const dm::Target& table) override;
  void message(const std::string& name, const std::string& message) override;
  std::vector<dm::TargetVersion> target_versions() override;
  void arm_events() override;
  Wake wait_events(std::chrono::milliseconds timeout) override;

 private:
  State* state_;
};

// A device with one target.
dm::Device make_device(const std::string& name, const std::string& type, const std::string& params,
                       std::uint64_t length = 1048576);

}  // namespace p2praid::test
