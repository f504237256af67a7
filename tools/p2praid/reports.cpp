// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/reports.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <map>
#include <set>
#include <stdexcept>

#include "p2praid/dm_table.hpp"
#include "p2praid/p2p.hpp"

namespace p2praid::reports {
namespace {

using report::Column;
using report::null;
using report::Unit;
using report::Value;

Value text(const std::string& s) {
  return s;
}
Value number(std::uint64_t n) {
  return n;
}
Value number(int n) {
  return static_cast<std::int64_t>(n);
}
Value bytes(std::uint64_t n) {
  return n;
}

template <typename T>
Value maybe(const std::optional<T>& v) {
  return report::optional_value(v);
}

std::string hex_class(std::uint32_t class_code) {
  std::array<char, 8> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), class_code, 16);
  (void)ec;
  std::string digits(buf.data(), end);
  return "0x" + std::string(6 - std::min<std::size_t>(6, digits.size()), '0') + digits;
}

// --- topology -----------------------------------------------------------

report::Record system_record(const topo::Topology& t) {
  return {"system",
          "System",
          {{{"sysfs_root", "sysfs"}, text(t.source)},
           {{"cpu", "CPU"}, text(t.cpu.description)},
           {{"cpu_supports_p2pdma", "CPU P2PDMA"}, t.cpu.supports_p2pdma}}};
}

report::Table host_bridge_table(const topo::Topology& t) {
  report::Table table{"host_bridges",
                      "Host bridges",
                      {{"name", "NAME"},
                       {"identity", "IDENTITY"},
                       {"id", "ID"},
                       {"whitelisted", "P2PDMA WHITELIST"}},
                      {},
                      {},
                      report::Audience::All};
  for (const auto& [name, hb] : t.host_bridges) {
    const auto* root = hb.identity ? t.function(*hb.identity) : nullptr;
    table.rows.push_back(
        {text(name), maybe(hb.identity),
         root != nullptr ? text(topo::vendor_device(root->vendor, root->device)) : null(),
         p2p::host_bridge_whitelisted(t, hb, true)});
  }
  return table;
}

// Functions on the way to NVMe controllers and providers, and the host
// bridges' identities.
std::set<std::string> relevant_functions(const topo::Topology& t) {
  std::set<std::string> keep;
  const auto add_chain = [&](const std::string& bdf) {
    for (const auto* f : t.chain(bdf)) keep.insert(f->bdf);
  };
  for (const auto& c : t.controllers) {
    if (c.pci) add_chain(*c.pci);
  }
  for (const auto* p : t.providers()) add_chain(p->bdf);
  for (const auto& [name, hb] : t.host_bridges) {
    if (hb.identity) keep.insert(*hb.identity);
  }
  return keep;
}

void add_pci_rows(const topo::Topology& t, const std::string& bdf, int depth,
                  const std::set<std::string>& keep, report::Table& table) {
  const auto* f = t.function(bdf);
  if (f == nullptr || !keep.contains(bdf)) return;
  const auto* ctrl = t.controller_at(bdf);
  table.rows.push_back(
      {text(bdf), text(std::string(topo::to_string(f->kind))),
       text(topo::vendor_device(f->vendor, f->device)), text(hex_class(f->class_code)),
       text(std::string(topo::to_string(f->acs))), ctrl != nullptr ? text(ctrl->name) : null(),
       f->p2pmem ? bytes(f->p2pmem->size) : null(), maybe(f->upstream), text(f->host_bridge)});
  table.depth.push_back(depth);
  for (const auto& child : f->children) add_pci_rows(t, child, depth + 1, keep, table);
}

