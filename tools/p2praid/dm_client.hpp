// SPDX-License-Identifier: GPL-2.0-only
// Device-mapper access behind an interface: the real one talks to the kernel
// through libdevmapper, tests use a fake.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace p2praid::dm {

struct Target {
  std::uint64_t start = 0;
  std::uint64_t length = 0;  // sectors
  std::string type;
  std::string params;
};

struct Device {
  std::string name;
  std::string uuid;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::vector<Target> targets;  // the live table

  bool has_target_type(const std::string& type) const;
};

// A target type the kernel has loaded, and its version (DM_DEVICE_LIST_VERSIONS).
struct TargetVersion {
  std::string name;
  std::uint32_t major = 0;
  std::uint32_t minor = 0;
  std::uint32_t patch = 0;

  std::string version() const;  // "1.1.3"
};

class Client {
 public:
  Client() = default;
  Client(const Client&) = delete;
  Client& operator=(const Client&) = delete;
  Client(Client&&) = delete;
  Client& operator=(Client&&) = delete;
  virtual ~Client() = default;

  // Every device-mapper device with its live table. Throws CommandError.
  virtual std::vector<Device> devices() = 0;

  // Removes a device (DM_DEVICE_REMOVE) and waits for udev. Throws CommandError.
  virtual void remove(const std::string& name) = 0;

  // The INFO status of every target of a device (DM_DEVICE_STATUS): params
  // holds the status line after the target type. Throws CommandError.
  virtual std::vector<Target> status(const std::string& name) = 0;

  // Creates device `name` with `uuid` ("": none, for set_uuid() to give
  // later) and a one-target table, resumes it and makes its /dev/mapper
  // node, with udev or without. If loading or resuming fails, the half-made
  // device is removed. Throws CommandError.
  virtual void create(const std::string& name, const std::string& uuid, const Target& table) = 0;

  // Gives device `name`, which has no UUID, the UUID `uuid` (a rename
  // with a new UUID, DM_DEVICE_RENAME; device-mapper sets a UUID only once
  // and refuses to change one). Throws CommandError.
  virtual void set_uuid(const std::string& name, const std::string& uuid) = 0;

  // Loads `table` into the inactive slot of `name`, then suspends and
  // resumes the device to swap it in. Throws CommandError.
  virtual void reload(const std::string& name, const Target& table) = 0;

  // Sends a target message ("check", "repair") to sector 0. Throws CommandError.
  virtual void message(const std::string& name, const std::string& message) = 0;

  // The target types the kernel has loaded, as 'dmsetup targets' lists
  // them. Throws CommandError.
  virtual std::vector<TargetVersion> target_versions() = 0;

  // Arms the wait for device-mapper events (DM_DEV_ARM_POLL): an event that
  // any device raises after this call (a member failed, a sync ended, a
  // table was loaded) ends the next wait_events(). Throws CommandError.
  virtual void arm_events() = 0;

  enum class Wake { Event, Timeout, Interrupted };
  // Waits until a device raised an event since arm_events(), `timeout`
  // passed, or a signal arrived. Throws CommandError.
  virtual Wake wait_events(std::chrono::milliseconds timeout) = 0;
};

// The prefix of the device-mapper UUID of every array the tool creates.
inline constexpr std::string_view kUuidPrefix = "P2PRAID-";

// Devices with a target of type `type` (such as "raid-p2p").
std::vector<Device> with_target_type(const std::vector<Device>& devices, const std::string& type);

// The client on libdevmapper. `log` receives libdevmapper's messages
// (level, text) so that they end up in our verbosity scheme.
using LogSink = std::function<void(int level, const std::string& message)>;
std::unique_ptr<Client> make_libdm_client(LogSink log);

}  // namespace p2praid::dm
