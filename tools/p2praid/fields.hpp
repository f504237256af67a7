// SPDX-License-Identifier: GPL-2.0-only
// lvm's report fields (-o FIELD,...): which columns of a report-style
// command's table to show, and the report with only those.
#pragma once

#include <string>
#include <vector>

#include "p2praid/report.hpp"

namespace p2praid::fields {

// The keys of the columns `spec` names, in its order: "a,b" those fields,
// "+a,b" the default columns (those text shows) and then a and b. Throws
// UsageError naming `command` and its fields for an unknown or empty one.
std::vector<std::string> resolve(const std::string& spec,
                                 const std::vector<report::Column>& columns,
                                 const std::string& command);

// The report's fields table (Report::fields_table) alone, with the columns
// `keys` in that order, all of them shown in text too. A report without a
// fields table is returned as it is.
report::Report select(const report::Report& report, const std::vector<std::string>& keys);

}  // namespace p2praid::fields
