// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/commands.hpp"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <charconv>
#include <csignal>
#include <cstdint>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <iomanip>
#include <memory>
#include <span>
#include <sstream>
#include <stdexcept>

#include "p2praid/arrays.hpp"
#include "p2praid/config.hpp"
#include "p2praid/devnames.hpp"
#include "p2praid/dm_table.hpp"
#include "p2praid/errors.hpp"
#include "p2praid/monitor.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/process.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/record.hpp"
#include "p2praid/reports.hpp"
#include "p2praid/status.hpp"
#include "p2praid/superblock.hpp"
#include "p2praid/text.hpp"
#include "p2praid/topology.hpp"

namespace p2praid::commands {
namespace {

const std::string kType{dm::kTargetType};

std::string list_hint() {
  return "'p2praid-tool list' shows the raid-p2p arrays";
}

// The raid-p2p array `name`, or CommandError naming it.
dm::Device find_array(dm::Client& client, const std::string& name) {
  const auto devices = client.devices();
  const auto it = std::find_if(devices.begin(), devices.end(),
                               [&](const dm::Device& d) { return d.name == name; });
  if (it == devices.end())
    throw CommandError(name + ": no such device-mapper device; " + list_hint());
  if (!it->has_target_type(kType)) {
    throw CommandError(name + ": not a raid-p2p array; " + list_hint());
  }
  return *it;
}

dm::RaidTable live_table(const dm::Device& d) {
  for (const auto& t : d.targets) {
    if (t.type != kType) continue;
    try {
      return dm::parse_target(t.start, t.length, t.type, t.params);
    } catch (const std::invalid_argument& e) {
      throw CommandError(d.name + ": cannot read its table '" + t.params + "' (" + e.what() +
                         "); is p2praid-tool older than the target?");
    }
  }
  throw CommandError(d.name + ": not a raid-p2p array; " + list_hint());
}

// The target's status of the array `name`.
status::RaidStatus array_status(dm::Client& client, const std::string& name) {
  for (const auto& t : client.status(name)) {
    if (t.type != kType) continue;
    try {
      return status::parse(t.params);
    } catch (const std::invalid_argument& e) {
      throw CommandError(name + ": cannot read the target's status '" + t.params +
                         "': " + e.what() + "; is p2praid-tool older than the target?");
    }
  }
  throw CommandError(name + ": not a raid-p2p array; " + list_hint());
}

// The table as one device-mapper target (params: after the target type).
dm::Target target_of(const dm::RaidTable& t) {
  dm::RaidTable body = t;
  const std::string line = dm::format_table(body);
  const std::string head =
      std::to_string(t.start) + " " + std::to_string(t.length) + " " + t.target + " ";
  return {t.start, t.length, t.target, line.substr(head.size())};
}

std::string base(const std::string& dev) {
  return std::filesystem::path(dev).filename();
}

const blk::BlockDevice* find_block(const std::vector<blk::BlockDevice>& all,
                                   const std::string& dev) {
  const auto it = std::find_if(all.begin(), all.end(), [&](const blk::BlockDevice& b) {
    return b.name == base(dev) || b.path == dev || b.devnum == dev;
  });
  return it == all.end() ? nullptr : &*it;
}

// Refuses a disk that anything holds (a mapped device on it or a partition,
// as sysfs holders/ shows) or uses (a mount, a program: exclusive opens).
void check_unused(const blk::Devices& devs, const std::vector<blk::BlockDevice>& all,
                  const std::string& disk) {
  const auto refuse = [&disk](const std::string& why) {
    std::string msg = "/dev/" + disk;
    msg.append(": in use (").append(why).append("); stop what uses it first ('lsblk /dev/");
    throw CommandError(msg.append(disk).append("' shows it)"));
  };
  for (const auto& b : all) {
    if (b.disk == disk && !b.holders.empty()) refuse(b.name + " is held by " + b.holders.front());
  }
  for (const auto& b : all) {
    if (b.disk != disk) continue;
    if (const auto why = devs.in_use(b.path)) {
      refuse(b.partition != 0 ? *why + ": " + b.path : *why);
    }
  }
}

// Serializes the commands that start or change arrays (assemble, create,
// replace), as mdadm's map lock does: udev runs an assemble for every member
// that appears, and two of them must not start one array at once (the
// loser's create fails, and its clean-up could take the winner's device).
// Without the lock (not root), the command goes on; it needs root anyway.
class ArrayLock {
 public:
  explicit ArrayLock(const Env& env) {
    const auto& file = env.services.lock_file;
    if (file.empty()) return;
    std::error_code ec;
    std::filesystem::create_directories(file.parent_path(), ec);
    fd_ = ::open(file.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);  // NOLINT(*-vararg)
    if (fd_ < 0) {
      env.log.debug(file.string() + ": " + std::strerror(errno) + "; going on without the lock");
      return;
    }
    while (::flock(fd_, LOCK_EX) != 0 && errno == EINTR) {
    }
  }
  ArrayLock(const ArrayLock&) = delete;
  ArrayLock& operator=(const ArrayLock&) = delete;
  ArrayLock(ArrayLock&&) = delete;
  ArrayLock& operator=(ArrayLock&&) = delete;
  ~ArrayLock() {
    if (fd_ >= 0) ::close(fd_);
  }

