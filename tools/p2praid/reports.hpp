// SPDX-License-Identifier: GPL-2.0-only
// Command results as reports: what each command shows, not how.
#pragma once

#include <optional>
#include <string_view>
#include <vector>

#include "p2praid/arrays.hpp"
#include "p2praid/dm_client.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/report.hpp"
#include "p2praid/status.hpp"
#include "p2praid/superblock.hpp"
#include "p2praid/topology.hpp"

namespace p2praid::reports {

// `all_functions`: every PCI function, not only those on the paths to NVMe
// controllers and P2P providers.
report::Report topology(const topo::Topology& topology, bool all_functions);

report::Report plan(const plan::Plan& plan);

// Only the table line (JSON: {"table": "..."}).
report::Report table(const plan::Plan& plan);

report::Report list(const std::vector<dm::Device>& devices);

report::Report stopped(const std::string& name);

// create: the array, each member's partitions and the table.
report::Report created(const std::string& name, const plan::Plan& plan,
                       const std::vector<array::MemberLayout>& layouts, const dm::RaidTable& table,
                       bool dry_run);

struct Assembled {
  const array::Assembly* array;
  std::string state;  // "assembled", "would assemble", "active as NAME", "refused"
};
report::Report assembled(const std::vector<Assembled>& arrays);

struct ArrayStatus {
  std::string name;
  dm::RaidTable table;
  status::RaidStatus status;
  std::vector<std::string> member_devices;  // data devices, by role
  array::Condition condition = array::Condition::Healthy;
};
report::Report array_status(const std::vector<ArrayStatus>& arrays);

report::Report replaced(const std::string& name, std::size_t slot,
                        const array::MemberLayout& layout, const dm::RaidTable& table,
                        bool dry_run);

report::Report sync_started(const std::string& name, const std::string& action);

// examine: one member's superblock.
report::Report examined(const std::string& device, const sb::Superblock& superblock);

// wipe: what was cleared on `device` (the superblock it held, if one).
report::Report wiped(const std::string& device, const std::optional<sb::Superblock>& superblock);

// The report-style commands, whose table -o FIELD,... selects columns of:
// topology (its NVMe namespaces), list and status (their arrays).
std::vector<std::string_view> report_commands();

// The columns of that table of `command`; none for other commands.
std::vector<report::Column> field_columns(std::string_view command);

}  // namespace p2praid::reports
