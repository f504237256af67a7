// A device-mapper client that keeps its devices in memory.
#pragma once

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
  };

  explicit FakeDmClient(State& state) : state_(&state) {}

  std::vector<dm::Device> devices() override;
  void remove(const std::string& name) override;

 private:
  State* state_;
};

// A device with one target.
dm::Device make_device(const std::string& name, const std::string& type, const std::string& params,
                       std::uint64_t length = 1048576);

}  // namespace p2praid::test
