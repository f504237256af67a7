// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/blockdev.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <sstream>
#include <thread>

#include <blkid/blkid.h>

#include "p2praid/errors.hpp"
#include "p2praid/process.hpp"
#include "p2praid/text.hpp"

namespace p2praid::blk {
namespace {

constexpr std::size_t kAlign = 4096;  // O_DIRECT alignment, at least the logical block
constexpr std::size_t kZeroChunk = std::size_t{1024} * 1024;
constexpr auto kPartitionWait = std::chrono::seconds(10);

// Closes a file descriptor on every path.
class Fd {
 public:
  Fd(const std::string& path, int flags)
      : fd_(::open(path.c_str(), flags | O_CLOEXEC)) {  // NOLINT(cppcoreguidelines-pro-type-vararg)
    if (fd_ < 0) throw_open_error(path, errno);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() { ::close(fd_); }

  int get() const { return fd_; }

 private:
  int fd_;
};

// An aligned buffer for O_DIRECT.
class Buffer {
 public:
  explicit Buffer(std::size_t size) : size_(size) {
    if (::posix_memalign(&data_, kAlign, size) != 0) throw CommandError("out of memory");
    std::memset(data_, 0, size);
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;
  Buffer(Buffer&&) = delete;
  Buffer& operator=(Buffer&&) = delete;
  ~Buffer() { std::free(data_); }  // NOLINT(cppcoreguidelines-no-malloc)

  void* get() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  void* data_ = nullptr;
  std::size_t size_;
};

std::size_t round_up(std::size_t n) {
  return (n + kAlign - 1) / kAlign * kAlign;
}

class SystemDevices final : public Devices {
 public:
  SystemDevices(std::unique_ptr<sysfs::Reader> sysfs, bool live)
      : sysfs_(std::move(sysfs)), live_(live) {}

  std::vector<BlockDevice> list() const override {
    std::vector<BlockDevice> out;
    for (const auto& name : sysfs_->list_dir("/class/block")) out.push_back(describe(name));
    return out;
  }

  std::vector<std::uint8_t> read(const std::string& path, std::uint64_t offset,
                                 std::size_t length) const override {
    const Fd fd(path, O_RDONLY | O_DIRECT);
    const Buffer buf(round_up(length));
    const auto got = ::pread(fd.get(), buf.get(), buf.size(), static_cast<off_t>(offset));
    if (got < 0) {
      throw CommandError(path + ": cannot read: " + std::strerror(errno) +
                         "; check the drive ('dmesg')");
    }
    const auto* bytes = static_cast<const std::uint8_t*>(buf.get());
    const std::size_t n = std::min(length, static_cast<std::size_t>(got));
    return {bytes, bytes + n};  // NOLINT(cppcoreguidelines-pro-bounds-pointer-arithmetic)
  }

  void zero(const std::string& path, std::uint64_t offset, std::uint64_t length) override {
    const Fd fd(path, O_WRONLY | O_DIRECT | O_SYNC);
    const Buffer buf(kZeroChunk);
    while (length > 0) {
      const std::size_t n = std::min<std::uint64_t>(length, buf.size());
      const auto put = ::pwrite(fd.get(), buf.get(), n, static_cast<off_t>(offset));
      if (put != static_cast<ssize_t>(n)) {
        throw CommandError(path + ": cannot write zeros at byte " + std::to_string(offset) + ": " +
                           (put < 0 ? std::strerror(errno) : "short write") +
                           "; check the drive ('dmesg')");
      }
      offset += n;
      length -= n;
    }
  }

  void write(const std::string& path, std::uint64_t offset,
             const std::vector<std::uint8_t>& bytes) override {
    const Fd fd(path, O_WRONLY | O_DIRECT | O_SYNC);
    const Buffer buf(round_up(bytes.size()));
    std::copy(bytes.begin(), bytes.end(), static_cast<std::uint8_t*>(buf.get()));
    const auto put = ::pwrite(fd.get(), buf.get(), buf.size(), static_cast<off_t>(offset));
    if (put != static_cast<ssize_t>(buf.size())) {
      throw CommandError(path + ": cannot write at byte " + std::to_string(offset) + ": " +
                         (put < 0 ? std::strerror(errno) : "short write") +
                         "; check the drive ('dmesg')");
    }
  }

  std::optional<std::string> in_use(const std::string& path) const override {
    const int fd = ::open(path.c_str(),  // NOLINT(cppcoreguidelines-pro-type-vararg)
                          O_RDONLY | O_EXCL | O_CLOEXEC);
    if (fd >= 0) {
      ::close(fd);
      return std::nullopt;
    }
    if (errno == EBUSY) return "mounted, or open by another program";
    throw_open_error(path, errno);
  }

  std::vector<std::string> signatures(const std::string& path) const override {
    std::vector<std::string> out;
    blkid_probe probe = blkid_new_probe_from_filename(path.c_str());
    if (probe == nullptr) return out;
    blkid_probe_enable_superblocks(probe, 1);
    blkid_probe_set_superblocks_flags(probe,
                                      BLKID_SUBLKS_TYPE | BLKID_SUBLKS_LABEL | BLKID_SUBLKS_USAGE);
    blkid_probe_enable_partitions(probe, 1);
    blkid_probe_set_partitions_flags(probe, BLKID_PARTS_MAGIC);
    // As wipefs: every signature, not only the first.
    while (blkid_do_probe(probe) == 0) {
      const char* value = nullptr;
      if (blkid_probe_lookup_value(probe, "PTTYPE", &value, nullptr) == 0) {
        out.push_back(std::string(value) + " partition table");
        continue;
      }
      if (blkid_probe_lookup_value(probe, "TYPE", &value, nullptr) != 0) continue;
      std::string what = value;
      const char* usage = nullptr;
      if (blkid_probe_lookup_value(probe, "USAGE", &usage, nullptr) == 0) {
        what.append(" ").append(usage);
      }
      const char* label = nullptr;
      if (blkid_probe_lookup_value(probe, "LABEL", &label, nullptr) == 0) {
        what.append(" '").append(text::escape(label)).append("'");
      }
      out.push_back(std::move(what));
    }
    blkid_free_probe(probe);
    return out;
  }

