// SPDX-License-Identifier: GPL-2.0-only
// dm::Client on libdevmapper. Every libdevmapper call that returns int
// returns 1 for success.
#include <fcntl.h>
#include <libdevmapper.h>
#include <poll.h>
#include <sys/ioctl.h>
#include <unistd.h>

#include <array>
#include <cerrno>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <optional>
#include <string>
#include <utility>

#include <linux/dm-ioctl.h>

#include "p2praid/dm_client.hpp"
#include "p2praid/errors.hpp"

namespace p2praid::dm {
namespace {

constexpr int kLibdmLevelMask = 0x0f;  // without _LOG_STDERR and friends
constexpr int kLibdmError = 3;         // _LOG_ERR

// libdevmapper's messages go through one process-wide function.
struct LogState {
  LogSink sink;
  std::string last_error;
};

LogState& log_state() {
  static LogState state;
  return state;
}

// NOLINTNEXTLINE(cert-dcl50-cpp): libdevmapper's log callback is variadic.
void libdm_log(int level, const char* /*file*/, int /*line*/, int /*dm_errno*/, const char* fmt,
               ...) {
  std::array<char, 1024> buf{};
  va_list args;  // NOLINT(cppcoreguidelines-init-variables,cppcoreguidelines-pro-type-vararg)
  va_start(args, fmt);  // NOLINT(cppcoreguidelines-pro-bounds-array-to-pointer-decay)
  std::vsnprintf(buf.data(), buf.size(), fmt, args);  // NOLINT(cppcoreguidelines-pro-type-vararg)
  va_end(args);  // NOLINT(cppcoreguidelines-pro-bounds-array-to-pointer-decay)
  const int lvl = level & kLibdmLevelMask;
  auto& state = log_state();
  if (lvl <= kLibdmError) state.last_error = buf.data();
  if (state.sink) state.sink(lvl, buf.data());
}

std::string failure(const std::string& what) {
  auto& last = log_state().last_error;
  std::string msg = what;
  if (!last.empty()) msg += ": " + last;
  last.clear();
  return msg;
}

// Owns a dm_task; dm_task_destroy() on every path.
class Task {
 public:
  explicit Task(int type) : task_(dm_task_create(type)) {
    if (task_ == nullptr) {
      throw CommandError(failure("device-mapper is not available") +
                         "; run as root, with the device-mapper driver (dm_mod) loaded");
    }
  }
  Task(const Task&) = delete;
  Task& operator=(const Task&) = delete;
  Task(Task&&) = delete;
  Task& operator=(Task&&) = delete;
  ~Task() { dm_task_destroy(task_); }

  dm_task* get() const { return task_; }

  void set_name(const std::string& name) const {
    check(dm_task_set_name(task_, name.c_str()), name + ": invalid device-mapper name");
  }

  // Runs the ioctl; false if it failed (the caller explains why).
  bool run() const { return dm_task_run(task_) == 1; }

  static void check(int ok, const std::string& what) {
    if (ok != 1) throw CommandError(failure(what));
  }

 private:
  dm_task* task_;
};

// Synchronises with udev for a task that changes /dev: once armed, the
// destructor always waits for the cookie, whether the task ran or failed.
class UdevCookie {
 public:
  UdevCookie() = default;
  UdevCookie(const UdevCookie&) = delete;
  UdevCookie& operator=(const UdevCookie&) = delete;
  UdevCookie(UdevCookie&&) = delete;
  UdevCookie& operator=(UdevCookie&&) = delete;
  ~UdevCookie() {
    if (armed_) {
      (void)dm_udev_wait(cookie_);
    } else {
      // No udev: libdevmapper made or removed the nodes itself; apply that now.
      dm_task_update_nodes();
    }
  }

  // As cryptsetup does: with udev running, udev alone manages the nodes
  // (DM_UDEV_DISABLE_LIBRARY_FALLBACK); without it, libdevmapper does.
  void arm(const Task& task) {
    if (dm_udev_get_sync_support() == 0) return;
    Task::check(dm_task_set_cookie(task.get(), &cookie_, DM_UDEV_DISABLE_LIBRARY_FALLBACK),
                "device-mapper: cannot set a udev cookie");
    armed_ = true;
  }

