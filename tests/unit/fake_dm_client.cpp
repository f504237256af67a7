// SPDX-License-Identifier: GPL-2.0-only
#include "fake_dm_client.hpp"

#include <algorithm>

#include "p2praid/errors.hpp"

namespace p2praid::test {

std::vector<dm::Device> FakeDmClient::devices() {
  if (state_->fail_list) throw CommandError("cannot list device-mapper devices (fake)");
  return state_->devices;
}

void FakeDmClient::remove(const std::string& name) {
  state_->calls.push_back("remove " + name);
  if (state_->fail_remove) throw CommandError(name + ": cannot remove: Device or resource busy");
  auto& devs = state_->devices;
  const auto it =
      std::find_if(devs.begin(), devs.end(), [&](const dm::Device& d) { return d.name == name; });
  if (it == devs.end()) throw CommandError(name + ": no such device");
  devs.erase(it);
  state_->removed.push_back(name);
}

namespace {

dm::Device* find(std::vector<dm::Device>& devs, const std::string& name) {
  const auto it =
      std::find_if(devs.begin(), devs.end(), [&](const dm::Device& d) { return d.name == name; });
  return it == devs.end() ? nullptr : &*it;
}

std::string line(const dm::Target& t) {
  return std::to_string(t.start) + " " + std::to_string(t.length) + " " + t.type + " " + t.params;
}

}  // namespace

std::vector<dm::Target> FakeDmClient::status(const std::string& name) {
  const auto* dev = find(state_->devices, name);
  if (dev == nullptr) throw CommandError(name + ": no such device-mapper device");
  auto targets = dev->targets;
  for (auto& t : targets) t.params = state_->status.count(name) ? state_->status.at(name) : "";
  return targets;
}

void FakeDmClient::create(const std::string& name, const std::string& uuid,
                          const dm::Target& table) {
  state_->calls.push_back("create " + name + " " + uuid);
  if (state_->fail_create) throw CommandError(name + ": the kernel refused the table (fake)");
  if (find(state_->devices, name) != nullptr) throw CommandError(name + ": exists");
  if (!uuid.empty()) {
    for (const auto& d : state_->devices) {
      if (d.uuid == uuid) throw CommandError(name + ": UUID " + uuid + " is taken (fake)");
    }
  }
  dm::Device d;
  d.name = name;
  d.uuid = uuid;
  d.major = 253;
  d.minor = static_cast<std::uint32_t>(state_->devices.size());
  d.targets.push_back(table);
  state_->devices.push_back(std::move(d));
  if (state_->on_first_resume) state_->on_first_resume(table);
}

// As the kernel: a UUID is set once, and is unique.
void FakeDmClient::set_uuid(const std::string& name, const std::string& uuid) {
  state_->calls.push_back("set_uuid " + name + " " + uuid);
  if (state_->fail_set_uuid) throw CommandError(name + ": cannot set the UUID (fake)");
  auto* dev = find(state_->devices, name);
  if (dev == nullptr) throw CommandError(name + ": no such device");
  if (!dev->uuid.empty()) throw CommandError(name + ": has a UUID already: " + dev->uuid);
  for (const auto& d : state_->devices) {
    if (d.uuid == uuid) throw CommandError(name + ": UUID " + uuid + " is taken by " + d.name);
  }
  dev->uuid = uuid;
}

void FakeDmClient::reload(const std::string& name, const dm::Target& table) {
  auto* dev = find(state_->devices, name);
  if (dev == nullptr) throw CommandError(name + ": no such device");
  dev->targets = {table};
  state_->reloads.push_back(name + " " + line(table));
}

void FakeDmClient::message(const std::string& name, const std::string& message) {
  if (find(state_->devices, name) == nullptr) throw CommandError(name + ": no such device");
  state_->messages.push_back(name + " " + message);
}

std::vector<dm::TargetVersion> FakeDmClient::target_versions() {
  if (state_->fail_versions) {
    throw CommandError("cannot list the device-mapper targets: Permission denied (fake)");
  }
  return state_->targets;
}

void FakeDmClient::arm_events() {
  ++state_->armed;
}

dm::Client::Wake FakeDmClient::wait_events(std::chrono::milliseconds /*timeout*/) {
  ++state_->waits;
  return state_->on_wait ? state_->on_wait() : Wake::Interrupted;
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