report::Table pci_table(const topo::Topology& t, bool all_functions) {
  report::Table table{"pci",
                      "PCI tree",
                      {{"bdf", "BDF"},
                       {"kind", "KIND"},
                       {"id", "ID"},
                       {"class", "CLASS"},
                       {"acs", "ACS"},
                       {"nvme", "NVME"},
                       {"p2pmem_size", "P2PMEM", Unit::Bytes},
                       {"upstream", "UPSTREAM", Unit::None, true},
                       {"host_bridge", "HOST BRIDGE", Unit::None, true}},
                      {},
                      {},
                      report::Audience::All};
  std::set<std::string> keep = relevant_functions(t);
  if (all_functions) {
    for (const auto& [bdf, f] : t.functions) keep.insert(bdf);
  }
  for (const auto& [name, hb] : t.host_bridges) {
    for (const auto& bdf : hb.root_bus) add_pci_rows(t, bdf, 0, keep, table);
  }
  return table;
}

report::Table controller_table(const topo::Topology& t) {
  report::Table table{"controllers",
                      "NVMe controllers",
                      {{"name", "NAME"},
                       {"pci", "PCI"},
                       {"model", "MODEL"},
                       {"serial", "SERIAL"},
                       {"firmware_rev", "FIRMWARE"},
                       {"attachment", "ATTACHED TO"},
                       {"namespaces", "NAMESPACES"}},
                      {},
                      {},
                      report::Audience::All};
  for (const auto& c : t.controllers) {
    table.rows.push_back({text(c.name), maybe(c.pci), text(c.model), text(c.serial),
                          text(c.firmware_rev), c.pci ? text(t.attachment(*c.pci)) : null(),
                          report::Strings(c.namespaces)});
  }
  return table;
}

report::Table namespace_table(const topo::Topology& t) {
  report::Table table{"namespaces",
                      "NVMe namespaces",
                      {{"name", "NAME"},
                       {"device", "DEVICE"},
                       {"devnum", "MAJ:MIN"},
                       {"size", "SIZE", Unit::Bytes},
                       {"controller", "CONTROLLER"},
                       {"model", "MODEL"},
                       {"serial", "SERIAL"}},
                      {},
                      {},
                      report::Audience::All};
  for (const auto& ns : t.namespaces) {
    const auto* c = t.controller(ns.controller());
    table.rows.push_back({text(ns.name), text("/dev/" + ns.name), text(ns.devnum),
                          bytes(ns.bytes()), text(ns.controller()),
                          c != nullptr ? text(c->model) : null(),
                          c != nullptr ? text(c->serial) : null()});
  }
  return table;
}

report::Table provider_table(const topo::Topology& t) {
  report::Table table{"providers",
                      "P2P providers",
                      {{"pci", "PCI"},
                       {"controller", "CONTROLLER"},
                       {"size", "SIZE", Unit::Bytes},
                       {"available", "AVAILABLE", Unit::Bytes},
                       {"published", "PUBLISHED"},
                       {"attachment", "ATTACHED TO"}},
                      {},
                      {},
                      report::Audience::All};
  for (const auto* p : t.providers()) {
    const auto* c = t.controller_at(p->bdf);
    table.rows.push_back({text(p->bdf), c != nullptr ? text(c->name) : null(),
                          bytes(p->p2pmem->size), bytes(p->p2pmem->available), p->p2pmem->published,
                          text(t.attachment(p->bdf))});
  }
  return table;
}

std::vector<const topo::Controller*> pci_controllers(const topo::Topology& t) {
  std::vector<const topo::Controller*> out;
  for (const auto& c : t.controllers) {
    if (c.pci) out.push_back(&c);
  }
  return out;
}

report::Table matrix_table(const topo::Topology& t) {
  report::Table table;
  table.key = "p2p_matrix";
  table.title = "P2P distance, provider x controller (- = unreachable)";
  table.columns.push_back({"provider", "PROVIDER"});
  const auto ctrls = pci_controllers(t);
  for (const auto* c : ctrls) table.columns.push_back({c->name, c->name});
  for (const auto* p : t.providers()) {
    std::vector<Value> row{text(p->bdf)};
    for (const auto* c : ctrls) {
      const auto d = p2p::calc_map_type_and_dist(t, p->bdf, *c->pci).p2p_distance();
      row.push_back(d ? number(*d) : null());
    }
    table.rows.push_back(std::move(row));
  }
  return table;
}