 private:
  std::uint32_t cookie_ = 0;
  bool armed_ = false;
};

std::vector<std::string> device_names() {
  Task task(DM_DEVICE_LIST);
  if (!task.run()) {
    throw CommandError(failure("cannot list device-mapper devices") +
                       "; run as root, with the device-mapper driver (dm_mod) loaded");
  }
  std::vector<std::string> names;
  const dm_names* entry = dm_task_get_names(task.get());
  if (entry == nullptr || entry->dev == 0) return names;
  for (;;) {
    names.emplace_back(static_cast<const char*>(entry->name));
    if (entry->next == 0) break;
    // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-bounds-pointer-arithmetic)
    entry = reinterpret_cast<const dm_names*>(reinterpret_cast<const char*>(entry) + entry->next);
  }
  return names;
}

std::vector<Target> targets_of(const Task& task) {
  std::vector<Target> targets;
  void* next = nullptr;
  do {
    std::uint64_t start = 0;
    std::uint64_t length = 0;
    char* type = nullptr;
    char* params = nullptr;
    next = dm_get_next_target(task.get(), next, &start, &length, &type, &params);
    if (type != nullptr) {
      targets.push_back(Target{start, length, type, params != nullptr ? params : ""});
    }
  } while (next != nullptr);
  return targets;
}

// The device and its live table; nullopt if it vanished meanwhile.
std::optional<Device> device_table(const std::string& name) {
  Task task(DM_DEVICE_TABLE);
  task.set_name(name);
  if (!task.run()) throw CommandError(failure(name + ": cannot read the device-mapper table"));
  dm_info info{};
  Task::check(dm_task_get_info(task.get(), &info), name + ": cannot read device-mapper info");
  if (info.exists == 0) return std::nullopt;
  Device dev;
  dev.name = name;
  const char* uuid = dm_task_get_uuid(task.get());
  dev.uuid = uuid != nullptr ? uuid : "";
  dev.major = static_cast<std::uint32_t>(info.major);
  dev.minor = static_cast<std::uint32_t>(info.minor);
  dev.targets = targets_of(task);
  return dev;
}

void add_target(const Task& task, const Target& t) {
  Task::check(dm_task_add_target(task.get(), t.start, t.length, t.type.c_str(), t.params.c_str()),
              "device-mapper: cannot add a " + t.type + " target");
}

bool exists(const std::string& name) {
  Task task(DM_DEVICE_INFO);
  task.set_name(name);
  dm_info info{};
  return task.run() && dm_task_get_info(task.get(), &info) == 1 && info.exists != 0;
}

// Runs a suspend or resume of `name`; resume makes the node when udev does not.
void suspend_or_resume(const std::string& name, int type) {
  Task task(type);
  task.set_name(name);
  UdevCookie cookie;
  if (type == DM_DEVICE_RESUME) {
    Task::check(dm_task_set_add_node(task.get(), DM_ADD_NODE_ON_RESUME),
                name + ": cannot set node creation");
    cookie.arm(task);
  }
  if (!task.run()) {
    throw CommandError(
        failure(name + (type == DM_DEVICE_RESUME ? ": cannot resume" : ": cannot suspend")) +
        "; 'dmsetup info " + name + "' shows its state");
  }
}

void remove_quietly(const std::string& name) noexcept {
  try {
    Task task(DM_DEVICE_REMOVE);
    task.set_name(name);
    UdevCookie cookie;
    cookie.arm(task);
    (void)task.run();
  } catch (...) {
    // Best effort while rolling back: the first error is the one reported.
    return;
  }
}

class LibdmClient final : public Client {
 public:
  explicit LibdmClient(LogSink log) {
    log_state().sink = std::move(log);
    dm_log_with_errno_init(libdm_log);
  }
  LibdmClient(const LibdmClient&) = delete;
  LibdmClient& operator=(const LibdmClient&) = delete;
  LibdmClient(LibdmClient&&) = delete;
  LibdmClient& operator=(LibdmClient&&) = delete;
  ~LibdmClient() override {
    if (control_ >= 0) ::close(control_);
    dm_log_with_errno_init(nullptr);
    log_state().sink = nullptr;
  }

  std::vector<Device> devices() override {
    std::vector<Device> out;
    for (const auto& name : device_names()) {
      if (auto dev = device_table(name)) out.push_back(std::move(*dev));
    }
    return out;
  }

  void remove(const std::string& name) override {
    Task task(DM_DEVICE_REMOVE);
    task.set_name(name);
    Task::check(dm_task_retry_remove(task.get()), name + ": cannot set retry on remove");
    UdevCookie cookie;
    cookie.arm(task);
    if (!task.run()) {
      throw CommandError(failure(name + ": cannot remove") +
                         "; is it open or mounted? 'dmsetup info " + name +
                         "' shows its open count");
    }
  }

  std::vector<Target> status(const std::string& name) override {
    Task task(DM_DEVICE_STATUS);
    task.set_name(name);
    if (!task.run()) {
      throw CommandError(failure(name + ": cannot read the device-mapper status") +
                         "; 'p2praid-tool list' shows the raid-p2p arrays");
    }
    dm_info info{};
    Task::check(dm_task_get_info(task.get(), &info), name + ": cannot read device-mapper info");
    if (info.exists == 0) {
      throw CommandError(name +
                         ": no such device-mapper device; 'p2praid-tool list' shows the "
                         "raid-p2p arrays");
    }
    return targets_of(task);
  }

