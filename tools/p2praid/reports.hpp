// Command results as reports: what each command shows, not how.
#pragma once

#include <vector>

#include "p2praid/dm_client.hpp"
#include "p2praid/planner.hpp"
#include "p2praid/report.hpp"
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

}  // namespace p2praid::reports