report::Table paths_table(const topo::Topology& t) {
  report::Table table{"p2p_paths",
                      "P2P paths",
                      {{"provider", "PROVIDER"},
                       {"controller", "CONTROLLER"},
                       {"client", "CLIENT"},
                       {"map_type", "MAP TYPE"},
                       {"distance", "DISTANCE"},
                       {"reachable", "REACHABLE"},
                       {"reason", "REASON"}},
                      {},
                      {},
                      report::Audience::VerboseText};
  for (const auto* p : t.providers()) {
    for (const auto* c : pci_controllers(t)) {
      const auto path = p2p::calc_map_type_and_dist(t, p->bdf, *c->pci);
      table.rows.push_back({text(p->bdf), text(c->name), text(*c->pci),
                            text(std::string(p2p::to_string(path.map_type))),
                            maybe(path.p2p_distance()), path.reachable(), text(path.reason)});
    }
  }
  return table;
}

// Text only: per provider, the unreachable controllers grouped by reason.
report::Notes unreachable_notes(const topo::Topology& t) {
  report::Notes notes{"unreachable", "Unreachable pairs", {}, report::Audience::TextOnly};
  for (const auto* p : t.providers()) {
    std::vector<std::pair<std::string, std::string>> by_reason;  // reason, controllers
    for (const auto* c : pci_controllers(t)) {
      const auto path = p2p::calc_map_type_and_dist(t, p->bdf, *c->pci);
      if (path.reachable()) continue;
      auto it = std::find_if(by_reason.begin(), by_reason.end(),
                             [&](const auto& e) { return e.first == path.reason; });
      if (it == by_reason.end()) {
        by_reason.emplace_back(path.reason, c->name);
      } else {
        it->second.append(", ").append(c->name);
      }
    }
    for (const auto& [reason, ctrls] : by_reason) {
      std::string line = p->bdf;
      line.append(" -> ").append(ctrls).append(": ").append(reason);
      notes.lines.push_back(std::move(line));
    }
  }
  return notes;
}

// --- plan ---------------------------------------------------------------

report::Record array_record(const plan::Plan& p) {
  return {"array",
          "Array",
          {{{"raid_type", "RAID type"}, text(std::string(p.level->name))},
           {{"description", "layout"}, text(std::string(p.level->description))},
           {{"policy", "policy"}, text(std::string(plan::to_string(p.policy)))},
           {{"members", "members"}, number(static_cast<std::uint64_t>(p.members.size()))},
           {{"chunk_size", "chunk size", Unit::Bytes},
            p.chunk_sectors != 0 ? bytes(p.chunk_sectors * units::kSectorSize) : null()},
           {{"size", "usable size", Unit::Bytes}, bytes(p.length_sectors * units::kSectorSize)},
           {{"length_sectors", "length (sectors)"}, number(p.length_sectors)},
           {{"p2p_provider", "P2P provider"}, text(p.provider.bdf.value_or("none"))}}};
}

report::Table member_table(const plan::Plan& p) {
  report::Table table{"members",
                      "Members",
                      {{"index", "#"},
                       {"device", "DEVICE"},
                       {"name", "NAME"},
                       {"controller", "CONTROLLER"},
                       {"pci", "PCI"},
                       {"attachment", "ATTACHED TO"},
                       {"size", "SIZE", Unit::Bytes},
                       {"role", "ROLE"},
                       {"provider_distance", "P2P DIST"}},
                      {},
                      {},
                      report::Audience::All};
  for (std::size_t i = 0; i < p.members.size(); ++i) {
    const auto& m = p.members[i];
    table.rows.push_back({number(static_cast<std::uint64_t>(i)), text(m.device), text(m.name),
                          text(m.controller), maybe(m.pci), text(m.attachment),
                          bytes(m.sectors * units::kSectorSize), text(m.role),
                          maybe(m.provider_distance)});
  }
  return table;
}

