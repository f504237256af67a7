// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/arrays.hpp"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <map>
#include <stdexcept>

#include "p2praid/errors.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/size.hpp"
#include "p2praid/text.hpp"

namespace p2praid::array {
namespace {

std::string partition_line(std::uint64_t start, std::uint64_t size, std::string_view label,
                           const std::string& name) {
  return "start=" + std::to_string(start) + ", size=" + std::to_string(size) +
         ", type=" + std::string(kPartitionType) + ", name=\"" + std::string(label) + name + "\"\n";
}

std::string name_of(const blk::BlockDevice& meta) {
  if (meta.label.rfind(kMetaLabel, 0) == 0) return meta.label.substr(kMetaLabel.size());
  return "";
}

// The data partition beside a metadata partition: same disk, the data label.
std::optional<blk::BlockDevice> data_of(const std::vector<blk::BlockDevice>& all,
                                        const blk::BlockDevice& meta) {
  const std::string label = std::string(kDataLabel) + name_of(meta);
  for (const auto& d : all) {
    if (d.partition != 0 && d.disk == meta.disk && d.label == label) return d;
  }
  return std::nullopt;
}

// The record of the metadata partition `meta`, if it has one; a damaged
// one is named in `rejected`.
std::optional<record::Record> read_record(const blk::Devices& devices, const blk::BlockDevice& meta,
                                          std::vector<std::string>& rejected) {
  if (meta.partition == 0 || !meta.label.starts_with(kMetaLabel) ||
      meta.sectors * units::kSectorSize < kRecordOffset + record::kSize) {
    return std::nullopt;
  }
  try {
    return record::decode(devices.read(meta.path, kRecordOffset, record::kSize));
  } catch (const PermissionError&) {
    throw;
  } catch (const CommandError&) {
    return std::nullopt;
  } catch (const std::invalid_argument& e) {
    rejected.push_back(meta.path + ": " + e.what());
    return std::nullopt;
  }
}

std::optional<sb::Uuid> parse_uuid(const std::string& text) {
  sb::Uuid uuid{};
  std::size_t n = 0;
  for (const char t : text) {
    if (t == '-') continue;
    const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(t)));
    const int digit = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
    if (digit < 0 || n >= 2 * uuid.size()) return std::nullopt;
    uuid.at(n / 2) = static_cast<std::uint8_t>(uuid.at(n / 2) << 4 | digit);
    ++n;
  }
  if (n != 2 * uuid.size()) return std::nullopt;
  return uuid;
}

// A member of an array without metadata, from its record: a superblock
// made up so that the assembly rules apply (the record's id for the UUID,
// its generation for the events).
std::optional<Candidate> record_candidate(const blk::BlockDevice& meta,
                                          std::optional<blk::BlockDevice> data,
                                          const record::Record& r) {
  const auto uuid = parse_uuid(r.id);
  if (!uuid || r.raid_params.empty()) return std::nullopt;
  sb::Superblock s;
  s.version = 1;
  s.uuid = *uuid;
  s.events = r.generation;
  s.raid_disks = static_cast<std::uint32_t>(r.members.size());
  s.member = r.member;
  const std::string_view chunk = r.raid_params[0];
  const auto [rest, ec] =
      std::from_chars(chunk.data(), chunk.data() + chunk.size(), s.chunk_sectors);
  if (ec != std::errc() || rest != chunk.data() + chunk.size()) return std::nullopt;
  s.data_sectors = r.data_sectors;
  s.array_sectors = r.length;
  return Candidate{meta, std::move(data), s, r, false};
}

bool same_geometry(const sb::Superblock& a, const sb::Superblock& b) {
  return a.level == b.level && a.layout == b.layout && a.chunk_sectors == b.chunk_sectors &&
         a.raid_disks == b.raid_disks && a.data_sectors == b.data_sectors;
}

// Why `c` cannot be member `role` of the array `fresh` describes, or "".
std::string unfit(const Candidate& c, const sb::Superblock& fresh) {
  const auto& s = c.sb;
  if (!same_geometry(s, fresh)) return "its superblock disagrees with the others on the geometry";
  if (fresh.member_failed(s.member)) {
    return "stale: the array marked it failed (events " + std::to_string(s.events) + ", array " +
           std::to_string(fresh.events) + ")";
  }
  if (s.events + 1 < fresh.events) {
    return "stale superblock (events " + std::to_string(s.events) + ", array " +
           std::to_string(fresh.events) + ")";
  }
  if (!c.data) {
    return "no data partition labelled " + std::string(kDataLabel) + name_of(c.meta) + " on " +
           c.meta.disk;
  }
  if (c.data->sectors < s.data_offset + s.data_sectors) {
    return c.data->path + " is smaller than the array's " +
           units::format_size(s.data_sectors * units::kSectorSize) + " per member";
  }
  return "";
}

