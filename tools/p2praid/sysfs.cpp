#include "p2praid/sysfs.hpp"

#include <algorithm>
#include <charconv>
#include <fstream>
#include <iterator>
#include <string_view>
#include <system_error>

namespace p2praid::sysfs {
namespace fs = std::filesystem;

namespace {

std::string_view trim(std::string_view text) {
  constexpr std::string_view kSpace = " \t\r\n";
  const auto begin = text.find_first_not_of(kSpace);
  if (begin == std::string_view::npos) return {};
  const auto end = text.find_last_not_of(kSpace);
  return text.substr(begin, end - begin + 1);
}

std::optional<std::uint64_t> parse_unsigned(std::string_view text, int base) {
  std::uint64_t value = 0;
  const auto [rest, ec] = std::from_chars(text.data(), text.data() + text.size(), value, base);
  if (ec != std::errc() || rest != text.data() + text.size() || text.empty()) return std::nullopt;
  return value;
}

}  // namespace

FsReader::FsReader(fs::path root) : root_(std::move(root)) {}

fs::path FsReader::host_path(const fs::path& path) const {
  return root_ / path.relative_path();
}

std::optional<std::string> FsReader::read_file(const fs::path& path) const {
  std::ifstream in(host_path(path), std::ios::binary);
  if (!in) return std::nullopt;
  std::string content{std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>()};
  if (in.bad()) return std::nullopt;
  return content;
}

std::vector<std::string> FsReader::list_dir(const fs::path& path) const {
  std::vector<std::string> names;
  std::error_code ec;
  for (fs::directory_iterator it(host_path(path), ec), end; !ec && it != end; it.increment(ec)) {
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
  if (ec) return std::nullopt;
  const fs::path rel = target.lexically_relative(root);
  if (rel.empty() || *rel.begin() == "..") return std::nullopt;
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

std::optional<std::uint64_t> read_u64(const Reader& reader, const fs::path& path) {
  const auto text = read_attr(reader, path);
  if (!text) return std::nullopt;
  return parse_unsigned(*text, 10);
}

std::optional<std::uint64_t> read_hex(const Reader& reader, const fs::path& path) {
  const auto text = read_attr(reader, path);
  if (!text) return std::nullopt;
  std::string_view digits = *text;
  if (digits.starts_with("0x") || digits.starts_with("0X")) digits.remove_prefix(2);
  return parse_unsigned(digits, 16);
}

}  // namespace p2praid::sysfs