report::Record provider_record(const plan::Plan& p) {
  const auto& pr = p.provider;
  return {"provider",
          "P2P provider",
          {{{"pci", "PCI"}, maybe(pr.bdf)},
           {{"controller", "controller"}, maybe(pr.controller)},
           {{"size", "size", Unit::Bytes}, pr.bdf ? bytes(pr.size) : null()},
           {{"available", "available", Unit::Bytes}, pr.bdf ? bytes(pr.available) : null()},
           {{"required", "needed", Unit::Bytes}, bytes(pr.required)},
           {{"total_distance", "total distance"}, maybe(pr.total_distance)}}};
}

report::Text table_text(const plan::Plan& p, const std::string& title) {
  return {"table", title, dm::format_table(p.table), report::Audience::All};
}

}  // namespace

report::Report topology(const topo::Topology& t, bool all_functions) {
  report::Report r;
  r.sections.emplace_back(system_record(t));
  r.sections.emplace_back(host_bridge_table(t));
  r.sections.emplace_back(pci_table(t, all_functions));
  r.sections.emplace_back(controller_table(t));
  r.sections.emplace_back(namespace_table(t));
  r.sections.emplace_back(provider_table(t));
  r.sections.emplace_back(matrix_table(t));
  r.sections.emplace_back(paths_table(t));
  r.sections.emplace_back(unreachable_notes(t));
  r.sections.emplace_back(
      report::Notes{"warnings", "Warnings", t.warnings, report::Audience::JsonOnly});
  r.fields_table = "namespaces";
  return r;
}

report::Report plan(const plan::Plan& p) {
  report::Report r;
  r.sections.emplace_back(array_record(p));
  r.sections.emplace_back(member_table(p));
  r.sections.emplace_back(provider_record(p));
  r.sections.emplace_back(report::Notes{"reasons", "Why", p.reasons, report::Audience::All});
  r.sections.emplace_back(
      report::Notes{"warnings", "Warnings", p.warnings, report::Audience::JsonOnly});
  r.sections.emplace_back(table_text(p, "Table"));
  return r;
}

report::Report table(const plan::Plan& p) {
  report::Report r;
  r.sections.emplace_back(table_text(p, ""));
  r.sections.emplace_back(
      report::Notes{"warnings", "Warnings", p.warnings, report::Audience::JsonOnly});
  return r;
}

report::Report list(const std::vector<dm::Device>& devices) {
  report::Table table{"arrays",
                      "raid-p2p arrays",
                      {{"name", "NAME"},
                       {"uuid", "UUID"},
                       {"devnum", "MAJ:MIN"},
                       {"size", "SIZE", Unit::Bytes},
                       {"raid_type", "RAID TYPE"},
                       {"members", "MEMBERS"},
                       {"p2p_provider", "P2P PROVIDER"},
                       {"table", "TABLE", Unit::None, true}},
                      {},
                      {},
                      report::Audience::All};
  for (const auto& d : devices) {
    std::uint64_t sectors = 0;
    for (const auto& tg : d.targets) sectors += tg.length;
    Value raid_type = null();
    Value members = null();
    Value provider = null();
    std::string line;
    for (const auto& tg : d.targets) {
      if (tg.type != dm::kTargetType) continue;
      try {
        const auto parsed = dm::parse_target(tg.start, tg.length, tg.type, tg.params);
        raid_type = text(parsed.raid_type);
        members = number(static_cast<std::uint64_t>(parsed.devices.size()));
        provider = maybe(dm::parse_raid_params(parsed.raid_params).p2p_provider);
        line = dm::format_table(parsed);
      } catch (const std::invalid_argument&) {
        line = std::to_string(tg.start) + " " + std::to_string(tg.length) + " " + tg.type + " " +
               tg.params;
      }
      break;
    }
    table.rows.push_back(
        {text(d.name), text(d.uuid), text(std::to_string(d.major) + ":" + std::to_string(d.minor)),
         bytes(sectors * units::kSectorSize), raid_type, members, provider, text(line)});
  }
  return report::Report{{table}, "arrays"};
}

