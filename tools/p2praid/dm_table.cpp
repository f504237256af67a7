// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/dm_table.hpp"

#include <algorithm>
#include <array>
#include <charconv>
#include <sstream>
#include <stdexcept>

namespace p2praid::dm {
namespace {

// Mainline raid parameters, and raid-p2p's own, and how many values each
// takes.
struct ParamSpec {
  std::string_view key;
  int values;
};

constexpr std::array<ParamSpec, 19> kParams{{
    {"sync", 0},
    {"nosync", 0},
    {"rebuild", 1},
    {"daemon_sleep", 1},
    {"min_recovery_rate", 1},
    {"max_recovery_rate", 1},
    {"write_mostly", 1},
    {"max_write_behind", 1},
    {"stripe_cache", 1},
    {"region_size", 1},
    {"raid10_copies", 1},
    {"raid10_format", 1},
    {"data_offset", 1},
    {"delta_disks", 1},
    {"journal_dev", 1},
    {"journal_mode", 1},
    {"p2p_provider", 1},
    {"raid10_use_near_sets", 0},
    {"start_dirty_degraded", 0},
}};

std::vector<std::string> split_words(std::string_view line) {
  std::vector<std::string> words;
  std::istringstream in{std::string(line)};
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

std::uint64_t to_number(std::string_view word, const char* what) {
  std::uint64_t value = 0;
  const auto [rest, ec] = std::from_chars(word.data(), word.data() + word.size(), value);
  if (ec != std::errc() || rest != word.data() + word.size()) {
    throw std::invalid_argument(std::string(what) + " '" + std::string(word) + "' is not a number");
  }
  return value;
}

class WordReader {
 public:
  explicit WordReader(std::vector<std::string> words) : words_(std::move(words)) {}

  const std::string& next(const char* what) {
    if (pos_ >= words_.size()) throw std::invalid_argument(std::string("missing ") + what);
    return words_[pos_++];
  }
  std::uint64_t number(const char* what) { return to_number(next(what), what); }
  bool done() const { return pos_ == words_.size(); }

 private:
  std::vector<std::string> words_;
  std::size_t pos_ = 0;
};

RaidTable parse_body(RaidTable table, WordReader& in) {
  table.raid_type = in.next("raid_type");
  const std::uint64_t nparams = in.number("#raid_params");
  if (nparams == 0) throw std::invalid_argument("#raid_params is 0: the chunk size is missing");
  for (std::uint64_t i = 0; i < nparams; ++i) table.raid_params.push_back(in.next("raid param"));
  (void)parse_raid_params(table.raid_params);
  const std::uint64_t ndevs = in.number("#raid_devs");
  if (ndevs == 0) throw std::invalid_argument("#raid_devs is 0");
  for (std::uint64_t i = 0; i < ndevs; ++i) {
    TableDevice dev;
    dev.meta = in.next("metadata device");
    dev.data = in.next("data device");
    // "- -" is a missing member; a metadata device needs its data device.
    if (dev.data == "-" && dev.meta != "-")
      throw std::invalid_argument("data device " + std::to_string(i) + " is '-'");
    table.devices.push_back(std::move(dev));
  }
  if (!in.done()) throw std::invalid_argument("extra words after the last device");
  return table;
}

}  // namespace

std::vector<std::string> make_raid_params(std::uint64_t chunk_sectors,
                                          std::optional<unsigned> raid10_copies,
                                          const std::string& p2p_provider) {
  std::vector<std::string> words{std::to_string(chunk_sectors)};
  if (raid10_copies) {
    words.insert(words.end(),
                 {"raid10_copies", std::to_string(*raid10_copies), "raid10_format", "near"});
  }
  words.insert(words.end(), {"p2p_provider", p2p_provider});
  return words;
}

std::string format_table(const RaidTable& table) {
  std::ostringstream out;
  out << table.start << ' ' << table.length << ' ' << table.target << ' ' << table.raid_type << ' '
      << table.raid_params.size();
  for (const auto& word : table.raid_params) out << ' ' << word;
  out << ' ' << table.devices.size();
  for (const auto& dev : table.devices) out << ' ' << dev.meta << ' ' << dev.data;
  return out.str();
}

RaidTable parse_table(std::string_view line) {
  if (line.find('\n') != std::string_view::npos && line.find('\n') + 1 != line.size()) {
    throw std::invalid_argument("more than one table line (raid-p2p takes one target)");
  }
  WordReader in(split_words(line));
  RaidTable table;
  table.start = in.number("start sector");
  table.length = in.number("length");
  table.target = in.next("target type");
  if (table.target != kTargetType) {
    throw std::invalid_argument("target type '" + table.target + "' is not " +
                                std::string(kTargetType));
  }
  return parse_body(std::move(table), in);
}

RaidTable parse_target(std::uint64_t start, std::uint64_t length, std::string_view type,
                       std::string_view params) {
  WordReader in(split_words(params));
  RaidTable table;
  table.start = start;
  table.length = length;
  table.target = std::string(type);
  return parse_body(std::move(table), in);
}

RaidParams parse_raid_params(std::span<const std::string> words) {
  if (words.empty()) throw std::invalid_argument("the chunk size is missing");
  RaidParams params;
  params.chunk_sectors = to_number(words[0], "chunk size");
  for (std::size_t i = 1; i < words.size(); ++i) {
    const std::string& key = words[i];
    const auto* spec = std::find_if(kParams.begin(), kParams.end(),
                                    [&](const ParamSpec& p) { return p.key == key; });
    if (spec == kParams.end()) throw std::invalid_argument("unknown raid parameter '" + key + "'");
    if (spec->values == 0) {
      params.sync = params.sync || key == "sync";
      params.nosync = params.nosync || key == "nosync";
      continue;
    }
    if (i + 1 >= words.size())
      throw std::invalid_argument("raid parameter '" + key + "' needs a value");
    const std::string& value = words[++i];
    if (key == "raid10_copies") {
      params.raid10_copies = static_cast<unsigned>(to_number(value, "raid10_copies"));
    } else if (key == "raid10_format") {
      params.raid10_format = value;
    } else if (key == "p2p_provider") {
      params.p2p_provider = value;
    } else {
      params.others.emplace_back(key, value);
    }
  }
  return params;
}

}  // namespace p2praid::dm
