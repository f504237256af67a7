// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/record.hpp"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <map>
#include <sstream>
#include <stdexcept>
#include <string_view>

#include <dm-raid-p2p/superblock.h>

#include "p2praid/superblock.hpp"

namespace p2praid::record {
namespace {

constexpr std::string_view kMagic = "p2praid-record 1 ";
constexpr std::size_t kCrcDigits = 8;

// Values are single lines, and a NUL would end the record.
std::string one_line(std::string text) {
  std::replace_if(
      text.begin(), text.end(), [](char c) { return c == '\n' || c == '\0'; }, ' ');
  return text;
}

std::string hex8(std::uint32_t value) {
  constexpr std::string_view kHex = "0123456789abcdef";
  std::string out(kCrcDigits, '0');
  for (std::size_t i = 0; i < kCrcDigits; ++i) {
    out[kCrcDigits - 1 - i] = kHex[(value >> (4 * i)) & 0xfU];
  }
  return out;
}

std::uint32_t crc_of(std::string_view body) {
  const auto* data = reinterpret_cast<const std::uint8_t*>(body.data());  // NOLINT
  return sb::crc32c({data, body.size()});
}

std::uint64_t number(const std::map<std::string, std::string, std::less<>>& kv,
                     const std::string& key) {
  const auto it = kv.find(key);
  if (it == kv.end()) throw std::invalid_argument("record: no " + key);
  std::uint64_t value = 0;
  const std::string_view text = it->second;
  const auto [rest, ec] = std::from_chars(text.data(), text.data() + text.size(), value);
  if (ec != std::errc() || rest != text.data() + text.size()) {
    throw std::invalid_argument("record: " + key + " '" + it->second + "' is not a number");
  }
  return value;
}

std::string text(const std::map<std::string, std::string, std::less<>>& kv,
                 const std::string& key) {
  const auto it = kv.find(key);
  return it == kv.end() ? std::string() : it->second;
}

std::vector<std::string> words(const std::string& line) {
  std::vector<std::string> out;
  std::istringstream in(line);
  for (std::string w; in >> w;) out.push_back(w);
  return out;
}

}  // namespace

std::vector<std::uint8_t> encode(const Record& r) {
  std::ostringstream body;
  std::string params;
  for (const auto& w : r.raid_params) params += (params.empty() ? "" : " ") + w;
  body << "generation=" << r.generation << "\narray=" << one_line(r.array)
       << "\nid=" << one_line(r.id) << "\nmetadata=" << (r.metadata ? "on" : "off")
       << "\nraid_type=" << one_line(r.raid_type) << "\nraid_params=" << one_line(params)
       << "\nlength=" << r.length << "\ndata_sectors=" << r.data_sectors << "\nmember=" << r.member
       << "\nmembers=" << r.members.size() << "\nprovider=" << one_line(r.provider)
       << "\nprovider_serial=" << one_line(r.provider_serial) << "\n";
  for (std::size_t i = 0; i < r.members.size(); ++i) {
    body << "member." << i << ".name=" << one_line(r.members[i].name) << "\nmember." << i
         << ".serial=" << one_line(r.members[i].serial) << "\n";
  }
  const std::string b = body.str();
  const std::string all = std::string(kMagic) + hex8(crc_of(b)) + "\n" + b;
  if (all.size() >= kSize) throw std::invalid_argument("record: too large");
  std::vector<std::uint8_t> out(kSize, 0);
  std::copy(all.begin(), all.end(), out.begin());
  return out;
}

std::optional<Record> decode(std::span<const std::uint8_t> bytes) {
  const auto end = std::find(bytes.begin(), bytes.end(), std::uint8_t{0});
  const std::string all(bytes.begin(), end);
  if (!all.starts_with(kMagic)) return std::nullopt;
  const auto newline = all.find('\n');
  if (newline != kMagic.size() + kCrcDigits) throw std::invalid_argument("record: bad header");
  const std::string body = all.substr(newline + 1);
  if (all.substr(kMagic.size(), kCrcDigits) != hex8(crc_of(body))) {
    throw std::invalid_argument("record: bad checksum");
  }
  std::map<std::string, std::string, std::less<>> kv;
  std::istringstream in(body);
  for (std::string line; std::getline(in, line);) {
    const auto eq = line.find('=');
    if (eq != std::string::npos) kv[line.substr(0, eq)] = line.substr(eq + 1);
  }
  Record r;
  r.generation = number(kv, "generation");
  r.array = text(kv, "array");
  r.id = text(kv, "id");
  r.metadata = text(kv, "metadata") != "off";
  r.raid_type = text(kv, "raid_type");
  r.raid_params = words(text(kv, "raid_params"));
  r.length = number(kv, "length");
  r.data_sectors = number(kv, "data_sectors");
  r.member = static_cast<unsigned>(number(kv, "member"));
  const auto members = number(kv, "members");
  if (members == 0 || members > RP_SB_MAX_MEMBERS || r.member >= members) {
    throw std::invalid_argument("record: member " + std::to_string(r.member) + " of " +
                                std::to_string(members));
  }
  r.provider = text(kv, "provider");
  r.provider_serial = text(kv, "provider_serial");
  for (std::uint64_t i = 0; i < members; ++i) {
    const std::string key = "member." + std::to_string(i);
    r.members.push_back({text(kv, key + ".name"), text(kv, key + ".serial")});
  }
  return r;
}

}  // namespace p2praid::record
