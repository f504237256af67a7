// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/sysfs.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <string_view>
#include <system_error>

#include "p2praid/errors.hpp"
#include "p2praid/text.hpp"

namespace p2praid::sysfs {
namespace fs = std::filesystem;

namespace {

// Closes a file descriptor on every path.
class Fd {
 public:
  explicit Fd(const fs::path& path)
      // NOLINTNEXTLINE(cppcoreguidelines-pro-type-vararg): open(2) is variadic
      : fd_(::open(path.c_str(), O_RDONLY | O_NONBLOCK | O_NOFOLLOW | O_CLOEXEC)) {}
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  Fd(Fd&&) = delete;
  Fd& operator=(Fd&&) = delete;
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }

  int get() const { return fd_; }

 private:
  int fd_;
};

// Whether canonical `path` is `root` or below it.
bool inside(const fs::path& path, const fs::path& root) {
  const fs::path rel = path.lexically_relative(root);
  return !rel.empty() && *rel.begin() != "..";
}

std::string file_kind(mode_t mode) {
  if (S_ISDIR(mode)) return "a directory";
  if (S_ISFIFO(mode)) return "a FIFO";
  if (S_ISCHR(mode)) return "a character device";
  if (S_ISBLK(mode)) return "a block device";
  if (S_ISSOCK(mode)) return "a socket";
  return "of an unknown kind";
}

// The content of open file `fd`, nullopt on a read error; throws past
// kMaxFileSize.
std::optional<std::string> read_bounded(int fd, const std::string& name) {
  std::string content;
  std::array<char, 4096> buf{};
  for (;;) {
    const ::ssize_t n = ::read(fd, buf.data(), buf.size());
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) return std::nullopt;
    if (n == 0) return content;
    content.append(buf.data(), static_cast<std::size_t>(n));
    if (content.size() > kMaxFileSize) {
      throw CommandError(name + ": larger than " + std::to_string(kMaxFileSize) +
                         " bytes, which no sysfs attribute is; refused");
    }
  }
}

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::string to_base(std::uint64_t value, int base) {
  std::array<char, 24> buf{};
  const auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), value, base);
  (void)ec;
  return (base == 16 ? "0x" : "") + std::string(buf.data(), end);
}

// The number `text` in `base`, all of it, of at most `max`; throws naming
// `name` (the file) and the text otherwise.
std::uint64_t parse_unsigned(std::string_view text, int base, std::uint64_t max,
                             const std::string& name) {
  std::string_view digits = text;
  if (base == 16 && (digits.starts_with("0x") || digits.starts_with("0X"))) digits.remove_prefix(2);
  std::uint64_t value = 0;
  const auto* end = digits.data() + digits.size();
  const auto [rest, ec] = std::from_chars(digits.data(), end, value, base);
  if (digits.empty() || rest != end ||
      (ec != std::errc() && ec != std::errc::result_out_of_range)) {
    throw CommandError(name + ": \"" + text::escape(text) + "\" is not a " +
                       (base == 16 ? "hexadecimal" : "decimal") + " number");
  }
  if (ec == std::errc::result_out_of_range || value > max) {
    throw CommandError(name + ": " + std::string(text) + " is out of range (at most " +
                       to_base(max, base) + ")");
  }
  return value;
}

}  // namespace

FsReader::FsReader(fs::path root) : root_(std::move(root)) {}

fs::path FsReader::host_path(const fs::path& path) const {
  return root_ / path.relative_path();
}

std::optional<fs::path> FsReader::resolve(const fs::path& path) const {
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec) return std::nullopt;
  fs::path target = fs::canonical(host_path(path), ec);
  if (ec) return std::nullopt;
  if (!inside(target, root)) {
    throw CommandError(text::escape(describe(path)) + ": resolves to " +
                       text::escape(target.string()) + ", outside the sysfs root " +
                       text::escape(root.string()) + "; refused");
  }
  return target;
}

std::optional<std::string> FsReader::read_file(const fs::path& path) const {
  const auto target = resolve(path);
  if (!target) return std::nullopt;
  // O_NOFOLLOW: the canonical path has no links; one swapped in now is refused.
  const Fd fd(*target);
  struct ::stat st {};
  if (fd.get() < 0 || ::fstat(fd.get(), &st) != 0) return std::nullopt;
  const std::string name = text::escape(describe(path));
  if (!S_ISREG(st.st_mode)) {
    throw CommandError(name + ": not a regular file (" + file_kind(st.st_mode) +
                       "), as every sysfs attribute is; refused");
  }
  return read_bounded(fd.get(), name);
}

std::vector<std::string> FsReader::list_dir(const fs::path& path) const {
  std::vector<std::string> names;
  const auto target = resolve(path);
  if (!target) return names;
  std::error_code ec;
  for (fs::directory_iterator it(*target, ec), end; !ec && it != end; it.increment(ec)) {
    names.push_back(it->path().filename().string());
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::optional<fs::path> FsReader::realpath(const fs::path& path) const {
  std::error_code ec;
  const fs::path root = fs::canonical(root_, ec);
  if (ec) return std::nullopt;
  const fs::path target = fs::canonical(host_path(path), ec);
  if (ec || !inside(target, root)) return std::nullopt;
  const fs::path rel = target.lexically_relative(root);
  if (rel == ".") return fs::path("/");
  return fs::path("/") / rel;
}

std::string FsReader::describe(const fs::path& path) const {
  return host_path(path).string();
}

std::optional<std::string> read_attr(const Reader& reader, const fs::path& path) {
  auto content = reader.read_file(path);
  if (!content) return std::nullopt;
  return std::string(trim(*content));
}

std::optional<std::uint64_t> read_u64(const Reader& reader, const fs::path& path,
                                      std::uint64_t max) {
  const auto text = read_attr(reader, path);
  if (!text) return std::nullopt;
  return parse_unsigned(*text, 10, max, text::escape(reader.describe(path)));
}

std::optional<std::uint64_t> read_hex(const Reader& reader, const fs::path& path,
                                      std::uint64_t max) {
  const auto text = read_attr(reader, path);
  if (!text) return std::nullopt;
  return parse_unsigned(*text, 16, max, text::escape(reader.describe(path)));
}

}  // namespace p2praid::sysfs
