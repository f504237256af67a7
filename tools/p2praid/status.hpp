// SPDX-License-Identifier: GPL-2.0-only
// The raid-p2p target's INFO status line (dmsetup status), parsed.
//
//   <raid_type> <#devs> <health_chars> <sync_ratio> <sync_action>
//   <mismatch_cnt> <data_offset> <journal_char> <events> <#p2p_fields>
//   <p2p_provider> [<p2p counter>...]
//
// <#p2p_fields> counts the fields after it, the provider included, so that
// newer targets can add counters: the parser takes any count of at least 1,
// names the counters it knows and keeps the others unnamed.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace p2praid::status {

// Health of a member, from its health character.
enum class Health {
  InSync,   // 'A'
  Syncing,  // 'a': alive, not in sync (resyncing or rebuilding)
  Failed,   // 'D'
  Missing,  // '-': not in the table
};

std::string_view to_string(Health health);

struct RaidStatus {
  std::string raid_type;
  std::vector<Health> members;
  std::uint64_t sync_done = 0;  // sectors per member
  std::uint64_t sync_total = 0;
  std::string sync_action;  // idle, frozen, resync, recover, check, repair, reshape
  std::uint64_t mismatches = 0;
  std::uint64_t data_offset = 0;
  char journal = '-';
  std::uint64_t events = 0;
  std::string p2p_provider;
  // Counters after the provider, in the target's order, by name.
  std::vector<std::pair<std::string, std::uint64_t>> p2p_counters;
  // Fields after the known counters (a newer target), as they came.
  std::vector<std::string> unknown_fields;

  // sync_done / sync_total in percent (100 when total is 0).
  double sync_percent() const;
};

// Parses the status parameters of one raid-p2p target (what dmsetup status
// prints after "<start> <length> raid-p2p"). Throws std::invalid_argument
// naming the field that is wrong.
RaidStatus parse(std::string_view line);

// The counter names of a status line with `p2p_fields` P2P fields (the
// provider counted): 1.0.0 has three fields, later versions more.
std::vector<std::string> counter_names(std::size_t p2p_fields);

}  // namespace p2praid::status