Assembly assemble_one(std::vector<const Candidate*> cands) {
  std::sort(cands.begin(), cands.end(), [](const Candidate* a, const Candidate* b) {
    return a->sb.events != b->sb.events ? a->sb.events > b->sb.events : a->meta.name < b->meta.name;
  });
  Assembly a;
  a.freshest = cands.front()->sb;
  a.members.resize(a.freshest.raid_disks);
  std::map<std::string, unsigned> names;
  for (const Candidate* c : cands) {
    const std::string why = unfit(*c, a.freshest);
    auto& slot = a.members.at(std::min(c->sb.member, a.freshest.raid_disks - 1));
    if (!why.empty()) {
      a.left_out.push_back(c->meta.path + ": " + why);
      a.left_out_by_role.emplace(c->sb.member, c->meta.path);
    } else if (slot) {
      a.left_out.push_back(c->meta.path + ": conflicts with " + slot->meta.path + " as member " +
                           std::to_string(c->sb.member) + " (older superblock, events " +
                           std::to_string(c->sb.events) + ")");
    } else {
      slot = *c;
      ++names[name_of(c->meta)];
      a.metadata = c->metadata;
      if (c->record && (!a.record || c->record->generation > a.record->generation)) {
        a.record = c->record;
      }
      for (const auto* dev : {&c->meta, &*c->data}) {
        for (const auto& h : dev->holders) a.in_use.push_back(dev->path + " (held by " + h + ")");
      }
    }
  }
  const auto best = std::max_element(
      names.begin(), names.end(), [](const auto& x, const auto& y) { return x.second < y.second; });
  a.name = best != names.end() && !best->first.empty() ? best->first
                                                       : "p2praid-" + a.uuid().substr(0, 8);
  const auto named = std::find_if(a.members.begin(), a.members.end(),
                                  [&](const auto& m) { return m && name_of(m->meta) == a.name; });
  const auto why = name_problem(a.name);
  if (why && named != a.members.end()) {
    const auto& meta = (*named)->meta;
    const std::string disk = "/dev/" + meta.disk;
    a.unusable_name =
        meta.path + ": its label '" + text::escape(meta.label) + "' names the array '" +
        text::escape(a.name) + "', which is not a usable array name (" + *why +
        "); rename the partitions of every member, as 'sfdisk --part-label " + disk +
        " 1 p2praid-meta:NEWNAME' and 'sfdisk --part-label " + disk + " 2 p2praid-data:NEWNAME'";
  }
  return a;
}

// md's enough() for raid10 (dm-target rs_raid10_enough()): every window of
// `copies` members holding one chunk needs a member in service.
bool raid10_enough(const dm::RaidParams& p, std::size_t disks, const std::vector<bool>& down) {
  const std::size_t copies = p.raid10_copies.value_or(raid::kRaid10Copies);
  const std::size_t step = p.raid10_format.value_or("near") == "near" ? copies : 1;
  std::size_t first = 0;
  do {
    std::size_t up = 0;
    for (std::size_t n = 0; n < copies; ++n) up += down[(first + n) % disks] ? 0 : 1;
    if (up == 0) return false;
    first = (first + step) % disks;
  } while (first != 0);
  return true;
}

// Whether an array of `level` runs with the `down` members out of service
// (dm-target rs_check_redundancy()).
bool runs_with(const raid::Level& level, const dm::RaidTable& t, const std::vector<bool>& down) {
  const auto n = static_cast<std::size_t>(std::count(down.begin(), down.end(), true));
  switch (level.family) {
    case raid::Family::Linear:
    case raid::Family::Raid0:
      return n == 0;
    case raid::Family::Raid1:
      return n < down.size();
    case raid::Family::Raid10:
      return raid10_enough(dm::parse_raid_params(t.raid_params), down.size(), down);
    case raid::Family::Raid4:
    case raid::Family::Raid5:
      return n <= 1;
    case raid::Family::Raid6:
      return n <= 2;
  }
  return false;
}

std::string join_and(const std::vector<std::string>& items) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == items.size() ? " and " : ", ") + items[i];
  }
  return out;
}

}  // namespace

std::optional<std::string> name_problem(const std::string& name) {
  const bool chars_ok = std::all_of(name.begin(), name.end(), [](char c) {
    return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '.' || c == '_' || c == '-';
  });
  if (!name.empty() && name.size() <= kMaxNameLength && chars_ok && name[0] != '-') {
    return std::nullopt;
  }
  return "use 1 to " + std::to_string(kMaxNameLength) +
         " letters, digits, '.', '_' or '-', not starting with '-'";
}

