// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/status.hpp"

#include <array>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace p2praid::status {
namespace {

// The counters after the provider: 1.0.0 had two bio counters, 1.1.0
// counts bytes by path, 1.2.0 adds bytes retried after a member refused
// P2P pages, 1.5.0 the P2P bytes raid4/5/6 computed parity from in place
// (see man/dm-raid-p2p.7).
constexpr std::array<std::string_view, 2> kCounters100{"p2p_bios", "p2p_fallback_bios"};
constexpr std::array<std::string_view, 10> kCounters110{
    "user_p2p_read_bytes", "user_p2p_write_bytes", "bounce_unreachable_bytes",
    "bounce_queue_bytes",  "bounce_parity_bytes",  "bounce_copy_bytes",
    "sync_cmb_bytes",      "sync_host_bytes",      "bounce_refused_bytes",
    "parity_p2p_bytes",
};
constexpr std::size_t kFields100 = 1 + kCounters100.size();
// The most members a table can have (RP_SB_MAX_MEMBERS).
constexpr std::uint64_t kMaxMembers = 253;

class Fields {
 public:
  explicit Fields(std::string_view line) {
    std::istringstream in{std::string(line)};
    for (std::string word; in >> word;) words_.push_back(std::move(word));
  }

  const std::string& next(const char* what) {
    if (pos_ >= words_.size()) throw std::invalid_argument(std::string("missing ") + what);
    return words_[pos_++];
  }

  std::uint64_t number(const char* what) { return to_number(next(what), what); }

  static std::uint64_t to_number(std::string_view word, const char* what) {
    std::uint64_t value = 0;
    const auto [rest, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
    if (ec != std::errc() || rest != word.data() + word.size()) {
      throw std::invalid_argument(std::string(what) + " '" + std::string(word) +
                                  "' is not a number");
    }
    return value;
  }

  std::size_t left() const { return words_.size() - pos_; }

 private:
  std::vector<std::string> words_;
  std::size_t pos_ = 0;
};

Health health_of(char c) {
  switch (c) {
    case 'A':
      return Health::InSync;
    case 'a':
      return Health::Syncing;
    case 'D':
      return Health::Failed;
    case '-':
      return Health::Missing;
    default:
      throw std::invalid_argument(std::string("health character '") + c + "' is not A, a, D or -");
  }
}

void parse_ratio(const std::string& word, RaidStatus& s) {
  const auto slash = word.find('/');
  if (slash == std::string::npos) {
    throw std::invalid_argument("sync ratio '" + word + "' is not done/total");
  }
  s.sync_done = Fields::to_number(std::string_view(word).substr(0, slash), "sync ratio");
  s.sync_total = Fields::to_number(std::string_view(word).substr(slash + 1), "sync ratio");
  if (s.sync_done > s.sync_total) {
    throw std::invalid_argument("sync ratio '" + word + "' is above 1");
  }
}

void parse_members(Fields& in, RaidStatus& s) {
  const std::uint64_t devs = in.number("#devs");
  if (devs == 0 || devs > kMaxMembers) {
    throw std::invalid_argument("#devs " + std::to_string(devs) + " is not 1 to 253");
  }
  const std::string& chars = in.next("health characters");
  if (chars.size() != devs) {
    throw std::invalid_argument(std::to_string(chars.size()) + " health characters for " +
                                std::to_string(devs) + " members");
  }
  for (const char c : chars) s.members.push_back(health_of(c));
}

void parse_p2p(Fields& in, RaidStatus& s) {
  const std::uint64_t count = in.number("#p2p_fields");
  if (count == 0) throw std::invalid_argument("#p2p_fields is 0: the provider is missing");
  if (count != in.left()) {
    throw std::invalid_argument("#p2p_fields is " + std::to_string(count) + " but " +
                                std::to_string(in.left()) + " fields follow");
  }
  s.p2p_provider = in.next("p2p_provider");
  const auto names = counter_names(count);
  for (const auto& name : names) s.p2p_counters.emplace_back(name, in.number(name.c_str()));
  while (in.left() > 0) s.unknown_fields.push_back(in.next("field"));
}

}  // namespace

std::string_view to_string(Health health) {
  switch (health) {
    case Health::InSync:
      return "in_sync";
    case Health::Syncing:
      return "syncing";
    case Health::Failed:
      return "failed";
    case Health::Missing:
      return "missing";
  }
  return "unknown";
}

double RaidStatus::sync_percent() const {
  if (sync_total == 0) return 100.0;
  return 100.0 * static_cast<double>(sync_done) / static_cast<double>(sync_total);
}

std::vector<std::string> counter_names(std::size_t p2p_fields) {
  std::vector<std::string> names;
  if (p2p_fields == kFields100) {
    names.assign(kCounters100.begin(), kCounters100.end());
    return names;
  }
  for (std::size_t i = 0; i + 1 < p2p_fields && i < kCounters110.size(); ++i) {
    names.emplace_back(kCounters110.at(i));
  }
  return names;
}

RaidStatus parse(std::string_view line) {
  Fields in(line);
  RaidStatus s;
  s.raid_type = in.next("raid_type");
  parse_members(in, s);
  parse_ratio(in.next("sync ratio"), s);
  s.sync_action = in.next("sync action");
  s.mismatches = in.number("mismatch_cnt");
  s.data_offset = in.number("data_offset");
  const std::string& journal = in.next("journal character");
  if (journal.size() != 1) {
    throw std::invalid_argument("journal character '" + journal + "' is not one character");
  }
  s.journal = journal[0];
  s.events = in.number("events");
  parse_p2p(in, s);
  return s;
}

}  // namespace p2praid::status