report::Report stopped(const std::string& name) {
  report::Report r;
  r.sections.emplace_back(
      report::Record{"stopped", "", {{{"name", "name"}, text(name)}}, report::Audience::JsonOnly});
  r.sections.emplace_back(
      report::Notes{"stopped", "", {"stopped " + name}, report::Audience::TextOnly});
  return r;
}

}  // namespace p2praid::reports

namespace p2praid::reports {
namespace {

using report::Column;
using report::null;
using report::Unit;
using report::Value;

Value count(std::size_t n) {
  return static_cast<std::uint64_t>(n);
}

report::Notes dry_run_note() {
  return {"dry_run", "", {"dry run: nothing was written"}, report::Audience::TextOnly};
}

report::Text table_line(const dm::RaidTable& table) {
  return {"table", "Table", dm::format_table(table), report::Audience::All};
}

std::string health_chars(const status::RaidStatus& s) {
  std::string out;
  for (const auto h : s.members) {
    out += h == status::Health::InSync    ? 'A'
           : h == status::Health::Syncing ? 'a'
           : h == status::Health::Failed  ? 'D'
                                          : '-';
  }
  return out;
}

std::string percent(const status::RaidStatus& s) {
  const auto tenths = static_cast<std::uint64_t>(s.sync_percent() * 10.0);
  return std::to_string(tenths / 10) + "." + std::to_string(tenths % 10) + "%";
}

}  // namespace

report::Report created(const std::string& name, const plan::Plan& plan,
                       const std::vector<array::MemberLayout>& layouts, const dm::RaidTable& table,
                       bool dry_run) {
  report::Report r;
  r.sections.emplace_back(
      report::Record{"array",
                     dry_run ? "Array (dry run)" : "Array",
                     {{{"name", "name"}, name},
                      {{"raid_type", "RAID type"}, std::string(plan.level->name)},
                      {{"members", "members"}, count(layouts.size())},
                      {{"size", "usable size", Unit::Bytes}, table.length * units::kSectorSize},
                      {{"p2p_provider", "P2P provider"}, plan.provider.bdf.value_or("none")},
                      {{"dry_run", "dry run"}, dry_run}}});
  report::Table members{"members",
                        "Members",
                        {{"index", "#"},
                         {"disk", "DISK"},
                         {"meta", "METADATA"},
                         {"data", "DATA"},
                         {"data_size", "DATA SIZE", Unit::Bytes}},
                        {},
                        {},
                        report::Audience::All};
  for (std::size_t i = 0; i < layouts.size(); ++i) {
    const auto& l = layouts[i];
    members.rows.push_back(
        {count(i), l.disk_path, l.meta, l.data, l.data_sectors * units::kSectorSize});
  }
  r.sections.emplace_back(std::move(members));
  r.sections.emplace_back(
      report::Notes{"reasons", "Why", plan.reasons, report::Audience::VerboseText});
  r.sections.emplace_back(table_line(table));
  if (dry_run) r.sections.emplace_back(dry_run_note());
  return r;
}

report::Report assembled(const std::vector<Assembled>& arrays) {
  report::Table table{"arrays",
                      "raid-p2p arrays found",
                      {{"name", "NAME"},
                       {"uuid", "UUID"},
                       {"raid_type", "RAID TYPE"},
                       {"members", "MEMBERS"},
                       {"missing", "MISSING"},
                       {"events", "EVENTS"},
                       {"state", "STATE"},
                       {"left_out", "LEFT OUT", Unit::None, true},
                       {"table", "TABLE", Unit::None, true}},
                      {},
                      {},
                      report::Audience::All};
  report::Notes left{"notes", "Left out", {}, report::Audience::TextOnly};
  for (const auto& [a, state] : arrays) {
    const auto type =
        a->metadata ? sb::type_words(a->freshest.level, a->freshest.layout) : std::nullopt;
    report::Strings missing;
    report::Strings devices;
    for (std::size_t i = 0; i < a->members.size(); ++i) {
      if (a->members[i]) {
        devices.push_back(a->members[i]->data ? a->members[i]->data->path : "-");
      } else {
        missing.push_back(a->describe_missing(static_cast<unsigned>(i)));
      }
    }
    for (const auto& why : a->left_out) left.lines.push_back(a->name + ": " + why);
    const auto raid_type = type        ? Value(type->raid_type)
                           : a->record ? Value(a->record->raid_type)
                                       : null();
    table.rows.push_back({a->name, a->uuid(), raid_type, report::Strings(devices),
                          report::Strings(missing), a->freshest.events, state,
                          report::Strings(a->left_out),
                          dm::format_table(array::make_table(*a, "auto"))});
  }
  report::Report r;
  r.sections.emplace_back(std::move(table));
  r.sections.emplace_back(std::move(left));
  return r;
}

report::Report array_status(const std::vector<ArrayStatus>& arrays) {
  report::Table summary{"arrays",
                        "raid-p2p arrays",
                        {{"name", "NAME"},
                         {"raid_type", "RAID TYPE"},
                         {"state", "STATE"},
                         {"health", "HEALTH"},
                         {"sync", "SYNC"},
                         {"sync_done", "DONE", Unit::None, true},
                         {"sync_total", "TOTAL", Unit::None, true},
                         {"sync_action", "ACTION"},
                         {"mismatches", "MISMATCHES"},
                         {"events", "EVENTS"},
                         {"p2p_provider", "P2P PROVIDER"}},
                        {},
                        {},
                        report::Audience::All};
  report::Table members{
      "members",
      "Members",
      {{"array", "ARRAY"}, {"index", "#"}, {"device", "DEVICE"}, {"health", "HEALTH"}},
      {},
      {},
      report::Audience::All};
  report::Table counters{"p2p_counters",
                         "P2P counters",
                         {{"array", "ARRAY"}, {"counter", "COUNTER"}, {"value", "VALUE"}},
                         {},
                         {},
                         report::Audience::All};
  for (const auto& a : arrays) {
    const auto& s = a.status;
    summary.rows.push_back({a.name, s.raid_type, std::string(array::to_string(a.condition)),
                            health_chars(s), percent(s), s.sync_done, s.sync_total, s.sync_action,
                            s.mismatches, s.events, s.p2p_provider});
    for (std::size_t i = 0; i < s.members.size(); ++i) {
      members.rows.push_back({a.name, count(i),
                              i < a.member_devices.size() ? Value(a.member_devices[i]) : null(),
                              std::string(status::to_string(s.members[i]))});
    }
    for (const auto& [counter, value] : s.p2p_counters) {
      counters.rows.push_back({a.name, counter, value});
    }
  }
  report::Report r;
  r.sections.emplace_back(std::move(summary));
  r.sections.emplace_back(std::move(members));
  r.sections.emplace_back(std::move(counters));
  r.fields_table = "arrays";
  return r;
}

report::Report examined(const std::string& device, const sb::Superblock& s) {
  const auto type = sb::type_words(s.level, s.layout);
  report::Strings failed;
  for (unsigned i = 0; i < s.raid_disks; ++i) {
    if (s.member_failed(i)) failed.push_back(std::to_string(i));
  }
  const auto sectors = [](std::uint64_t n) { return Value(n * units::kSectorSize); };
  report::Report r;
  r.sections.emplace_back(report::Record{
      "superblock",
      "raid-p2p superblock",
      {{{"device", "device"}, device},
       {{"version", "format version"}, static_cast<std::uint64_t>(s.version)},
       {{"array_uuid", "array UUID"}, sb::uuid_string(s.uuid)},
       {{"raid_type", "RAID type"}, type ? Value(type->raid_type) : null()},
       {{"level", "md level"}, static_cast<std::int64_t>(s.level)},
       {{"layout", "md layout"}, static_cast<std::uint64_t>(s.layout)},
       {{"chunk_size", "chunk size", Unit::Bytes},
        s.chunk_sectors != 0 ? sectors(s.chunk_sectors) : null()},
       {{"raid_disks", "members"}, static_cast<std::uint64_t>(s.raid_disks)},
       {{"member", "this member"}, static_cast<std::uint64_t>(s.member)},
       {{"events", "events"}, s.events},
       {{"ctime", "created (s since 1970)"}, s.ctime},
       {{"utime", "updated (s since 1970)"}, s.utime},
       {{"flags", "flags"}, static_cast<std::uint64_t>(s.flags)},
       {{"dirty", "dirty"}, s.dirty()},
       {{"failed", "failed members"}, failed},
       {{"data_offset", "data offset", Unit::Bytes}, sectors(s.data_offset)},
       {{"data_size", "data per member", Unit::Bytes}, sectors(s.data_sectors)},
       {{"array_size", "array size", Unit::Bytes}, sectors(s.array_sectors)},
       {{"resync_offset", "resync offset (sectors)"}, s.resync_offset},
       {{"recovery_offset", "recovery offset (sectors)"}, s.recovery_offset},
       {{"region_size", "bitmap region", Unit::Bytes}, sectors(s.region_sectors)},
       {{"bitmap_offset", "bitmap offset (sectors)"}, static_cast<std::uint64_t>(s.bitmap_offset)}},
      report::Audience::All});
  return r;
}

report::Report wiped(const std::string& device, const std::optional<sb::Superblock>& s) {
  report::Report r;
  r.sections.emplace_back(report::Record{
      "wiped",
      "",
      {{{"device", "device"}, device},
       {{"array_uuid", "array UUID"}, s ? Value(sb::uuid_string(s->uuid)) : null()},
       {{"member", "member"}, s ? Value(static_cast<std::uint64_t>(s->member)) : null()}},
      report::Audience::JsonOnly});
  r.sections.emplace_back(
      report::Notes{"wiped",
                    "",
                    {s ? "wiped the raid-p2p superblock of member " + std::to_string(s->member) +
                             " of array " + sb::uuid_string(s->uuid) + " on " + device
                       : "wiped the first 4 KiB of " + device},
                    report::Audience::TextOnly});
  return r;
}

std::vector<std::string_view> report_commands() {
  return {"topology", "list", "status"};
}

std::vector<report::Column> field_columns(std::string_view command) {
  report::Report r;
  if (command == "topology") r = topology(topo::Topology{}, false);
  if (command == "list") r = list({});
  if (command == "status") r = array_status({});
  for (const auto& section : r.sections) {
    const auto* t = std::get_if<report::Table>(&section);
    if (t != nullptr && t->key == r.fields_table) return t->columns;
  }
  return {};
}

report::Report replaced(const std::string& name, std::size_t slot,
                        const array::MemberLayout& layout, const dm::RaidTable& table,
                        bool dry_run) {
  report::Report r;
  r.sections.emplace_back(report::Record{"replaced",
                                         dry_run ? "Replace (dry run)" : "Replaced",
                                         {{{"name", "array"}, name},
                                          {{"index", "member"}, count(slot)},
                                          {{"meta", "metadata"}, layout.meta},
                                          {{"data", "data"}, layout.data},
                                          {{"dry_run", "dry run"}, dry_run}}});
  r.sections.emplace_back(table_line(table));
  r.sections.emplace_back(report::Notes{"next",
                                        "",
                                        {"'p2praid-tool status " + name + "' shows the rebuild"},
                                        report::Audience::TextOnly});
  return r;
}

report::Report sync_started(const std::string& name, const std::string& action) {
  report::Report r;
  r.sections.emplace_back(report::Record{"started",
                                         "",
                                         {{{"name", "name"}, name}, {{"action", "action"}, action}},
                                         report::Audience::JsonOnly});
  r.sections.emplace_back(
      report::Notes{"started",
                    "",
                    {"started " + action + " on " + name + "; 'p2praid-tool status " + name +
                     "' shows progress and mismatches"},
                    report::Audience::TextOnly});
  return r;
}

}  // namespace p2praid::reports