void check_name(const std::string& name) {
  if (const auto why = name_problem(name)) {
    throw UsageError("array name '" + text::escape(name) + "': " + *why);
  }
}

MemberLayout layout_member(const std::string& name, const std::string& disk,
                           std::uint64_t disk_sectors, std::optional<std::uint64_t> data_bytes) {
  MemberLayout m;
  m.disk = disk;
  m.disk_path = "/dev/" + disk;
  m.meta = "/dev/" + blk::partition_name(disk, 1);
  m.data = "/dev/" + blk::partition_name(disk, 2);
  const std::uint64_t data_start = kFirstSector + kMetaSectors;
  const std::uint64_t room =
      disk_sectors > data_start + kGptBackupSectors
          ? (disk_sectors - data_start - kGptBackupSectors) / kAlignSectors * kAlignSectors
          : 0;
  m.data_sectors = data_bytes ? *data_bytes / units::kSectorSize : room;
  if (m.data_sectors == 0 || m.data_sectors > room) {
    throw CommandError(
        m.disk_path + ": too small for " +
        (data_bytes ? units::format_size(*data_bytes) + " of data" : std::string("any data")) +
        " after the 5 MiB of partition table and metadata (room for " +
        units::format_size(room * units::kSectorSize) +
        "); use a smaller --size or a larger drive");
  }
  m.script = "label: gpt\n" + partition_line(kFirstSector, kMetaSectors, kMetaLabel, name) +
             partition_line(data_start, m.data_sectors, kDataLabel, name);
  return m;
}

std::vector<Candidate> scan(const blk::Devices& devices, std::vector<std::string>& rejected,
                            const DeviceFilter& consider) {
  const auto all = devices.list();
  std::vector<Candidate> out;
  for (const auto& d : all) {
    if (d.sectors * units::kSectorSize < sb::size()) continue;
    if (consider && !consider(d)) continue;
    std::vector<std::uint8_t> bytes;
    try {
      bytes = devices.read(d.path, 0, sb::size());
    } catch (const PermissionError&) {
      throw;  // not root: every device would look empty
    } catch (const CommandError&) {
      continue;  // unreadable (an empty drive slot, a dead drive): not ours to judge
    }
    if (sb::classify(bytes) != sb::Kind::Ours) {
      const auto r = read_record(devices, d, rejected);
      if (r && !r->metadata) {
        if (auto c = record_candidate(d, data_of(all, d), *r)) out.push_back(std::move(*c));
      }
      continue;
    }
    try {
      Candidate c{d, data_of(all, d), sb::decode(bytes), std::nullopt, true};
      c.record = read_record(devices, d, rejected);
      out.push_back(std::move(c));
    } catch (const std::invalid_argument& e) {
      rejected.push_back(d.path + ": " + e.what());
    }
  }
  return out;
}

std::vector<Assembly> group(const std::vector<Candidate>& candidates) {
  std::map<sb::Uuid, std::vector<const Candidate*>> by_uuid;
  for (const auto& c : candidates) by_uuid[c.sb.uuid].push_back(&c);
  std::vector<Assembly> out;
  out.reserve(by_uuid.size());
  for (auto& [uuid, cands] : by_uuid) out.push_back(assemble_one(cands));
  std::sort(out.begin(), out.end(),
            [](const Assembly& x, const Assembly& y) { return x.name < y.name; });
  return out;
}

std::vector<unsigned> Assembly::missing() const {
  std::vector<unsigned> out;
  for (unsigned i = 0; i < members.size(); ++i) {
    if (!members[i]) out.push_back(i);
  }
  return out;
}

std::string Assembly::describe_missing(unsigned role) const {
  std::string text = "member " + std::to_string(role);
  std::vector<std::string> notes;
  if (record && role < record->members.size()) {
    const auto& m = record->members[role];
    if (!m.name.empty()) notes.push_back(m.name);
    if (!m.serial.empty()) notes.push_back("serial " + m.serial);
  }
  std::string note;
  for (const auto& n : notes) note += (note.empty() ? "" : ", ") + n;
  const auto it = left_out_by_role.find(role);
  if (it != left_out_by_role.end()) {
    note += (note.empty() ? "" : "; ") + it->second + " was left out";
  }
  return note.empty() ? text : text + " (" + note + ")";
}

