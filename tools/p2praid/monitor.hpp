// SPDX-License-Identifier: GPL-2.0-only
// What `p2praid-tool monitor` sees change between two looks at the running
// arrays, as the events mdadm --monitor reports, and which spare it takes
// for a failed member.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "p2praid/arrays.hpp"
#include "p2praid/status.hpp"
#include "p2praid/topology.hpp"

namespace p2praid::monitor {

// One array as one look found it.
struct ArrayState {
  std::string name;
  std::vector<std::string> members;  // member devices, as status names them
  std::vector<status::Health> health;
  std::string sync_action;
  array::Condition condition = array::Condition::Healthy;
};

// By device-mapper name.
using Snapshot = std::map<std::string, ArrayState>;

// mdadm --monitor's event names, and MoveSpare for a spare put in.
struct Event {
  std::string kind;    // NewArray, DeviceDisappeared, DegradedArray, Fail,
                       // RebuildStarted, RebuildFinished, SpareActive,
                       // MoveSpare, SparesMissing
  std::string array;   // its device-mapper name
  std::string member;  // the member device, or ""
  std::string detail;  // a few words for people, or ""

  // "Fail r1 /dev/nvme1n1p2: member 1 failed".
  std::string line() const;
};

// The events between two looks; `first`: `before` is empty because this is
// the first look (arrays found then are reported only if degraded, as
// DegradedArray, not as NewArray).
std::vector<Event> changes(const Snapshot& before, const Snapshot& now, bool first);

// An array whose ARRAY line says spares=N (N > 0), as one look found it.
struct SpareCount {
  unsigned wanted = 0;     // N
  unsigned available = 0;  // the spares that allocate could put in for it now
  std::string pool;        // where they were counted, for people: "spare-group pool0"
};

// By device-mapper name.
using SpareCounts = std::map<std::string, SpareCount>;

// SparesMissing for every array of `now` with fewer spares available than
// it wants, unless `before` (the look before) found it short already: once
// when a shortfall is first seen (an array that `before` does not have: at
// the first look, or one that appeared), and again only after the count
// has recovered and dropped again.
std::vector<Event> spare_shortfalls(const SpareCounts& before, const SpareCounts& now);

// Members out of service (failed or missing), by index.
std::vector<std::size_t> failed_members(const ArrayState& array);

// A spare drive that allocate may take, and its P2P distance to the
// members in service.
struct Candidate {
  std::string disk;  // "nvme3n1"
  // The sum over the members in service of the P2P distance between the
  // candidate's NVMe function and the member's (pci_p2pdma_distance()),
  // with kUnreachable for a pair that P2P DMA cannot join.
  int distance = 0;
};

inline constexpr int kUnreachable = 1000;

// The candidates `disks` (kernel names of whole namespaces) ranked for an
// array whose in-service members are on `member_disks`: nearest first,
// then by name.
std::vector<Candidate> rank_spares(const topo::Topology& topology,
                                   const std::vector<std::string>& member_disks,
                                   const std::vector<std::string>& disks);

}  // namespace p2praid::monitor
