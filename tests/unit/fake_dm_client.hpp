// A device-mapper client that keeps its devices in memory.
#pragma once

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
    // INFO status lines by device name.
    std::map<std::string, std::string> status;
    std::vector<std::string> messages;  // "NAME MESSAGE"
    std::vector<std::string> reloads;   // "NAME TABLE"
  };

  explicit FakeDmClient(State& state) : state_(&state) {}

  std::vector<dm::Device> devices() override;
  void remove(const std::string& name) override;
  std::vector<dm::Target> status(const std::string& name) override;
  void create(const std::string& name, const std::string& uuid, const dm::Target& table) override;
  void reload(const std::string& name, const dm::Target& table) override;
  void message(const std::string& name, const std::string& message) override;

 private:
  State* state_;
};

// A device with one target.
dm::Device make_device(const std::string& name, const std::string& type, const std::string& params,
                       std::uint64_t length = 1048576);

}  // namespace p2praid::test
