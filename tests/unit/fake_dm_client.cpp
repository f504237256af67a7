#include "fake_dm_client.hpp"

#include <algorithm>

#include "p2praid/errors.hpp"

namespace p2praid::test {

std::vector<dm::Device> FakeDmClient::devices() {
  if (state_->fail_list) throw CommandError("cannot list device-mapper devices (fake)");
  return state_->devices;
}

void FakeDmClient::remove(const std::string& name) {
  if (state_->fail_remove) throw CommandError(name + ": cannot remove: Device or resource busy");
  auto& devs = state_->devices;
  const auto it =
      std::find_if(devs.begin(), devs.end(), [&](const dm::Device& d) { return d.name == name; });
  if (it == devs.end()) throw CommandError(name + ": no such device");
  devs.erase(it);
  state_->removed.push_back(name);
}

dm::Device make_device(const std::string& name, const std::string& type, const std::string& params,
                       std::uint64_t length) {
  dm::Device d;
  d.name = name;
  d.uuid = "P2PRAID-" + name;
  d.major = 253;
  d.minor = 0;
  d.targets.push_back(dm::Target{0, length, type, params});
  return d;
}

}  // namespace p2praid::test