 private:
  int fd_ = -1;
};

// " /dev/nvme0n1 holds a gpt partition table and an ext4 filesystem." for
// the disks that libblkid finds something on; "" if none. With -y, each is
// a warning too, since nobody is asked.
std::string existing_signatures(const Env& env, const blk::Devices& devs,
                                const std::vector<std::string>& disk_paths) {
  std::string out;
  for (const auto& path : disk_paths) {
    const auto found = devs.signatures(path);
    if (found.empty()) continue;
    std::string list;
    for (std::size_t i = 0; i < found.size(); ++i) {
      list += (i == 0 ? "" : i + 1 == found.size() ? " and " : ", ") + found[i];
    }
    out.append(" ").append(path).append(" holds ").append(list).append(".");
    if (env.options.yes) {
      std::string warning = path;
      env.log.warn(warning.append(": holds ").append(list).append("; destroying it (-y)"));
    }
  }
  return out;
}

void ask(const Env& env, const std::string& what, const std::string& question) {
  if (env.options.yes) return;
  if (!env.services.confirm(question)) {
    throw CommandError(what + ": not confirmed; nothing was changed");
  }
}

// `name`, the stable name of the new partition `kernel_path`, if it names
// that partition now that it exists (udev made the link); else kernel_path.
std::string checked_name(const Env& env, const blk::Devices& devs, const std::string& name,
                         const std::string& kernel_path) {
  if (name == kernel_path || name == "-") return name;
  try {
    if (devs.devnum_of(name) == devs.devnum_of(kernel_path)) return name;
  } catch (const PermissionError&) {
    throw;
  } catch (const CommandError&) {
  }
  env.log.warn(name + " does not name " + kernel_path +
               " (udev made no such link); the table "
               "names " +
               kernel_path + ", which may name another drive after a reboot");
  return kernel_path;
}

// Partitions a member and zeroes its metadata partition: the target then
// finds no superblock and treats the member as new.
void lay_out(const Env& env, blk::Devices& devs, const array::MemberLayout& m) {
  env.log.info(m.disk_path + ": writing the partition table");
  devs.partition(m.disk_path, m.script, 2);
  devs.zero(m.meta, 0, array::kMetaSectors * units::kSectorSize);
}

// --- the tool's record ----------------------------------------------------------

// The serial number of the NVMe controller of namespace `disk`, or "".
std::string serial_of(const topo::Topology& t, const std::string& disk) {
  const auto* ns = t.find_namespace(disk);
  const auto* c = ns != nullptr ? t.controller(ns->controller()) : nullptr;
  return c != nullptr ? c->serial : std::string();
}

// The raid parameters that describe the array, without those of one load
// of the table (rebuild, sync, nosync) and without the provider.
std::vector<std::string> lasting_params(const std::vector<std::string>& words) {
  std::vector<std::string> out;
  for (std::size_t i = 0; i < words.size(); ++i) {
    const bool valued = words[i] == "rebuild" || words[i] == "p2p_provider";
    if (i > 0 && valued) {
      ++i;
    } else if (i == 0 || (words[i] != "sync" && words[i] != "nosync")) {
      out.push_back(words[i]);
    }
  }
  return out;
}

// The record of the array with `table` (the provider from its p2p_provider)
// on the whole disks `disks` ("nvme0n1", by member index; "" if missing).
record::Record make_record(const Env& env, const topo::Topology& t, const blk::Devices& devs,
                           const std::vector<blk::BlockDevice>& all, const dm::RaidTable& table,
                           const std::vector<std::string>& disks, bool metadata,
                           std::uint64_t data_sectors) {
  record::Record r;
  r.array = env.options.name;
  r.id = env.services.new_uuid();
  r.metadata = metadata;
  r.raid_type = table.raid_type;
  r.raid_params = lasting_params(table.raid_params);
  r.length = table.length;
  r.data_sectors = data_sectors;
  r.provider = dm::parse_raid_params(table.raid_params).p2p_provider.value_or("none");
  if (const auto* c = t.controller_at(r.provider)) r.provider_serial = c->serial;
  for (const auto& disk : disks) {
    const auto* d = disk.empty() ? nullptr : find_block(all, disk);
    r.members.push_back(d == nullptr ? record::Member{}
                                     : record::Member{names::stable(devs, *d), serial_of(t, disk)});
  }
  return r;
}

// The metadata partition beside the data partition that `data` (a table's
// name for it) names: on the same disk, labelled p2praid-meta:.
const blk::BlockDevice* meta_beside(const blk::Devices& devs,
                                    const std::vector<blk::BlockDevice>& all,
                                    const std::string& data) {
  const auto* d = data == "-" ? nullptr : names::find(devs, all, data);
  if (d == nullptr) return nullptr;
  const auto it = std::find_if(all.begin(), all.end(), [&](const blk::BlockDevice& b) {
    return b.disk == d->disk && b.partition != 0 && b.label.starts_with(array::kMetaLabel);
  });
  return it == all.end() ? nullptr : &*it;
}

// The newest record on the members of `table`.
std::optional<record::Record> newest_record(const Env& env, const blk::Devices& devs,
                                            const std::vector<blk::BlockDevice>& all,
                                            const dm::RaidTable& table) {
  std::optional<record::Record> best;
  for (const auto& d : table.devices) {
    const auto* meta = meta_beside(devs, all, d.data);
    if (meta == nullptr) continue;
    try {
      auto r = record::decode(devs.read(meta->path, array::kRecordOffset, record::kSize));
      if (r && (!best || r->generation > best->generation)) best = std::move(r);
    } catch (const PermissionError&) {
      throw;
    } catch (const std::exception& e) {
      env.log.info(meta->path + ": no record (" + e.what() + ")");
    }
  }
  return best;
}

void write_record(blk::Devices& devs, const std::string& meta, record::Record r, unsigned member) {
  r.member = member;
  devs.write(meta, array::kRecordOffset, record::encode(r));
}

// --- create -----------------------------------------------------------------

struct CreatePlan {
  plan::Plan plan;
  std::vector<array::MemberLayout> layouts;
  dm::RaidTable table;
  record::Record record;
};

CreatePlan plan_create(const Env& env, const blk::Devices& devs,
                       const std::vector<blk::BlockDevice>& all) {
  const auto& o = env.options;
  if (o.devices.empty()) throw UsageError("create: give the member devices");
  plan::Request req;
  req.level = o.level;
  req.devices = kernel_names(devs, all, o.devices);
  req.provider = plan::parse_provider(o.provider);
  if (o.chunk_bytes != 0) req.chunk_bytes = o.chunk_bytes;
  const auto reader = env.services.sysfs(env.sysfs_root);
  const auto topology = topo::load_topology(*reader);
  CreatePlan c{plan::make_plan(topology, req), {}, {}, {}};
  for (const auto& w : c.plan.warnings) env.log.warn(w);
  std::vector<std::uint64_t> sizes;
  for (const auto& m : c.plan.members) {
    const auto* b = find_block(all, m.name);
    const std::uint64_t sectors = b != nullptr ? b->sectors : m.sectors;
    c.layouts.push_back(array::layout_member(
        o.name, m.name, sectors, o.size_bytes != 0 ? std::optional(o.size_bytes) : std::nullopt));
    sizes.push_back(c.layouts.back().data_sectors);
  }
  c.table = c.plan.table;
  c.table.length = raid::usable_sectors(*c.plan.level, sizes, c.plan.chunk_sectors);
  c.table.devices.clear();
  for (const auto& l : c.layouts) {
    const auto* disk = find_block(all, l.disk);
    const auto name = [&](unsigned n, const std::string& kernel_path) {
      return disk != nullptr ? names::stable_partition(devs, *disk, n) : kernel_path;
    };
    c.table.devices.push_back({o.metadata ? name(1, l.meta) : "-", name(2, l.data)});
  }
  std::vector<std::string> disks;
  for (const auto& l : c.layouts) disks.push_back(l.disk);
  std::uint64_t data_sectors = *std::min_element(sizes.begin(), sizes.end());
  if (c.plan.chunk_sectors != 0) data_sectors -= data_sectors % c.plan.chunk_sectors;
  c.record = make_record(env, topology, devs, all, c.table, disks, o.metadata, data_sectors);
  return c;
}

void check_name_free(dm::Client& client, const std::string& name) {
  const auto devices = client.devices();
  if (std::any_of(devices.begin(), devices.end(),
                  [&](const dm::Device& d) { return d.name == name; })) {
    throw CommandError(name +
                       ": a device-mapper device of that name exists; choose another "
                       "name, or stop it first ('p2praid-tool stop " +
                       name + "')");
  }
}

// The array UUID in a device-mapper UUID that p2praid-tool set
// (kUuidPrefix, then the UUID), normalised; nullopt for any other.
std::optional<std::string> uuid_from_dm(std::string_view dm_uuid) {
  const std::string_view prefix = dm::kUuidPrefix;
  if (!dm_uuid.starts_with(prefix)) return std::nullopt;
  return config::normal_uuid(dm_uuid.substr(prefix.size()));
}

// The array UUID in the members' superblocks, from the first member whose
// superblock reads and decodes. The metadata partitions were zeroed, so any
// superblock there is the new array's: the target generated the UUID and
// wrote the superblocks (md_update_sb(), with flush and FUA) in its first
// resume, before create returned. read() bypasses the page cache.
std::string array_uuid(const Env& env, const blk::Devices& devs,
                       const std::vector<array::MemberLayout>& layouts) {
  std::string why;
  for (const auto& l : layouts) {
    try {
      return sb::uuid_string(sb::decode(devs.read(l.meta, 0, sb::size())).uuid);
    } catch (const CommandError& e) {
      why = e.what();
    } catch (const std::invalid_argument& e) {
      why = l.meta + ": " + e.what();
    }
    env.log.info(why);
  }
  throw CommandError(env.options.name + ": no member has a readable superblock after the start (" +
                     why + ")");
}

// Gives the new array the device-mapper UUID that assemble gives it,
// P2PRAID-<array UUID>, so that it has one identity however it was started.
// On failure the array is stopped again.
void set_array_uuid(const Env& env, dm::Client& client, const blk::Devices& devs,
                    const std::vector<array::MemberLayout>& layouts) {
  const auto& name = env.options.name;
  try {
    const std::string uuid = std::string(dm::kUuidPrefix) + array_uuid(env, devs, layouts);
    client.set_uuid(name, uuid);
    env.log.info(name + ": device-mapper UUID " + uuid);
  } catch (const CommandError& e) {
    std::string msg = e.what();
    try {
      client.remove(name);
      msg += "; " + name + " was stopped again (the members are partitioned; run create again)";
    } catch (const CommandError& r) {
      msg += "; stopping " + name + " failed too: " + r.what();
    }
    throw CommandError(msg);
  }
}

// --- assemble -----------------------------------------------------------------

// The provider create recorded, where it still is: the CMB of the drive
// with the recorded serial (wherever it sits now), else the recorded PCI
// address; nullopt if there is none to take.
std::optional<std::string> recorded_provider(const Env& env, const array::Assembly& a) {
  if (!a.record || a.record->provider.empty() || a.record->provider == "auto") return std::nullopt;
  const auto& r = *a.record;
  if (r.provider == "none") return r.provider;
  const auto reader = env.services.sysfs(env.sysfs_root);
  const auto t = topo::load_topology(*reader);
  const auto has_p2pmem = [&](const std::string& bdf) {
    const auto* f = t.function(bdf);
    return f != nullptr && f->p2pmem.has_value();
  };
  if (!r.provider_serial.empty()) {
    for (const auto& c : t.controllers) {
      if (c.serial == r.provider_serial && c.pci && has_p2pmem(*c.pci)) return *c.pci;
    }
  } else if (has_p2pmem(r.provider)) {
    return r.provider;
  }
  env.log.warn(
      a.name + ": the P2P provider recorded at create, " + r.provider +
      (r.provider_serial.empty() ? "" : " (the drive with serial " + r.provider_serial + ")") +
      ", is not there; choosing another");
  return std::nullopt;
}

std::string provider_for(const Env& env, const array::Assembly& a) {
  if (env.options.provider != "auto") return env.options.provider;
  try {
    if (const auto recorded = recorded_provider(env, a)) return *recorded;
  } catch (const std::exception& e) {
    env.log.info(a.name + ": the recorded provider cannot be checked (" + e.what() + ")");
  }
  try {
    plan::Request req;
    req.level = a.metadata ? sb::type_words(a.freshest.level, a.freshest.layout)->raid_type
                           : a.record->raid_type;
    for (const auto& m : a.members) {
      if (m) req.devices.push_back(m->meta.disk);
    }
    const auto reader = env.services.sysfs(env.sysfs_root);
    return plan::make_plan(topo::load_topology(*reader), req).provider.bdf.value_or("none");
  } catch (const std::exception& e) {
    env.log.info(a.name + ": no provider chosen (" + e.what() + "); the target picks one");
    return "auto";
  }
}

// Why a raid4/5/6 cannot simply start: its superblocks say it was not
// stopped cleanly, and a member is missing, failed or was being rebuilt.
// The stripes being written at that moment may have parity that does not
// match their data, and the member would be rebuilt from it (the write
// hole), so the target refuses it unless its table says
// start_dirty_degraded. Returns the members that are down ("member 1
// (/dev/nvme1n1p1) was being rebuilt"), or "" when the array may start.
std::string dirty_and_degraded(const array::Assembly& a) {
  constexpr std::uint64_t kMaxSector = UINT64_MAX;
  const auto& f = a.freshest;
  if (!a.metadata || (f.level != 4 && f.level != 5 && f.level != 6)) return "";
  const bool dirty =
      std::ranges::any_of(a.members, [](const auto& m) { return m && m->sb.dirty(); });
  // A resync under way resumes: the target has nothing to judge then.
  if (!dirty || f.resync_offset != kMaxSector) return "";
  std::string down;
  for (unsigned i = 0; i < a.members.size(); ++i) {
    const auto& m = a.members[i];
    std::string why;
    if (!m) {
      why = a.describe_missing(i) + " is missing";
    } else if (f.member_failed(i)) {
      why = "member " + std::to_string(i) + " (" + m->meta.path + ") failed";
    } else if (m->sb.recovery_offset != kMaxSector) {
      why = "member " + std::to_string(i) + " (" + m->meta.path + ") was being rebuilt";
    }
    if (!why.empty()) down += (down.empty() ? "" : ", ") + why;
  }
  return down;
}

// Assembles one array; returns its state, or throws CommandError.
std::string assemble_one(const Env& env, dm::Client& client, const blk::Devices& devs,
                         const std::vector<dm::Device>& active, const array::Assembly& a) {
  if (!a.unusable_name.empty()) throw CommandError(a.unusable_name);
  const std::string uuid = std::string(dm::kUuidPrefix) + a.uuid();
  for (const auto& d : active) {
    if (d.uuid == uuid) return "active as " + d.name;
    if (d.name == a.name) {
      throw CommandError(a.name +
                         ": a device-mapper device of that name exists and is not this "
                         "array (" +
                         a.uuid() + "); stop it first");
    }
  }
  if (!a.in_use.empty()) {
    throw CommandError(a.name + ": member " + a.in_use.front() +
                       "; stop what uses it before assembling");
  }
  for (const auto& why : a.left_out) env.log.warn(a.name + ": left out " + why);
  const auto missing = a.missing();
  if (!missing.empty() && !env.options.degraded) {
    std::string names;
    for (const unsigned i : missing) names += (names.empty() ? "" : ", ") + a.describe_missing(i);
    throw CommandError(a.name + ": " + names + " of " + std::to_string(a.members.size()) +
                       " missing; connect it, or start the array without it with --degraded");
  }
  const auto down = dirty_and_degraded(a);
  if (!down.empty() && !env.options.force) {
    const auto words = sb::type_words(a.freshest.level, a.freshest.layout);
    const std::string type = words ? words->raid_type : "raid";
    throw CommandError(
        a.name + ": not stopped cleanly while " + down + ". The " + type +
        " parity of the stripes being written then may not match their data, and the member "
        "would be rebuilt from it. Start it anyway with 'p2praid-tool assemble " +
        a.name +
        " --force': it rebuilds the member, then resyncs those stripes, whose data "
        "may be wrong");
  }
  if (env.options.dry_run) return "would assemble";
  auto table = array::make_table(a, provider_for(env, a));
  if (!down.empty()) {
    env.log.warn(a.name + ": starting it not stopped cleanly while " + down +
                 " (--force): the stripes being written then may hold wrong data");
    table.raid_params.emplace_back("start_dirty_degraded");
  }
  const auto all = devs.list();
  for (auto& d : table.devices) {
    d = {names::stable_name(devs, all, d.meta), names::stable_name(devs, all, d.data)};
  }
  client.create(a.name, uuid, target_of(table));
  return missing.empty() ? "assembled" : "assembled degraded";
}

// --- assemble with a config file ----------------------------------------------

// The raid type an assembly's members give.
std::string raid_type_of(const array::Assembly& a) {
  if (!a.metadata) return a.record ? a.record->raid_type : "";
  const auto words = sb::type_words(a.freshest.level, a.freshest.layout);
  return words ? words->raid_type : "";
}

// Leaves out the candidates that the devices= of their array's ARRAY line
// does not name.
void keep_listed_devices(const Env& env, const config::Config& cfg, const blk::Devices& devs,
                         std::vector<array::Candidate>& candidates) {
  std::erase_if(candidates, [&](const array::Candidate& c) {
    const auto* entry = cfg.find_uuid(sb::uuid_string(c.sb.uuid));
    if (entry == nullptr || entry->devices.empty()) return false;
    if (config::matches_any(devs, c.meta, entry->devices)) return false;
    env.log.warn(c.meta.path + ": a member of " + entry->name + " that devices= of " +
                 cfg.where(entry->line) + " does not name; left out");
    return true;
  });
}

// Why the ARRAY line `entry` refuses the array `a`, or "".
std::string level_mismatch(const config::Config& cfg, const config::Array& entry,
                           const array::Assembly& a) {
  if (!entry.level) return "";
  const auto* want = raid::find_level(*entry.level);
  const std::string type = raid_type_of(a);
  const auto* have = raid::find_level(type);
  if (want != nullptr && want == have) return "";
  return entry.name + ": level=" + *entry.level + " in " + cfg.where(entry.line) +
         ", but its members are " + (type.empty() ? std::string("of no known level") : type) +
         "; correct the ARRAY line ('p2praid-tool mkconf' prints one)";
}

// The arrays of `arrays` that the ARRAY lines of `cfg` name, by UUID, with
// the names those lines give. A name the labels give differently, members
// labelled with a name the config gives another UUID, arrays with another
// level than the line's and lines without any member found are reported:
// the last two in `errors`.
void select_configured(const Env& env, const config::Config& cfg,
                       std::vector<array::Assembly>& arrays, std::vector<std::string>& errors) {
  std::vector<const config::Array*> found;
  std::erase_if(arrays, [&](array::Assembly& a) {
    const auto* entry = cfg.find_uuid(a.uuid());
    if (entry == nullptr) {
      if (const auto* named = cfg.find_name(a.name)) {
        env.log.warn(text::escape(a.name) + ": its members have the UUID " + a.uuid() + ", but " +
                     cfg.where(named->line) + " gives " + a.name + " the UUID " + named->uuid +
                     "; left alone (correct the ARRAY line if this is the array)");
      } else {
        env.log.info(text::escape(a.name) + " (" + a.uuid() + "): no ARRAY line in " + cfg.file +
                     "; left alone");
      }
      return true;
    }
    found.push_back(entry);
    if (a.name != entry->name) {
      env.log.warn(entry->name + ": " + cfg.where(entry->line) + " names the array " + a.uuid() +
                   " so; its partition labels name it '" + text::escape(a.name) +
                   "'; assembling it as " + entry->name);
      a.name = entry->name;
      a.unusable_name.clear();  // the config's name is the one used
    }
    if (auto why = level_mismatch(cfg, *entry, a); !why.empty()) {
      errors.push_back(std::move(why));
      return true;
    }
    return false;
  });
  for (const auto& entry : cfg.arrays) {
    if (std::find(found.begin(), found.end(), &entry) != found.end()) continue;
    errors.push_back(entry.name + ": no member with the UUID " + entry.uuid + " of " +
                     cfg.where(entry.line) +
                     " found; connect its drives, or remove the ARRAY line");
  }
}

// --- replace ------------------------------------------------------------------

// The member slot OLD names: an index, or a device of the table (the data or
// metadata partition, or the whole disk).
std::size_t slot_of(const dm::RaidTable& t, const blk::Devices& devs,
                    const std::vector<blk::BlockDevice>& all, const std::string& old_dev,
                    const std::string& name) {
  std::size_t i = 0;
  const std::string_view text = old_dev;
  const auto [rest, ec] = std::from_chars(text.data(), text.data() + text.size(), i);
  if (!text.empty() && rest == text.data() + text.size()) {  // an index
    if (ec == std::errc() && i < t.devices.size()) return i;
    throw CommandError(old_dev + ": not a member of " + name + " (its members are 0 to " +
                       std::to_string(t.devices.size() - 1) + ")");
  }
  const auto* given = names::resolve(devs, all, old_dev);
  for (std::size_t m = 0; m < t.devices.size() && given != nullptr; ++m) {
    for (const auto& dev : {t.devices[m].meta, t.devices[m].data}) {
      const auto* b = names::find(devs, all, dev);
      if (b != nullptr && (b->devnum == given->devnum || b->disk == given->name)) return m;
    }
  }
  throw CommandError(old_dev + ": not a member of " + name + "; 'p2praid-tool status " + name +
                     "' lists its members (a member index works too)");
}

std::string percent(const status::RaidStatus& s) {
  std::ostringstream out;
  out << std::fixed << std::setprecision(1) << s.sync_percent() << "% done";
  return out.str();
}

// Refuses to replace member `slot` while the array syncs or another member
// is not in sync; returns the members out of service (failed or missing),
// which cannot serve as a source of the rebuild.
array::DownMembers check_in_sync(const Env& env, dm::Client& client, std::size_t slot) {
  const auto& name = env.options.name;
  const auto s = array_status(client, name);
  const std::string wait = "; wait until 'p2praid-tool status " + name +
                           "' shows the array idle and in sync, then replace";
  if (s.sync_action != "idle" && s.sync_action != "frozen") {
    throw CommandError(name + ": a " + s.sync_action + " is running (" + percent(s) + ")" + wait);
  }
  array::DownMembers down;
  bool all_in_sync = true;
  for (std::size_t i = 0; i < s.members.size(); ++i) {
    const auto health = s.members[i];
    all_in_sync = all_in_sync && health == status::Health::InSync;
    if (i == slot || health == status::Health::InSync) continue;
    if (health == status::Health::Syncing) {
      std::string msg = name + ": member " + std::to_string(i);
      throw CommandError(msg.append(" is not in sync (").append(percent(s)).append(")") + wait);
    }
    down.emplace(i, std::string(status::to_string(health)));
  }
  if (all_in_sync && s.sync_done < s.sync_total) {
    throw CommandError(name + ": the array is not in sync (" + percent(s) + ")" + wait);
  }
  return down;
}

std::string reuse_hint(const std::string& disk) {
  return "; give a drive that is in no array (if its data is no longer needed, delete its "
         "partitions with 'sfdisk --delete " +
         disk + "' first)";
}

// Refuses a disk that holds a member of a running array (this one too).
void check_not_running_member(dm::Client& client, const blk::Devices& devs,
                              const std::vector<blk::BlockDevice>& all,
                              const blk::BlockDevice& disk) {
  for (const auto& d : dm::with_target_type(client.devices(), kType)) {
    dm::RaidTable t;
    try {
      t = live_table(d);
    } catch (const CommandError&) {
      continue;  // not a table this tool knows; holders still show the disk in use
    }
    for (std::size_t i = 0; i < t.devices.size(); ++i) {
      for (const auto& dev : {t.devices[i].meta, t.devices[i].data}) {
        const auto* b = names::find(devs, all, dev);
        if (b != nullptr && b->disk == disk.name) {
          throw CommandError(disk.path + ": holds member " + std::to_string(i) + " of " + d.name +
                             reuse_hint(disk.path));
        }
      }
    }
  }
}

// Refuses a disk with a member of a stopped array: a partition labelled as
// one, or with a raid-p2p superblock.
void check_not_stopped_member(const blk::Devices& devs, const std::vector<blk::BlockDevice>& all,
                              const blk::BlockDevice& disk) {
  for (const auto& b : all) {
    if (b.disk != disk.name || b.partition == 0) continue;
    std::optional<sb::Superblock> super;
    try {
      super = sb::decode(devs.read(b.path, 0, sb::size()));
    } catch (const std::invalid_argument&) {
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError&) {
    }
    const bool labelled = b.label.rfind(array::kMetaLabel, 0) == 0;
    if (!super && !labelled) continue;
    const std::string array_name = labelled ? b.label.substr(array::kMetaLabel.size())
                                            : "of UUID " + sb::uuid_string(super->uuid);
    throw CommandError(
        disk.path + ": holds " +
        (super ? "member " + std::to_string(super->member) : std::string("a member")) +
        " of the stopped array " + array_name + " (" + b.path + ")" + reuse_hint(disk.path));
  }
}

// NEW: a whole disk that is in no array and that nothing uses.
const blk::BlockDevice& check_new_drive(const Env& env, dm::Client& client,
                                        const blk::Devices& devs,
                                        const std::vector<blk::BlockDevice>& all) {
  const auto& given = env.options.new_member;
  const auto* fresh = names::resolve(devs, all, given);
  if (fresh == nullptr) {
    throw CommandError(given + ": no such block device; give the new drive (such as /dev/nvme4n1)");
  }
  if (fresh->partition != 0) {
    throw CommandError(given + ": not a whole disk; give the new drive (such as /dev/nvme4n1)");
  }
  check_not_running_member(client, devs, all, *fresh);
  check_not_stopped_member(devs, all, *fresh);
  check_unused(devs, all, fresh->name);
  return *fresh;
}

// Data sectors per member, from a present member's superblock, else from
// the tool's record (arrays without metadata).
std::uint64_t member_data_sectors(const Env& env, const dm::RaidTable& t,
                                  const std::vector<blk::BlockDevice>& all, blk::Devices& devs,
                                  const std::optional<record::Record>& newest) {
  for (const auto& d : t.devices) {
    const auto* b = names::find(devs, all, d.meta);
    if (d.meta == "-" || b == nullptr) continue;
    try {
      return sb::decode(devs.read(b->path, 0, sb::size())).data_sectors;
    } catch (const PermissionError&) {
      throw;
    } catch (const std::exception& e) {
      env.log.info(b->path + ": " + e.what());
    }
  }
  if (newest) return newest->data_sectors;
  throw CommandError(env.options.name +
                     ": no member has a readable superblock or record, so the member size is "
                     "unknown; replace the member with dmsetup");
}

// The record of the array once NEW is member `slot`: the newest of the
// members' records, one generation on (or, for an array that has none, one
// made from the table), with NEW's drive in `slot`.
record::Record replacement_record(const Env& env, const blk::Devices& devs,
                                  const std::vector<blk::BlockDevice>& all,
                                  const dm::RaidTable& table, std::size_t slot,
                                  const blk::BlockDevice& fresh,
                                  const std::optional<record::Record>& newest,
                                  std::uint64_t data_sectors) {
  topo::Topology t;
  try {
    const auto reader = env.services.sysfs(env.sysfs_root);
    t = topo::load_topology(*reader);
  } catch (const std::exception& e) {
    env.log.info(std::string("no serial numbers for the record: ") + e.what());
  }
  record::Record r;
  if (newest && newest->members.size() == table.devices.size()) {
    r = *newest;
    ++r.generation;
  } else {
    std::vector<std::string> disks;
    for (const auto& d : table.devices) {
      const auto* b = d.data == "-" ? nullptr : names::find(devs, all, d.data);
      disks.push_back(b != nullptr ? b->disk : std::string());
    }
    const bool has_meta = std::any_of(table.devices.begin(), table.devices.end(),
                                      [](const dm::TableDevice& d) { return d.meta != "-"; });
    r = make_record(env, t, devs, all, table, disks, has_meta, data_sectors);
  }
  r.members.at(slot) = {names::stable(devs, fresh), serial_of(t, fresh.name)};
  return r;
}

// Writes the new record to the members other than `slot`; a member whose
// record cannot be written is named, and the replace stands.
void update_records(const Env& env, blk::Devices& devs, const std::vector<blk::BlockDevice>& all,
                    const dm::RaidTable& table, std::size_t slot, const record::Record& r) {
  for (std::size_t i = 0; i < table.devices.size(); ++i) {
    const auto* meta = i == slot ? nullptr : meta_beside(devs, all, table.devices[i].data);
    if (meta == nullptr) continue;
    try {
      write_record(devs, meta->path, r, static_cast<unsigned>(i));
    } catch (const CommandError& e) {
      env.log.warn(std::string(e.what()) + "; its record still names the replaced drive");
    }
  }
}

// --- examine and wipe -------------------------------------------------------------

// Bytes of a member that examine reads and wipe clears: the superblock's
// logical block.
constexpr std::size_t kHeadBytes = 4096;

// A regular file holding a member (an image), rather than a block device.
bool is_image(const std::string& path) {
  std::error_code ec;
  return std::filesystem::is_regular_file(path, ec);
}

// The first kHeadBytes of `path` (zeros past the end of a short image).
std::vector<std::uint8_t> read_head(const blk::Devices& devs, const std::string& path) {
  if (!is_image(path)) return devs.read(path, 0, kHeadBytes);
  std::ifstream in(path, std::ios::binary);
  if (!in) blk::throw_open_error(path, errno);
  std::vector<std::uint8_t> bytes(kHeadBytes, 0);
  in.read(
      reinterpret_cast<char*>(bytes.data()),  // NOLINT(cppcoreguidelines-pro-type-reinterpret-cast)
      static_cast<std::streamsize>(bytes.size()));
  return bytes;
}

void zero_head(blk::Devices& devs, const std::string& path) {
  if (!is_image(path)) {
    devs.zero(path, 0, kHeadBytes);
    return;
  }
  std::fstream f(path, std::ios::binary | std::ios::in | std::ios::out);
  if (!f) blk::throw_open_error(path, errno);
  const std::vector<char> zeros(kHeadBytes, 0);
  f.write(zeros.data(), static_cast<std::streamsize>(zeros.size()));
  f.flush();
  if (!f) throw CommandError(path + ": cannot write: " + std::strerror(errno));
}

std::string no_superblock(const std::string& path) {
  return path +
         ": no raid-p2p superblock (a member's superblock is at the start of its metadata "
         "partition, p2praid-meta:NAME)";
}

// The member's superblock, or CommandError naming the device and what it holds.
sb::Superblock member_superblock(const std::string& path, std::span<const std::uint8_t> head) {
  switch (sb::classify(head)) {
    case sb::Kind::Blank:
      throw CommandError(no_superblock(path));
    case sb::Kind::Foreign:
      throw CommandError(path + ": holds md or dm raid metadata, not a raid-p2p superblock");
    case sb::Kind::Ours:
      break;
  }
  try {
    return sb::decode(head);
  } catch (const std::invalid_argument& e) {
    throw CommandError(path + ": corrupt raid-p2p superblock (" + e.what() + ")");
  }
}

// Whether table device `dev` is `member`: the same block device, or for an
// image the same path.
bool same_device(const blk::Devices& devs, const std::vector<blk::BlockDevice>& all,
                 const std::string& dev, const std::string& member, const std::string& devnum) {
  if (dev == "-") return false;
  std::error_code ec;
  if (std::filesystem::equivalent(dev, member, ec)) return true;
  const auto* b = devnum.empty() ? nullptr : names::find(devs, all, dev);
  return b != nullptr && b->devnum == devnum;
}

// Refuses a member that a running raid-p2p array has in its table.
void check_not_live(dm::Client& client, const blk::Devices& devs, const std::string& member) {
  const auto all = devs.list();
  const auto* self = is_image(member) ? nullptr : names::find(devs, all, member);
  const std::string devnum = self != nullptr ? self->devnum : std::string();
  for (const auto& d : dm::with_target_type(client.devices(), kType)) {
    dm::RaidTable t;
    try {
      t = live_table(d);
    } catch (const CommandError&) {
      continue;  // a table this tool cannot read; the exclusive open below still sees it
    }
    for (std::size_t i = 0; i < t.devices.size(); ++i) {
      if (same_device(devs, all, t.devices[i].meta, member, devnum) ||
          same_device(devs, all, t.devices[i].data, member, devnum)) {
        throw CommandError(member + ": member " + std::to_string(i) + " of the running array " +
                           d.name + "; stop it first ('p2praid-tool stop " + d.name + "')");
      }
    }
  }
  if (!is_image(member)) {
    if (const auto why = devs.in_use(member)) {
      throw CommandError(member + ": in use (" + *why + "); stop what uses it first");
    }
  }
}

}  // namespace

std::vector<std::string> kernel_names(const blk::Devices& devs,
                                      const std::vector<blk::BlockDevice>& all,
                                      const std::vector<std::string>& given) {
  std::vector<std::string> out;
  for (const auto& g : given) {
    const auto* b = names::resolve(devs, all, g);
    if (b != nullptr && b->partition != 0) {
      throw CommandError(g + ": a partition (" + b->path +
                         "); give the whole NVMe namespace, such as /dev/" + b->disk);
    }
    out.push_back(b != nullptr ? b->name : g);
  }
  return out;
}

int create(const Env& env) {
  const auto& o = env.options;
  array::check_name(o.name);
  const ArrayLock lock(env);
  const auto client = env.services.dm(env.log);
  check_name_free(*client, o.name);
  const auto devs = env.services.devices(env.sysfs_root);
  const auto all = devs->list();
  CreatePlan c = plan_create(env, *devs, all);
  for (const auto& l : c.layouts) check_unused(*devs, all, l.disk);
  if (o.dry_run) {
    env.printer.print(reports::created(o.name, c.plan, c.layouts, c.table, true), env.out);
    return 0;
  }
  std::string disks;
  std::vector<std::string> paths;
  for (const auto& l : c.layouts) {
    disks += (disks.empty() ? "" : ", ") + l.disk_path;
    paths.push_back(l.disk_path);
  }
  const auto found = existing_signatures(env, *devs, paths);
  ask(env, o.name, "Destroy all data on " + disks + " and create " + o.name + "?" + found);
  for (std::size_t i = 0; i < c.layouts.size(); ++i) {
    const auto& l = c.layouts[i];
    lay_out(env, *devs, l);
    auto& t = c.table.devices[i];
    t = {checked_name(env, *devs, t.meta, l.meta), checked_name(env, *devs, t.data, l.data)};
    write_record(*devs, l.meta, c.record, static_cast<unsigned>(i));
  }
  // With metadata the array UUID exists only once the target has started
  // the array, so the device starts without a UUID and gets it then.
  // Without metadata nothing on disk names the array: a random UUID.
  const std::string uuid = o.metadata ? std::string() : std::string(dm::kUuidPrefix) + c.record.id;
  try {
    client->create(o.name, uuid, target_of(c.table));
  } catch (const CommandError& e) {
    throw CommandError(std::string(e.what()) + " (the members are partitioned; run create again)");
  }
  if (o.metadata) set_array_uuid(env, *client, *devs, c.layouts);
  env.log.info("created " + o.name);
  env.printer.print(reports::created(o.name, c.plan, c.layouts, c.table, false), env.out);
  return 0;
}

namespace {

// The UUID of the array without metadata whose record the metadata
// partition `device` holds, read as assemble --scan reads it (its record's
// id); nullopt if it holds none (an image file holds none).
std::optional<std::string> record_uuid(const Env& env, const blk::Devices& devs,
                                       const std::string& device) {
  if (is_image(device)) return std::nullopt;
  const auto all = devs.list();
  const auto* self = names::resolve(devs, all, device);
  if (self == nullptr) return std::nullopt;
  std::vector<std::string> rejected;
  const auto found =
      array::scan(devs, rejected, [&](const blk::BlockDevice& d) { return d.name == self->name; });
  for (const auto& r : rejected) env.log.warn(r + "; left out");
  if (found.empty() || found.front().metadata) return std::nullopt;
  return sb::uuid_string(found.front().sb.uuid);
}

// assemble --incremental DEVICE: the UUID of the array DEVICE is a member
// of, from its superblock or, for an array without metadata, its record;
// nullopt (logged) if DEVICE has neither or its array has no ARRAY line in
// a config that has some.
std::optional<std::string> incremental_uuid(const Env& env, const blk::Devices& devs,
                                            const std::optional<config::Config>& cfg) {
  const auto& device = env.options.incremental;
  const auto head = read_head(devs, device);
  std::optional<std::string> uuid;
  if (sb::classify(head) == sb::Kind::Ours) {
    uuid = sb::uuid_string(member_superblock(device, head).uuid);
  } else {
    uuid = record_uuid(env, devs, device);
  }
  if (!uuid) {
    env.log.info(device +
                 ": neither a raid-p2p superblock nor the record of an array without "
                 "metadata; nothing to assemble");
    return std::nullopt;
  }
  if (cfg && !cfg->arrays.empty() && cfg->find_uuid(*uuid) == nullptr) {
    env.log.info(device + ": member of " + *uuid + ", which has no ARRAY line in " + cfg->file +
                 "; left alone");
    return std::nullopt;
  }
  return uuid;
}

void check_assemble_usage(const ArrayOptions& o) {
  if (!o.incremental.empty() && (o.scan || !o.name.empty())) {
    throw UsageError("assemble: --incremental takes neither a NAME nor --scan");
  }
  if (o.incremental.empty() && o.scan == !o.name.empty()) {
    throw UsageError("assemble: give an array NAME, --scan or --incremental DEVICE");
  }
  if (!o.name.empty()) array::check_name(o.name);
}

// The arrays assemble is to start: of --scan, NAME or the UUID of
// --incremental (`only_uuid`), as the config's ARRAY lines choose them
// (when they name them), else as the partition labels do.
std::vector<array::Assembly> chosen_arrays(const Env& env, const std::optional<config::Config>& cfg,
                                           const blk::Devices& devs,
                                           const std::optional<std::string>& only_uuid,
                                           std::vector<std::string>& errors) {
  const auto& o = env.options;
  std::vector<std::string> rejected;
  array::DeviceFilter consider;
  if (cfg && !cfg->devices.empty()) {
    consider = [&](const blk::BlockDevice& d) {
      return config::matches_any(devs, d, cfg->devices);
    };
  }
  auto candidates = array::scan(devs, rejected, consider);
  for (const auto& r : rejected) env.log.warn(r + "; left out");
  if (cfg) keep_listed_devices(env, *cfg, devs, candidates);
  auto arrays = array::group(candidates);
  if (only_uuid) {
    std::erase_if(arrays, [&](const array::Assembly& a) { return a.uuid() != *only_uuid; });
  }
  const bool configured =
      cfg && !cfg->arrays.empty() && (o.scan || only_uuid || cfg->find_name(o.name) != nullptr);
  if (configured) {
    config::Config only = *cfg;
    if (only_uuid) {
      std::erase_if(only.arrays, [&](const config::Array& a) { return a.uuid != *only_uuid; });
    } else if (!o.scan) {
      std::erase_if(only.arrays, [&](const config::Array& a) { return a.name != o.name; });
    }
    select_configured(env, only, arrays, errors);
  }
  if (!o.scan && !only_uuid) {
    std::erase_if(arrays, [&](const array::Assembly& a) { return a.name != o.name; });
    if (arrays.empty() && errors.empty()) {
      throw CommandError(o.name +
                         ": no raid-p2p member of that name found; "
                         "'p2praid-tool assemble --scan --dry-run' lists what there is");
    }
  }
  return arrays;
}

// assemble --incremental: an array that is not running and misses a
// member waits for it (unless --degraded): "waiting for ...", or "".
std::string waiting(const Env& env, const std::vector<dm::Device>& active,
                    const array::Assembly& a) {
  const auto missing = a.missing();
  if (env.options.incremental.empty() || missing.empty() || env.options.degraded) return "";
  const std::string uuid = std::string(dm::kUuidPrefix) + a.uuid();
  if (std::any_of(active.begin(), active.end(),
                  [&](const dm::Device& d) { return d.uuid == uuid; }))
    return "";
  return "waiting for " + std::to_string(missing.size()) + " of " +
         std::to_string(a.members.size()) + " members";
}

}  // namespace

int assemble(const Env& env) {
  const auto& o = env.options;
  check_assemble_usage(o);
  const auto cfg = config::load(env.config_file, env.config_required);
  const ArrayLock lock(env);
  const auto devs = env.services.devices(env.sysfs_root);
  std::optional<std::string> only_uuid;
  if (!o.incremental.empty()) {
    only_uuid = incremental_uuid(env, *devs, cfg);
    if (!only_uuid) {
      env.printer.print(reports::assembled({}), env.out);
      return 0;
    }
  }
  std::vector<std::string> errors;
  const auto arrays = chosen_arrays(env, cfg, *devs, only_uuid, errors);
  const auto client = env.services.dm(env.log);
  const auto active = client->devices();
  std::vector<reports::Assembled> done;
  for (const auto& a : arrays) {
    try {
      auto state = waiting(env, active, a);
      if (state.empty()) state = assemble_one(env, *client, *devs, active, a);
      done.push_back({&a, std::move(state)});
    } catch (const CommandError& e) {
      done.push_back({&a, "refused"});
      errors.emplace_back(e.what());
    }
  }
  env.printer.print(reports::assembled(done), env.out);
  if (errors.empty()) return 0;
  for (std::size_t i = 0; i + 1 < errors.size(); ++i) env.log.error(errors[i]);
  throw CommandError(errors.back());
}

int mkconf(const Env& env) {
  const auto client = env.services.dm(env.log);
  config::Config cfg;
  // Every block device, as mdadm's mkconf: a DEVICE line naming today's
  // drives would hide the drive that replaces one of them.
  cfg.devices.emplace_back(config::kAllDevices);
  for (const auto& d : dm::with_target_type(client->devices(), kType)) {
    const auto uuid = uuid_from_dm(d.uuid);
    if (!uuid) {
      env.log.warn(text::escape(d.name) + ": its device-mapper UUID is not " +
                   std::string(dm::kUuidPrefix) +
                   "<array UUID>: it was not started by p2praid-tool; left out of the config");
      continue;
    }
    if (const auto why = array::name_problem(d.name)) {
      env.log.warn(text::escape(d.name) + ": not a usable array name (" + *why +
                   "); left out of the config");
      continue;
    }
    config::Array a;
    a.name = d.name;
    a.uuid = *uuid;
    try {
      a.level = live_table(d).raid_type;
    } catch (const CommandError& e) {
      env.log.warn(std::string(e.what()) + "; its ARRAY line has no level=");
    }
    cfg.arrays.push_back(std::move(a));
  }
  if (cfg.arrays.empty()) env.log.warn("no raid-p2p array started by p2praid-tool is running");
  const std::string text =
      "# raid-p2p arrays for 'p2praid-tool assemble --scan', written by 'p2praid-tool mkconf'.\n"
      "# The format is in p2praid-tool(8), FILES.\n" +
      config::format(cfg);
  const auto& file = env.options.config_out;
  if (file.empty()) {
    env.out << text;
    return 0;
  }
  config::write_atomically(file, text);
  env.log.info("wrote " + file);
  return 0;
}

int status(const Env& env) {
  const auto client = env.services.dm(env.log);
  std::vector<dm::Device> arrays;
  if (env.options.name.empty()) {
    arrays = dm::with_target_type(client->devices(), kType);
  } else {
    arrays.push_back(find_array(*client, env.options.name));
  }
  const auto devs = env.services.devices(env.sysfs_root);
  const auto all = devs->list();
  std::vector<reports::ArrayStatus> states;
  std::vector<std::string> errors;
  auto worst = array::Condition::Healthy;
  for (const auto& d : arrays) {
    try {
      reports::ArrayStatus s{d.name, live_table(d), array_status(*client, d.name), {}, {}};
      s.condition = array::condition(s.table, s.status);
      worst = std::max(worst, s.condition);
      for (const auto& dev : s.table.devices) {
        const auto* b = names::find(*devs, all, dev.data);
        s.member_devices.push_back(b != nullptr ? b->path : dev.data);
      }
      states.push_back(std::move(s));
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError& e) {
      errors.emplace_back(e.what());
    }
  }
  env.printer.print(reports::array_status(states), env.out);
  if (!errors.empty()) {
    for (std::size_t i = 0; i + 1 < errors.size(); ++i) env.log.error(errors[i]);
    throw CommandError(errors.back());
  }
  switch (worst) {
    case array::Condition::Healthy:
      return static_cast<int>(ExitCode::Ok);
    case array::Condition::Degraded:
      return static_cast<int>(ExitCode::Degraded);
    case array::Condition::Failed:
      return static_cast<int>(ExitCode::Unusable);
  }
  return static_cast<int>(ExitCode::Unusable);
}

int replace(const Env& env) {
  const auto& o = env.options;
  const ArrayLock lock(env);
  const auto client = env.services.dm(env.log);
  auto table = live_table(find_array(*client, o.name));
  const auto devs = env.services.devices(env.sysfs_root);
  const auto all = devs->list();
  // Every check that can refuse comes before anything is written to NEW.
  const std::size_t slot = slot_of(table, *devs, all, o.old_member, o.name);
  const auto down = check_in_sync(env, *client, slot);
  const auto& fresh = check_new_drive(env, *client, *devs, all);
  const auto newest = newest_record(env, *devs, all, table);
  const auto data_sectors = member_data_sectors(env, table, all, *devs, newest);
  const auto layout =
      array::layout_member(o.name, fresh.name, fresh.sectors, data_sectors * units::kSectorSize);
  const bool has_meta = std::any_of(table.devices.begin(), table.devices.end(),
                                    [](const dm::TableDevice& d) { return d.meta != "-"; });
  array::check_rebuild(o.name, table, slot, down);
  table = array::rebuild_table(table, slot,
                               {has_meta ? names::stable_partition(*devs, fresh, 1) : "-",
                                names::stable_partition(*devs, fresh, 2)});
  for (std::size_t i = 0; i < table.devices.size(); ++i) {
    auto& d = table.devices[i];
    if (i != slot)
      d = {names::stable_name(*devs, all, d.meta), names::stable_name(*devs, all, d.data)};
  }
  const auto rec = replacement_record(env, *devs, all, table, slot, fresh, newest, data_sectors);
  if (o.dry_run) {
    env.printer.print(reports::replaced(o.name, slot, layout, table, true), env.out);
    return 0;
  }
  const auto found = existing_signatures(env, *devs, {layout.disk_path});
  ask(env, o.name,
      "Destroy all data on " + layout.disk_path + " and rebuild member " + std::to_string(slot) +
          " of " + o.name + " on it?" + found);
  lay_out(env, *devs, layout);
  auto& d = table.devices.at(slot);
  d = {checked_name(env, *devs, d.meta, layout.meta),
       checked_name(env, *devs, d.data, layout.data)};
  write_record(*devs, layout.meta, rec, static_cast<unsigned>(slot));
  client->reload(o.name, target_of(table));
  update_records(env, *devs, all, table, slot, rec);
  env.printer.print(reports::replaced(o.name, slot, layout, table, false), env.out);
  return 0;
}

int examine(const Env& env) {
  const auto& member = env.options.member;
  const auto devs = env.services.devices(env.sysfs_root);
  const auto super = member_superblock(member, read_head(*devs, member));
  env.printer.print(reports::examined(member, super), env.out);
  return 0;
}

int wipe(const Env& env) {
  const auto& o = env.options;
  const auto& member = o.member;
  const auto devs = env.services.devices(env.sysfs_root);
  const auto head = read_head(*devs, member);
  std::optional<sb::Superblock> super;
  try {
    super = member_superblock(member, head);
  } catch (const CommandError& e) {
    const bool ours = sb::classify(head) == sb::Kind::Ours;  // corrupt
    if (!ours && !o.force) {
      throw CommandError(
          std::string(e.what()) + "; wipe clears only raid-p2p superblocks (" +
          (sb::classify(head) == sb::Kind::Blank ? "nothing to wipe" : "--force clears it anyway") +
          ")");
    }
  }
  const auto client = env.services.dm(env.log);
  check_not_live(*client, *devs, member);
  const std::string what = super ? "the raid-p2p superblock of member " +
                                       std::to_string(super->member) + " of array " +
                                       sb::uuid_string(super->uuid)
                                 : std::string("the first 4 KiB");
  ask(env, member, "Wipe " + what + " on " + member + "?");
  zero_head(*devs, member);
  env.log.info(member + ": wiped " + what);
  env.printer.print(reports::wiped(member, super), env.out);
  return 0;
}

int sync_action(const Env& env, const std::string& action) {
  const auto client = env.services.dm(env.log);
  (void)find_array(*client, env.options.name);
  client->message(env.options.name, action);
  env.printer.print(reports::sync_started(env.options.name, action), env.out);
  return 0;
}

namespace {

// --- monitor ---------------------------------------------------------------

// What allocate reads of a spare: partition tables, filesystems, LVM and md
// labels all start within it; a spare must have only zeros there.
constexpr std::uint64_t kBlankBytes = 128 * units::kKiB;

volatile std::sig_atomic_t stop_requested = 0;  // NOLINT(*-non-const-global-variables)

extern "C" void on_stop_signal(int /*signal*/) {
  stop_requested = 1;
}

// SIGTERM, SIGINT and SIGHUP end the wait for events (no SA_RESTART), and
// then monitor.
void catch_stop_signals() {
  struct sigaction sa {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  for (const int sig : {SIGTERM, SIGINT, SIGHUP}) sigaction(sig, &sa, nullptr);
}

struct Watched {
  monitor::ArrayState state;
  dm::RaidTable table;
  std::string uuid;  // the array UUID, from the device-mapper UUID; "" if none
};

// Every raid-p2p array now. An array that cannot be read keeps what the
// last look found, so that a passing error is no DeviceDisappeared.
std::map<std::string, Watched> look(const Env& env, dm::Client& client, const blk::Devices& devs,
                                    const std::vector<blk::BlockDevice>& all,
                                    const std::map<std::string, Watched>& before) {
  std::map<std::string, Watched> out;
  for (const auto& d : dm::with_target_type(client.devices(), kType)) {
    try {
      Watched w;
      w.table = live_table(d);
      const auto s = array_status(client, d.name);
      w.state = {d.name, {}, s.members, s.sync_action, array::condition(w.table, s)};
      // A member whose device is gone (hot-removed) keeps the name the last
      // look gave it.
      const auto it = before.find(d.name);
      for (std::size_t i = 0; i < w.table.devices.size(); ++i) {
        const auto& data = w.table.devices[i].data;
        const auto* b = names::find(devs, all, data);
        const bool known = it != before.end() && i < it->second.table.devices.size() &&
                           it->second.table.devices[i].data == data;
        w.state.members.push_back(b != nullptr ? b->path
                                  : known      ? it->second.state.members[i]
                                               : data);
      }
      w.uuid = uuid_from_dm(d.uuid).value_or("");
      out.emplace(d.name, std::move(w));
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError& e) {
      env.log.warn(e.what());
      if (const auto it = before.find(d.name); it != before.end()) out.emplace(*it);
    }
  }
  return out;
}

monitor::Snapshot states(const std::map<std::string, Watched>& watched) {
  monitor::Snapshot out;
  for (const auto& [name, w] : watched) out.emplace(name, w.state);
  return out;
}

// Prints the event and runs --program with it: PROGRAM EVENT ARRAY [MEMBER].
void report(const Env& env, const monitor::Event& e) {
  env.out << e.line() << std::endl;  // one line per event, at once
  const auto& program = env.options.program;
  if (program.empty()) return;
  std::vector<std::string> argv{program, e.kind, e.array};
  if (!e.member.empty()) argv.push_back(e.member);
  try {
    const auto r = proc::run(argv, "");
    if (!proc::succeeded(r)) env.log.warn(proc::failure(program, r) + " (event " + e.kind + ")");
  } catch (const CommandError& x) {
    env.log.warn(std::string(x.what()) + " (event " + e.kind + ")");
  }
}

// The ARRAY line of `w`: by UUID, or else by name; nullptr if none.
const config::Array* array_line(const std::optional<config::Config>& cfg, const Watched& w) {
  if (!cfg) return nullptr;
  const auto* line = w.uuid.empty() ? nullptr : cfg->find_uuid(w.uuid);
  return line != nullptr ? line : cfg->find_name(w.state.name);
}

// The POLICY action=allocate that gives `w` its spares: the one of the
// array's spare-group (its ARRAY line), or, for an array without one, a
// POLICY without a spare-group.
const config::Policy* allocate_policy(const std::optional<config::Config>& cfg, const Watched& w) {
  if (!cfg) return nullptr;
  const auto* line = array_line(cfg, w);
  const auto group = line != nullptr ? line->spare_group : std::nullopt;
  for (const auto& p : cfg->policies) {
    if (p.action == config::Action::Allocate && p.spare_group == group) return &p;
  }
  return nullptr;
}

// Whole NVMe namespaces that POLICY `p` covers and that are free: no
// partitions, only zeros in the first kBlankBytes, in no array, unused;
// and large enough for a member of `w`.
std::vector<std::string> spares(const Env& env, dm::Client& client, blk::Devices& devs,
                                const std::vector<blk::BlockDevice>& all,
                                const topo::Topology& topology, const config::Policy& p,
                                const Watched& w, std::uint64_t data_sectors) {
  std::vector<std::string> out;
  for (const auto& b : all) {
    if (b.partition != 0 || topology.find_namespace(b.name) == nullptr) continue;
    if (!p.paths.empty() && !config::matches_any(devs, b, p.paths)) continue;
    const bool partitioned = std::any_of(all.begin(), all.end(), [&](const blk::BlockDevice& o) {
      return o.disk == b.name && o.partition != 0;
    });
    if (partitioned) continue;
    try {
      check_not_running_member(client, devs, all, b);
      check_unused(devs, all, b.name);
      (void)array::layout_member(w.state.name, b.name, b.sectors,
                                 data_sectors * units::kSectorSize);
      const auto head = devs.read(b.path, 0, kBlankBytes);
      if (std::any_of(head.begin(), head.end(), [](std::uint8_t c) { return c != 0; })) {
        env.log.debug(b.path + ": not blank; no spare");
        continue;
      }
    } catch (const std::exception& e) {
      env.log.debug(std::string(e.what()) + "; no spare");
      continue;
    }
    out.push_back(b.name);
  }
  return out;
}

// The spares of POLICY `p` that allocate may put in for `w`, nearest to
// its members in service first.
std::vector<monitor::Candidate> candidates(const Env& env, dm::Client& client, blk::Devices& devs,
                                           const std::vector<blk::BlockDevice>& all,
                                           const topo::Topology& topology, const Watched& w,
                                           const config::Policy& p) {
  const auto data_sectors =
      member_data_sectors(env, w.table, all, devs, newest_record(env, devs, all, w.table));
  std::vector<std::string> members;
  for (std::size_t i = 0; i < w.table.devices.size() && i < w.state.health.size(); ++i) {
    const auto* b = names::find(devs, all, w.table.devices[i].data);
    if (b != nullptr && w.state.health[i] == status::Health::InSync) members.push_back(b->disk);
  }
  return monitor::rank_spares(topology, members,
                              spares(env, client, devs, all, topology, p, w, data_sectors));
}

// Rebuilds member `slot` of `w` on the nearest spare of POLICY `p`, with
// replace. Returns the event to report: MoveSpare, or SparesMissing.
monitor::Event allocate(const Env& env, dm::Client& client, const Watched& w, std::size_t slot,
                        const config::Policy& p) {
  const auto& name = w.state.name;
  const auto devs = env.services.devices(env.sysfs_root);
  const auto all = devs->list();
  const auto reader = env.services.sysfs(env.sysfs_root);
  const auto topology = topo::load_topology(*reader);
  const auto free = candidates(env, client, *devs, all, topology, w, p);
  const std::string member = w.state.members.at(slot);
  if (free.empty()) {
    std::string paths;
    for (const auto& g : p.paths) paths.append(paths.empty() ? "" : ",").append(g);
    return {"SparesMissing", name, member,
            "no spare for member " + std::to_string(slot) + ": no NVMe namespace " +
                (paths.empty() ? std::string() : "matching " + paths + " ") +
                "that is blank (no partitions, its first 128 KiB zero), in no array, unused "
                "and large enough"};
  }
  const auto& spare = free.front();
  ArrayOptions o;
  o.name = name;
  o.old_member = std::to_string(slot);
  o.new_member = "/dev/" + spare.disk;
  o.yes = true;
  std::ostringstream quiet;
  const Env sub{o,
                env.sysfs_root,
                quiet,
                env.log,
                env.services,
                env.printer,
                env.config_file,
                env.config_required};
  replace(sub);
  return {"MoveSpare", name, o.new_member,
          "member " + std::to_string(slot) + " (" + member + ") rebuilds on it, P2P distance " +
              std::to_string(spare.distance)};
}

// Arrays with a member out of service and no spare put in: what was
// reported, and whether to look for a spare again (there was none) or not
// (putting one in failed), so that a wake-up reports nothing twice.
struct Unserved {
  std::string detail;
  bool retry = false;
};

// Puts a spare in for the first member out of service of every array that
// a POLICY allocate covers, once the array is idle.
void serve_spares(const Env& env, dm::Client& client, const std::optional<config::Config>& cfg,
                  const std::map<std::string, Watched>& now,
                  std::map<std::string, Unserved>& unserved) {
  std::erase_if(unserved, [&](const auto& u) {
    const auto it = now.find(u.first);
    return it == now.end() || monitor::failed_members(it->second.state).empty();
  });
  for (const auto& [name, w] : now) {
    const auto down = monitor::failed_members(w.state);
    const auto* policy = allocate_policy(cfg, w);
    const bool idle = w.state.sync_action == "idle" || w.state.sync_action == "frozen";
    if (down.empty() || policy == nullptr || w.state.condition == array::Condition::Failed ||
        !idle) {
      continue;
    }
    const auto was = unserved.find(name);
    if (was != unserved.end() && !was->second.retry) continue;
    monitor::Event e;
    bool retry = true;
    try {
      e = allocate(env, client, w, down.front(), *policy);
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError& x) {
      e = {"SparesMissing", name, w.state.members.at(down.front()),
           std::string("putting in a spare failed: ") + x.what()};
      retry = false;
    }
    if (e.kind == "MoveSpare") {
      unserved.erase(name);
    } else if (was != unserved.end() && was->second.detail == e.detail) {
      was->second.retry = retry;
      continue;  // reported already
    } else {
      unserved[name] = {e.detail, retry};
    }
    report(env, e);
  }
}

// Where the spares of the array of ARRAY line `line` are counted, for
// SparesMissing: "spare-group pool0".
std::string pool_words(const config::Array& line, const config::Policy* policy) {
  if (line.spare_group) {
    return "spare-group " + *line.spare_group +
           (policy != nullptr ? "" : ", which no POLICY action=allocate serves");
  }
  return policy != nullptr ? "the POLICY action=allocate without spare-group" : "no spare-group";
}

// The spares of every array whose ARRAY line says spares=N (N > 0): the
// ones allocate could put in for it now, none without a POLICY allocate
// for it. An array whose spares cannot be counted keeps the count of the
// look before (if any), so that a passing error reports nothing.
monitor::SpareCounts count_spares(const Env& env, dm::Client& client,
                                  const std::optional<config::Config>& cfg,
                                  const std::map<std::string, Watched>& now,
                                  const monitor::SpareCounts& before) {
  monitor::SpareCounts out;
  // The block devices and the topology, read for the first array that has
  // a pool.
  std::unique_ptr<blk::Devices> devs;
  std::vector<blk::BlockDevice> all;
  topo::Topology topology;
  for (const auto& [name, w] : now) {
    const auto* line = array_line(cfg, w);
    if (line == nullptr || line->spares.value_or(0) == 0) continue;
    const auto* policy = allocate_policy(cfg, w);
    monitor::SpareCount count{*line->spares, 0, pool_words(*line, policy)};
    try {
      if (policy != nullptr) {
        if (!devs) {
          auto fresh = env.services.devices(env.sysfs_root);
          all = fresh->list();
          topology = topo::load_topology(*env.services.sysfs(env.sysfs_root));
          devs = std::move(fresh);
        }
        count.available =
            static_cast<unsigned>(candidates(env, client, *devs, all, topology, w, *policy).size());
      }
    } catch (const PermissionError&) {
      throw;
    } catch (const CommandError& e) {
      env.log.warn(name + ": cannot count its spares: " + e.what());
      if (const auto it = before.find(name); it != before.end()) out.emplace(*it);
      continue;
    }
    out.emplace(name, std::move(count));
  }
  return out;
}

}  // namespace

int monitor(const Env& env) {
  const auto& o = env.options;
  const auto cfg = config::load(env.config_file, env.config_required);
  const auto client = env.services.dm(env.log);
  if (!o.oneshot) catch_stop_signals();
  std::map<std::string, Watched> before;
  std::map<std::string, Unserved> unserved;
  monitor::SpareCounts counted;
  bool first = true;
  for (;;) {
    client->arm_events();  // before the look: an event during it wakes the wait
    const auto devs = env.services.devices(env.sysfs_root);
    auto now = look(env, *client, *devs, devs->list(), before);
    for (const auto& e : monitor::changes(states(before), states(now), first)) report(env, e);
    serve_spares(env, *client, cfg, now, unserved);
    // After serve_spares: a spare it put in counts no more.
    auto counts = count_spares(env, *client, cfg, now, counted);
    for (const auto& e : monitor::spare_shortfalls(counted, counts)) report(env, e);
    before = std::move(now);
    counted = std::move(counts);
    first = false;
    if (o.oneshot) return 0;
    const auto wake = client->wait_events(std::chrono::seconds(o.delay_seconds));
    if (wake == dm::Client::Wake::Interrupted || stop_requested != 0) return 0;
  }
}

}  // namespace p2praid::commands