  void create(const std::string& name, const std::string& uuid, const Target& table) override {
    // A device of that name made by someone else is not ours to remove
    // when our create fails.
    const bool existed = exists(name);
    {
      // libdevmapper creates, loads and resumes, and removes the device if
      // loading fails.
      Task task(DM_DEVICE_CREATE);
      task.set_name(name);
      if (!uuid.empty()) {
        Task::check(dm_task_set_uuid(task.get(), uuid.c_str()), name + ": invalid UUID " + uuid);
      }
      add_target(task, table);
      Task::check(dm_task_set_add_node(task.get(), DM_ADD_NODE_ON_CREATE),
                  name + ": cannot set node creation");
      UdevCookie cookie;
      cookie.arm(task);
      if (task.run()) return;
    }
    const std::string why = failure(name + ": the kernel refused the table");
    // A resume that failed leaves it behind.
    if (!existed && exists(name)) remove_quietly(name);
    throw CommandError(why + "; 'dmesg' shows the raid-p2p target's reason");
  }

  void set_uuid(const std::string& name, const std::string& uuid) override {
    Task task(DM_DEVICE_RENAME);
    task.set_name(name);
    Task::check(dm_task_set_newuuid(task.get(), uuid.c_str()), name + ": invalid UUID " + uuid);
    // The kernel sends a change uevent; udev adds the dm-uuid link on it.
    UdevCookie cookie;
    cookie.arm(task);
    if (!task.run())
      throw CommandError(failure(name + ": cannot set the device-mapper UUID " + uuid));
  }

  void reload(const std::string& name, const Target& table) override {
    {
      Task task(DM_DEVICE_RELOAD);
      task.set_name(name);
      add_target(task, table);
      if (!task.run()) {
        throw CommandError(failure(name + ": the kernel refused the new table") +
                           "; 'dmesg' shows the raid-p2p target's reason; the array runs on "
                           "with its old table");
      }
    }
    suspend_or_resume(name, DM_DEVICE_SUSPEND);
    suspend_or_resume(name, DM_DEVICE_RESUME);
  }

  void message(const std::string& name, const std::string& message) override {
    Task task(DM_DEVICE_TARGET_MSG);
    task.set_name(name);
    Task::check(dm_task_set_sector(task.get(), 0), name + ": cannot set the message sector");
    Task::check(dm_task_set_message(task.get(), message.c_str()),
                name + ": cannot set the message");
    if (!task.run()) {
      throw CommandError(failure(name + ": the target refused '" + message + "'") +
                         "; it is refused while another sync action runs or the array is "
                         "suspended: 'p2praid-tool status " +
                         name + "' shows the action");
    }
  }

  void arm_events() override;
  Wake wait_events(std::chrono::milliseconds timeout) override;

  std::vector<TargetVersion> target_versions() override {
    Task task(DM_DEVICE_LIST_VERSIONS);
    if (!task.run()) {
      throw CommandError(failure("cannot list the device-mapper targets") +
                         "; run as root, with the device-mapper driver (dm_mod) loaded");
    }
    std::vector<TargetVersion> out;
    const dm_versions* entry = dm_task_get_versions(task.get());
    // As dmsetup targets: the last entry's next is 0.
    while (entry != nullptr) {
      const auto& v = entry->version;
      out.push_back({static_cast<const char*>(entry->name), v[0], v[1], v[2]});
      if (entry->next == 0) break;
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast,cppcoreguidelines-pro-bounds-pointer-arithmetic)
      const char* next = reinterpret_cast<const char*>(entry) + entry->next;
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-reinterpret-cast)
      entry = reinterpret_cast<const dm_versions*>(next);
    }
    return out;
  }

 private:
  int control_ = -1;  // /dev/mapper/control, for arm_events() and wait_events()
};

}  // namespace

void LibdmClient::arm_events() {
  // libdevmapper keeps its control file to itself, and the armed state
  // belongs to the open file: poll() must wait on the one that was armed.
  if (control_ < 0) {
    control_ = ::open("/dev/mapper/control", O_RDWR | O_CLOEXEC);  // NOLINT(*-vararg)
    if (control_ < 0) {
      throw CommandError(std::string("/dev/mapper/control: cannot open: ") + std::strerror(errno) +
                         "; run as root, with dm_mod loaded");
    }
  }
  dm_ioctl io{};
  io.version[0] = DM_VERSION_MAJOR;
  io.version[1] = 37;  // DM_DEV_ARM_POLL came with 4.37 (Linux 4.14)
  io.data_size = sizeof(io);
  io.data_start = sizeof(io);
  if (::ioctl(control_, DM_DEV_ARM_POLL, &io) != 0) {  // NOLINT(*-vararg)
    throw CommandError(std::string("cannot wait for device-mapper events (DM_DEV_ARM_POLL): ") +
                       std::strerror(errno));
  }
}

Client::Wake LibdmClient::wait_events(std::chrono::milliseconds timeout) {
  if (control_ < 0) arm_events();
  pollfd p{control_, POLLIN, 0};
  const int n = ::poll(&p, 1, static_cast<int>(timeout.count()));
  if (n < 0 && errno == EINTR) return Wake::Interrupted;
  if (n < 0) {
    throw CommandError(std::string("cannot wait for device-mapper events: ") +
                       std::strerror(errno));
  }
  return n == 0 ? Wake::Timeout : Wake::Event;
}

std::unique_ptr<Client> make_libdm_client(LogSink log) {
  return std::make_unique<LibdmClient>(std::move(log));
}

}  // namespace p2praid::dm