  std::string devnum_of(const std::string& path) const override {
    std::error_code ec;
    const auto real = std::filesystem::canonical(path, ec);
    if (ec) {
      if (ec == std::errc::permission_denied) throw_open_error(path, EACCES);
      throw CommandError(path + ": " + ec.message());
    }
    struct stat st {};
    if (::stat(real.c_str(), &st) != 0) throw_open_error(path, errno);
    if (!S_ISBLK(st.st_mode)) {
      throw CommandError(path + ": not a block device" +
                         (real != path ? " (it is " + real.string() + ")" : std::string()) +
                         "; give an NVMe namespace such as /dev/nvme0n1");
    }
    return std::to_string(major(st.st_rdev)) + ":" + std::to_string(minor(st.st_rdev));
  }

  std::vector<std::string> links(const std::string& name) const override {
    std::vector<std::string> out;
    if (!live_) return out;
    const std::filesystem::path dev("/dev");
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(dev / "disk/by-id", ec)) {
      std::error_code lec;
      const auto target = std::filesystem::canonical(e.path(), lec);
      if (!lec && target == dev / name) out.push_back(e.path().string());
    }
    std::sort(out.begin(), out.end());
    return out;
  }

  void partition(const std::string& path, const std::string& script, unsigned partitions) override {
    // sfdisk writes the table, wipes old signatures and has the kernel
    // re-read it. Run without a shell; its messages make ours.
    proc::Outcome o;
    try {
      o = proc::run({"sfdisk", "--quiet", "--wipe", "always", "--wipe-partitions", "always", path},
                    script);
    } catch (const CommandError& e) {
      throw CommandError(path + ": " + e.what() + "; install it (Debian: apt install fdisk)");
    }
    if (!proc::succeeded(o)) {
      std::string msg = path + ": " + proc::failure("sfdisk", o);
      if (WIFEXITED(o.wait_status)) {
        msg.append("; is the drive in use? 'lsblk ").append(path).append("' shows what holds it");
      }
      throw CommandError(msg);
    }
    settle_udev();
    wait_for_partitions(path, partitions);
  }

 private:
  BlockDevice describe(const std::string& name) const {
    const std::filesystem::path dir = std::filesystem::path("/class/block") / name;
    BlockDevice d;
    d.name = name;
    d.path = "/dev/" + name;
    d.disk = name;
    d.devnum = sysfs::read_attr(*sysfs_, dir / "dev").value_or("");
    d.sectors = sysfs::read_u64(*sysfs_, dir / "size").value_or(0);
    d.holders = sysfs_->list_dir(dir / "holders");
    if (const auto number = sysfs::read_u64(*sysfs_, dir / "partition")) {
      d.partition = static_cast<unsigned>(*number);
      if (const auto real = sysfs_->realpath(dir)) d.disk = real->parent_path().filename();
    }
    std::istringstream uevent(sysfs_->read_file(dir / "uevent").value_or(""));
    for (std::string line; std::getline(uevent, line);) {
      if (line.rfind("PARTNAME=", 0) == 0) d.label = line.substr(9);
    }
    return d;
  }

  // udev makes the partitions' /dev/disk/by-id links that tables name them
  // by; wait for it, where there is a udev to wait for.
  static void settle_udev() {
    try {
      (void)proc::run({"udevadm", "settle", "--timeout=10"}, "");
    } catch (const CommandError&) {
      // no udevadm: no udev links either, and the nodes are waited for below
    }
  }

  void wait_for_partitions(const std::string& path, unsigned partitions) const {
    const std::string disk = std::filesystem::path(path).filename();
    const auto deadline = std::chrono::steady_clock::now() + kPartitionWait;
    for (;;) {
      bool all = true;
      for (unsigned i = 1; i <= partitions && all; ++i) {
        const std::string part = partition_name(disk, i);
        struct stat st {};
        all = sysfs_->read_file(std::filesystem::path("/class/block") / part / "dev") &&
              ::stat(("/dev/" + part).c_str(), &st) == 0 && S_ISBLK(st.st_mode);
      }
      if (all) return;
      if (std::chrono::steady_clock::now() > deadline) {
        std::string msg = path;
        msg.append(": the kernel shows no partition nodes 10 s after sfdisk; run 'partx -u ")
            .append(path)
            .append("' and try again");
        throw CommandError(msg);
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }

  std::unique_ptr<sysfs::Reader> sysfs_;
  bool live_;
};

}  // namespace

void throw_open_error(const std::string& path, int error) {
  if (error == EACCES || error == EPERM) {
    throw PermissionError(path + ": permission denied; run p2praid-tool as root");
  }
  throw CommandError(path + ": cannot open: " + std::strerror(error));
}

std::string partition_name(const std::string& disk, unsigned number) {
  const bool digit_end = !disk.empty() && std::isdigit(static_cast<unsigned char>(disk.back()));
  return disk + (digit_end ? "p" : "") + std::to_string(number);
}

std::unique_ptr<Devices> make_system_devices(std::unique_ptr<sysfs::Reader> sysfs, bool live) {
  return std::make_unique<SystemDevices>(std::move(sysfs), live);
}

}  // namespace p2praid::blk
