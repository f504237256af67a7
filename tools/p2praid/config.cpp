// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/config.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <charconv>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>

#include <fnmatch.h>

#include "p2praid/arrays.hpp"
#include "p2praid/errors.hpp"
#include "p2praid/raid_level.hpp"
#include "p2praid/text.hpp"

namespace p2praid::config {
namespace {

// Bigger is no config file.
constexpr std::uintmax_t kMaxFileSize = std::uintmax_t{1} << 20;
constexpr std::size_t kMaxGroupLength = 32;

std::string lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

std::string in_quotes(std::string_view s) {
  return "'" + text::escape(std::string(s)) + "'";
}

std::string join(const std::vector<std::string>& items, const std::string& last) {
  std::string out;
  for (std::size_t i = 0; i < items.size(); ++i) {
    out += (i == 0 ? "" : i + 1 == items.size() ? " " + last + " " : ", ") + items[i];
  }
  return out;
}

// One line of the file, continuation lines joined, comments gone.
struct Line {
  unsigned number = 0;
  std::vector<std::string> words;
};

// The words of `raw` before its comment: '#' at the start of a word.
std::vector<std::string> words_of(std::string_view raw) {
  std::vector<std::string> out;
  std::string word;
  for (const char c : raw) {
    if (c == ' ' || c == '\t' || c == '\r') {
      if (!word.empty()) out.push_back(std::move(word));
      word.clear();
    } else if (c == '#' && word.empty()) {
      break;
    } else {
      word += c;
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

class Parser {
 public:
  explicit Parser(const std::string& file) { config_.file = file; }

  Config run(std::string_view text) {
    std::vector<Line> lines;
    unsigned number = 0;
    std::size_t pos = 0;
    while (pos <= text.size()) {
      const std::size_t end = std::min(text.find('\n', pos), text.size());
      const std::string_view raw = text.substr(pos, end - pos);
      pos = end + 1;
      ++number;
      auto words = words_of(raw);
      if (words.empty()) continue;
      if (raw.front() == ' ' || raw.front() == '\t') {
        if (lines.empty()) {
          fail(number,
               "a line that starts with blanks continues the line before, and there is "
               "none; remove the leading blanks");
        }
        auto& last = lines.back().words;
        last.insert(last.end(), words.begin(), words.end());
      } else {
        lines.push_back({number, std::move(words)});
      }
      if (end == text.size()) break;
    }
    for (const auto& l : lines) line(l);
    return std::move(config_);
  }

 private:
  [[noreturn]] void fail(unsigned line, const std::string& what) const {
    throw UsageError(config_.where(line) + ": " + what);
  }

  // "FILE:LINE: ARRAY r1: key= <problem>".
  [[noreturn]] void fail_key(unsigned line, const std::string& what, const std::string& key,
                             const std::string& problem) const {
    fail(line, what + ": " + key + "= " + problem);
  }

  void line(const Line& l) {
    const std::string keyword = lower(l.words.front());
    const std::vector<std::string> args(l.words.begin() + 1, l.words.end());
    if (keyword == "array") {
      array(l.number, args);
    } else if (keyword == "device" || keyword == "devices") {
      device(l.number, args);
    } else if (keyword == "policy") {
      policy(l.number, args);
    } else {
      fail(l.number,
           "unknown keyword " + in_quotes(l.words.front()) + "; use ARRAY, DEVICE or POLICY");
    }
  }

  // KEY=VALUE pairs by lower-case key; each key once, from `known`.
  std::map<std::string, std::string> pairs(unsigned line, const std::string& what,
                                           const std::vector<std::string>& words,
                                           const std::vector<std::string>& known) const {
    std::map<std::string, std::string> out;
    for (const auto& w : words) {
      const auto eq = w.find('=');
      if (eq == std::string::npos || eq == 0) {
        fail(line,
             what + ": " + in_quotes(w) + " is not KEY=VALUE (keys: " + join(known, "or") + ")");
      }
      const std::string key = lower(w.substr(0, eq));
      if (std::find(known.begin(), known.end(), key) == known.end()) {
        fail(line,
             what + ": unknown key " + in_quotes(w.substr(0, eq)) + "; use " + join(known, "or"));
      }
      if (w.size() == eq + 1) fail_key(line, what, key, "has no value");
      if (!out.emplace(key, w.substr(eq + 1)).second) fail_key(line, what, key, "is given twice");
    }
    return out;
  }

  std::vector<std::string> globs(unsigned line, const std::string& what, const std::string& key,
                                 const std::string& value) const {
    std::vector<std::string> out;
    std::istringstream in(value);
    for (std::string g; std::getline(in, g, ',');) {
      if (g.empty()) fail_key(line, what, key, "has an empty item in " + in_quotes(value));
      out.push_back(g);
    }
    if (!value.empty() && value.back() == ',') {
      fail_key(line, what, key, "has an empty item in " + in_quotes(value));
    }
    return out;
  }

  std::string group(unsigned line, const std::string& what, const std::string& value) const {
    const bool ok = value.size() <= kMaxGroupLength && value.front() != '-' &&
                    std::all_of(value.begin(), value.end(), [](unsigned char c) {
                      return std::isalnum(c) != 0 || c == '.' || c == '_' || c == '-';
                    });
    if (!ok) {
      fail(line, what + ": spare-group " + in_quotes(value) + " is not a usable name (use 1 to " +
                     std::to_string(kMaxGroupLength) +
                     " letters, digits, '.', '_' or '-', not starting with '-')");
    }
    return value;
  }

  void array(unsigned line, const std::vector<std::string>& args) {
    if (args.empty() || args.front().find('=') != std::string::npos) {
      fail(line, "ARRAY needs the array's name first, then uuid=UUID (as 'ARRAY r1 uuid=...')");
    }
    Array a;
    a.line = line;
    a.name = args.front();
    if (const auto why = array::name_problem(a.name)) {
      fail(line, "ARRAY: " + in_quotes(a.name) + " is not a usable array name (" + *why + ")");
    }
    const std::string what = "ARRAY " + a.name;
    const auto kv = pairs(line, what, {args.begin() + 1, args.end()},
                          {"uuid", "level", "devices", "spares", "spare-group"});
    const auto uuid = kv.find("uuid");
    if (uuid == kv.end()) {
      fail(line, what + ": no uuid=; give the array's UUID ('p2praid-tool mkconf' prints it)");
    }
    const auto normal = normal_uuid(uuid->second);
    if (!normal) {
      fail(line, what + ": uuid " + in_quotes(uuid->second) +
                     " is not a UUID (32 hex digits as 8-4-4-4-12, or mdadm's 8:8:8:8)");
    }
    a.uuid = *normal;
    if (const auto it = kv.find("level"); it != kv.end()) {
      const auto names = raid::level_names();
      if (std::find(names.begin(), names.end(), it->second) == names.end()) {
        fail(line,
             what + ": level " + in_quotes(it->second) + " is not one of " + join(names, "or"));
      }
      a.level = it->second;
    }
    if (const auto it = kv.find("devices"); it != kv.end()) {
      a.devices = globs(line, what, "devices", it->second);
    }
    if (const auto it = kv.find("spares"); it != kv.end()) {
      unsigned n = 0;
      const std::string_view v = it->second;
      const auto [rest, ec] = std::from_chars(v.data(), v.data() + v.size(), n);
      if (ec != std::errc() || rest != v.data() + v.size() || n > raid::kMaxMembers) {
        fail(line, what + ": spares " + in_quotes(v) + " is not a number from 0 to " +
                       std::to_string(raid::kMaxMembers));
      }
      a.spares = n;
    }
    if (const auto it = kv.find("spare-group"); it != kv.end()) {
      a.spare_group = group(line, what, it->second);
    }
    for (const auto& other : config_.arrays) {
      if (other.name == a.name) {
        fail(line, what + ": the name is taken by the ARRAY on line " + std::to_string(other.line) +
                       "; give each array one line");
      }
      if (other.uuid == a.uuid) {
        fail(line, what + ": uuid " + a.uuid + " is taken by ARRAY " + other.name + " on line " +
                       std::to_string(other.line) + "; give each array one line");
      }
    }
    config_.arrays.push_back(std::move(a));
  }

  void device(unsigned line, const std::vector<std::string>& args) {
    if (args.empty()) {
      fail(line, "DEVICE needs a glob of device paths (as /dev/nvme*) or 'partitions'");
    }
    for (const auto& g : args) {
      if (g.front() != '/' && g != kAllDevices) {
        fail(line, "DEVICE: " + in_quotes(g) +
                       " is neither a path glob (starting with '/', as /dev/nvme*) nor "
                       "'partitions'");
      }
    }
    config_.devices.insert(config_.devices.end(), args.begin(), args.end());
  }

  void policy(unsigned line, const std::vector<std::string>& args) {
    Policy p;
    p.line = line;
    const auto kv = pairs(line, "POLICY", args, {"action", "spare-group", "path"});
    const auto action = kv.find("action");
    if (action == kv.end()) fail(line, "POLICY needs action=none or action=allocate");
    if (action->second == "none") {
      p.action = Action::None;
    } else if (action->second == "allocate") {
      p.action = Action::Allocate;
    } else {
      fail(line, "POLICY: action " + in_quotes(action->second) + " is not one of none or allocate");
    }
    if (const auto it = kv.find("spare-group"); it != kv.end()) {
      p.spare_group = group(line, "POLICY", it->second);
    }
    if (const auto it = kv.find("path"); it != kv.end()) {
      p.paths = globs(line, "POLICY", "path", it->second);
    }
    config_.policies.push_back(std::move(p));
  }

  Config config_;
};

std::string errno_text(int error) {
  return std::strerror(error);  // NOLINT(concurrency-mt-unsafe): one thread
}

// Closes a file descriptor, and removes the temporary file unless kept.
class TempFile {
 public:
  explicit TempFile(std::string path) : path_(std::move(path)), fd_(::mkstemp(path_.data())) {
    if (fd_ < 0) error_ = errno;
  }
  TempFile(const TempFile&) = delete;
  TempFile& operator=(const TempFile&) = delete;
  TempFile(TempFile&&) = delete;
  TempFile& operator=(TempFile&&) = delete;
  ~TempFile() {
    if (fd_ >= 0) ::close(fd_);
    if (!kept_ && error_ == 0) ::unlink(path_.c_str());
  }

  int fd() const { return fd_; }
  int error() const { return error_; }
  const std::string& path() const { return path_; }
  // Closes it; false with errno if closing failed.
  bool close() {
    const int fd = fd_;
    fd_ = -1;
    return ::close(fd) == 0;
  }
  void keep() { kept_ = true; }

 private:
  std::string path_;
  int fd_;
  int error_ = 0;
  bool kept_ = false;
};

std::string joined(const std::vector<std::string>& items, const char* separator) {
  std::string out;
  for (const auto& i : items) out.append(out.empty() ? "" : separator).append(i);
  return out;
}

std::string array_line(const Array& a) {
  std::string out = "ARRAY " + a.name + " uuid=" + a.uuid;
  if (a.level) out.append(" level=").append(*a.level);
  if (!a.devices.empty()) out.append(" devices=").append(joined(a.devices, ","));
  if (a.spares) out.append(" spares=").append(std::to_string(*a.spares));
  if (a.spare_group) out.append(" spare-group=").append(*a.spare_group);
  return out;
}

std::string policy_line(const Policy& p) {
  std::string out = "POLICY action=";
  out.append(p.action == Action::Allocate ? "allocate" : "none");
  if (p.spare_group) out.append(" spare-group=").append(*p.spare_group);
  if (!p.paths.empty()) out.append(" path=").append(joined(p.paths, ","));
  return out;
}

}  // namespace

std::string Config::where(unsigned line) const {
  return file + ":" + std::to_string(line);
}

const Array* Config::find_uuid(const std::string& uuid) const {
  const auto it =
      std::find_if(arrays.begin(), arrays.end(), [&](const Array& a) { return a.uuid == uuid; });
  return it == arrays.end() ? nullptr : &*it;
}

const Array* Config::find_name(const std::string& name) const {
  const auto it =
      std::find_if(arrays.begin(), arrays.end(), [&](const Array& a) { return a.name == name; });
  return it == arrays.end() ? nullptr : &*it;
}

Config parse(std::string_view text, const std::string& file) {
  return Parser(file).run(text);
}

std::optional<Config> load(const std::filesystem::path& path, bool required) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (!std::filesystem::exists(status)) {
    if (!required && (!ec || ec == std::errc::no_such_file_or_directory)) return std::nullopt;
    if (ec && ec != std::errc::no_such_file_or_directory) {
      throw CommandError(path.string() + ": cannot read the config file (" + ec.message() + ")");
    }
    throw UsageError(path.string() + ": no such config file; check the name given to --config");
  }
  if (!std::filesystem::is_regular_file(status)) {
    throw UsageError(path.string() + ": not a regular file; --config takes a config file");
  }
  if (std::filesystem::file_size(path, ec) > kMaxFileSize && !ec) {
    throw UsageError(path.string() + ": larger than 1 MiB; that is no p2praid-tool config file");
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    const int error = errno;
    if (error == EACCES || error == EPERM) {
      throw PermissionError(path.string() + ": permission denied; run p2praid-tool as root");
    }
    throw CommandError(path.string() + ": cannot read the config file (" + errno_text(error) + ")");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return parse(text.str(), path.string());
}

std::optional<std::string> normal_uuid(std::string_view text) {
  const bool dashes =
      text.size() == 36 && text[8] == '-' && text[13] == '-' && text[18] == '-' && text[23] == '-';
  const bool colons = text.size() == 35 && text[8] == ':' && text[17] == ':' && text[26] == ':';
  if (!dashes && !colons) return std::nullopt;
  std::string hex;
  for (std::size_t i = 0; i < text.size(); ++i) {
    const bool separator =
        dashes ? (i == 8 || i == 13 || i == 18 || i == 23) : (i == 8 || i == 17 || i == 26);
    if (separator) continue;
    const auto c = static_cast<unsigned char>(text[i]);
    if (std::isxdigit(c) == 0) return std::nullopt;
    hex += static_cast<char>(std::tolower(c));
  }
  return hex.substr(0, 8) + "-" + hex.substr(8, 4) + "-" + hex.substr(12, 4) + "-" +
         hex.substr(16, 4) + "-" + hex.substr(20);
}

bool matches(const blk::Devices& devices, const blk::BlockDevice& device,
             const std::string& pattern) {
  if (pattern == kAllDevices) return true;
  std::vector<std::string> names{device.path, "/dev/" + device.disk};
  for (const auto& l : devices.links(device.name)) names.push_back(l);
  if (device.disk != device.name) {
    for (const auto& l : devices.links(device.disk)) names.push_back(l);
  }
  return std::any_of(names.begin(), names.end(), [&](const std::string& n) {
    return ::fnmatch(pattern.c_str(), n.c_str(), FNM_PATHNAME) == 0;
  });
}

bool matches_any(const blk::Devices& devices, const blk::BlockDevice& device,
                 const std::vector<std::string>& patterns) {
  return std::any_of(patterns.begin(), patterns.end(),
                     [&](const std::string& p) { return matches(devices, device, p); });
}

std::string format(const Config& config) {
  std::ostringstream out;
  if (!config.devices.empty()) out << "DEVICE " << joined(config.devices, " ") << '\n';
  for (const auto& a : config.arrays) out << array_line(a) << '\n';
  for (const auto& p : config.policies) out << policy_line(p) << '\n';
  return out.str();
}

void write_atomically(const std::filesystem::path& path, const std::string& text) {
  const std::filesystem::path dir = path.has_parent_path() ? path.parent_path() : ".";
  const auto fail = [&](int error, const std::string& step) {
    if (error == EACCES || error == EPERM || error == EROFS) {
      throw PermissionError(path.string() + ": cannot " + step + " (" + errno_text(error) +
                            "); run p2praid-tool as root, or write elsewhere");
    }
    throw CommandError(path.string() + ": cannot " + step + " (" + errno_text(error) +
                       "); the file is unchanged");
  };
  TempFile tmp((dir / ("." + path.filename().string() + ".XXXXXX")).string());
  if (tmp.fd() < 0) fail(tmp.error(), "create a temporary file in " + dir.string());
  std::size_t done = 0;
  while (done < text.size()) {
    const std::string_view rest = std::string_view(text).substr(done);
    const ssize_t n = ::write(tmp.fd(), rest.data(), rest.size());
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) fail(n < 0 ? errno : EIO, "write " + tmp.path());
    done += static_cast<std::size_t>(n);
  }
  constexpr mode_t kMode = 0644;
  if (::fchmod(tmp.fd(), kMode) != 0) fail(errno, "set the mode of " + tmp.path());
  if (::fsync(tmp.fd()) != 0) fail(errno, "sync " + tmp.path());
  if (!tmp.close()) fail(errno, "close " + tmp.path());
  if (::rename(tmp.path().c_str(), path.c_str()) != 0) fail(errno, "rename " + tmp.path());
  tmp.keep();
  // The rename is durable once the directory is synced.
  // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg,hicpp-vararg): open(2)
  const int dfd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dfd >= 0) {
    (void)::fsync(dfd);
    ::close(dfd);
  }
}

}  // namespace p2praid::config
