// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/monitor.hpp"

#include <algorithm>
#include <tuple>

#include "p2praid/p2p.hpp"

namespace p2praid::monitor {

std::string Event::line() const {
  std::string out = kind + " " + array;
  if (!member.empty()) out.append(" ").append(member);
  if (!detail.empty()) out.append(": ").append(detail);
  return out;
}

namespace {

bool syncing(const std::string& action) {
  return action == "resync" || action == "recover" || action == "reshape";
}

std::string member_name(const ArrayState& a, std::size_t i) {
  return i < a.members.size() ? a.members[i] : "member " + std::to_string(i);
}

std::string condition_words(array::Condition c) {
  return c == array::Condition::Failed ? "failed: too many members out of service"
                                       : "degraded: a member is out of service";
}

void array_changes(const ArrayState& was, const ArrayState& is, std::vector<Event>& out) {
  const auto n = std::min(was.health.size(), is.health.size());
  for (std::size_t i = 0; i < n; ++i) {
    const auto old_h = was.health[i];
    const auto new_h = is.health[i];
    const bool was_up = old_h == status::Health::InSync || old_h == status::Health::Syncing;
    const bool is_down = new_h == status::Health::Failed || new_h == status::Health::Missing;
    if (was_up && is_down) {
      out.push_back({"Fail", is.name, member_name(is, i),
                     "member " + std::to_string(i) + " " + std::string(status::to_string(new_h))});
    }
    if (old_h == status::Health::Syncing && new_h == status::Health::InSync) {
      out.push_back({"SpareActive", is.name, member_name(is, i),
                     "member " + std::to_string(i) + " is in sync"});
    }
  }
  if (!syncing(was.sync_action) && syncing(is.sync_action)) {
    out.push_back({"RebuildStarted", is.name, "", is.sync_action});
  }
  if (syncing(was.sync_action) && !syncing(is.sync_action)) {
    out.push_back({"RebuildFinished", is.name, "", was.sync_action + " ended"});
  }
}

}  // namespace

std::vector<Event> changes(const Snapshot& before, const Snapshot& now, bool first) {
  std::vector<Event> out;
  for (const auto& [name, was] : before) {
    if (!now.contains(name)) out.push_back({"DeviceDisappeared", name, "", "the array is gone"});
  }
  for (const auto& [name, is] : now) {
    const auto it = before.find(name);
    if (it == before.end()) {
      if (!first) out.push_back({"NewArray", name, "", ""});
      if (is.condition != array::Condition::Healthy) {
        out.push_back({"DegradedArray", name, "", condition_words(is.condition)});
      }
      continue;
    }
    array_changes(it->second, is, out);
  }
  return out;
}

namespace {

bool short_of_spares(const SpareCount& c) {
  return c.available < c.wanted;
}

// "has 1 of the 2 spares its ARRAY line asks for (spare-group pool0)".
std::string shortfall_words(const SpareCount& c) {
  return "has " + std::to_string(c.available) + " of the " + std::to_string(c.wanted) +
         (c.wanted == 1 ? " spare" : " spares") + " its ARRAY line asks for (" + c.pool + ")";
}

}  // namespace

std::vector<Event> spare_shortfalls(const SpareCounts& before, const SpareCounts& now) {
  std::vector<Event> out;
  for (const auto& [name, is] : now) {
    if (!short_of_spares(is)) continue;
    const auto it = before.find(name);
    if (it != before.end() && short_of_spares(it->second)) continue;  // reported already
    out.push_back({"SparesMissing", name, "", shortfall_words(is)});
  }
  return out;
}

std::vector<std::size_t> failed_members(const ArrayState& array) {
  std::vector<std::size_t> out;
  for (std::size_t i = 0; i < array.health.size(); ++i) {
    const auto h = array.health[i];
    if (h == status::Health::Failed || h == status::Health::Missing) out.push_back(i);
  }
  return out;
}

namespace {

std::optional<std::string> pci_of(const topo::Topology& t, const std::string& disk) {
  const auto* ns = t.find_namespace(disk);
  if (ns == nullptr) return std::nullopt;
  const auto* c = t.controller(ns->controller());
  return c != nullptr ? c->pci : std::nullopt;
}

}  // namespace

std::vector<Candidate> rank_spares(const topo::Topology& topology,
                                   const std::vector<std::string>& member_disks,
                                   const std::vector<std::string>& disks) {
  std::vector<Candidate> out;
  for (const auto& disk : disks) {
    Candidate c{disk, 0};
    const auto spare = pci_of(topology, disk);
    for (const auto& m : member_disks) {
      const auto member = pci_of(topology, m);
      std::optional<int> d;
      if (spare && member)
        d = p2p::calc_map_type_and_dist(topology, *member, *spare).p2p_distance();
      c.distance += d.value_or(kUnreachable);
    }
    out.push_back(std::move(c));
  }
  std::sort(out.begin(), out.end(), [](const Candidate& a, const Candidate& b) {
    if (a.distance != b.distance) return a.distance < b.distance;
    return topo::natural_less(a.disk, b.disk);
  });
  return out;
}

}  // namespace p2praid::monitor