dm::RaidTable make_table(const Assembly& a, const std::string& p2p_provider) {
  if (!a.metadata) {
    const auto& r = *a.record;
    dm::RaidTable t;
    t.length = r.length;
    t.raid_type = r.raid_type;
    t.raid_params = r.raid_params;
    t.raid_params.insert(t.raid_params.end(), {"p2p_provider", p2p_provider});
    for (const auto& m : a.members) {
      t.devices.push_back({"-", m ? m->data->path : "-"});
    }
    return t;
  }
  const auto& f = a.freshest;
  const auto words = sb::type_words(f.level, f.layout);
  if (!words) throw CommandError(a.name + ": the superblocks describe no raid-p2p type");
  dm::RaidTable t;
  t.length = f.array_sectors;
  t.raid_type = words->raid_type;
  t.raid_params.push_back(std::to_string(f.chunk_sectors));
  t.raid_params.insert(t.raid_params.end(), words->params.begin(), words->params.end());
  t.raid_params.insert(t.raid_params.end(), {"p2p_provider", p2p_provider});
  for (const auto& m : a.members) {
    t.devices.push_back(m ? dm::TableDevice{m->meta.path, m->data->path}
                          : dm::TableDevice{"-", "-"});
  }
  return t;
}

dm::RaidTable rebuild_table(const dm::RaidTable& live, std::size_t slot,
                            const dm::TableDevice& fresh) {
  dm::RaidTable t = live;
  t.raid_params.clear();
  const auto& words = live.raid_params;
  for (std::size_t i = 0; i < words.size(); ++i) {
    if (i > 0 && words[i] == "rebuild" && i + 1 < words.size()) {
      ++i;  // and its member index
    } else if (i == 0 ||
               (words[i] != "sync" && words[i] != "nosync" && words[i] != "start_dirty_degraded")) {
      t.raid_params.push_back(words[i]);
    }
  }
  t.raid_params.insert(t.raid_params.end(), {"rebuild", std::to_string(slot)});
  t.devices.at(slot) = fresh;
  return t;
}

void check_rebuild(const std::string& name, const dm::RaidTable& table, std::size_t slot,
                   const DownMembers& down) {
  const auto* level = raid::find_level(table.raid_type);
  if (level == nullptr) {
    throw CommandError(name + ": raid type '" + table.raid_type +
                       "' is unknown to p2praid-tool; replace the member with dmsetup");
  }
  if (!raid::is_redundant(*level)) {
    throw CommandError(name + ": " + table.raid_type +
                       " has no redundancy to rebuild a member from; copy the data to a new "
                       "array instead");
  }
  std::vector<bool> out(table.devices.size(), false);
  std::vector<std::string> why;
  for (std::size_t i = 0; i < table.devices.size(); ++i) {
    if (i == slot) continue;
    const auto it = down.find(i);
    if (table.devices[i].data == "-" || it != down.end()) {
      out[i] = true;
      why.push_back("member " + std::to_string(i) + " is " +
                    (it != down.end() ? it->second : std::string("missing")));
    }
  }
  out.at(slot) = true;
  if (runs_with(*level, table, out)) return;
  throw CommandError(name + ": " + table.raid_type + " cannot rebuild member " +
                     std::to_string(slot) + " while " + join_and(why) +
                     ": too few members would be left to rebuild from; bring back or replace " +
                     (why.size() == 1 ? "that member" : "those members") + " first");
}

std::string_view to_string(Condition condition) {
  switch (condition) {
    case Condition::Healthy:
      return "healthy";
    case Condition::Degraded:
      return "degraded";
    case Condition::Failed:
      return "failed";
  }
  return "unknown";
}

Condition condition(const dm::RaidTable& table, const status::RaidStatus& state) {
  const auto& health = state.members;
  // While some member is in sync, one that is not is being rebuilt and
  // holds no data yet; in the first resync no member is in sync, and every
  // alive one holds the data.
  const bool rebuilding = std::any_of(health.begin(), health.end(),
                                      [](status::Health h) { return h == status::Health::InSync; });
  std::vector<bool> out(health.size(), false);
  for (std::size_t i = 0; i < health.size(); ++i) {
    out[i] = health[i] == status::Health::Failed || health[i] == status::Health::Missing ||
             (rebuilding && health[i] == status::Health::Syncing);
  }
  const auto n = std::count(out.begin(), out.end(), true);
  if (n == 0) return Condition::Healthy;
  const auto* level = raid::find_level(table.raid_type);
  const bool runs = level != nullptr ? runs_with(*level, table, out)
                                     : n < static_cast<std::ptrdiff_t>(out.size());
  return runs ? Condition::Degraded : Condition::Failed;
}

}  // namespace p2praid::array
