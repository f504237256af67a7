// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/text.hpp"

#include <array>
#include <charconv>
#include <clocale>
#include <cwchar>

namespace p2praid::text {
namespace {

constexpr std::string_view kReplacement = "\uFFFD";
constexpr wchar_t kDel = 0x7f;

// glibc's UTF-8 tables, independent of the process locale.
class Utf8Locale {
 public:
  Utf8Locale() : locale_(::newlocale(LC_CTYPE_MASK, "C.UTF-8", nullptr)) {}
  Utf8Locale(const Utf8Locale&) = delete;
  Utf8Locale& operator=(const Utf8Locale&) = delete;
  Utf8Locale(Utf8Locale&&) = delete;
  Utf8Locale& operator=(Utf8Locale&&) = delete;
  ~Utf8Locale() {
    if (locale_ != nullptr) ::freelocale(locale_);
  }

  locale_t get() const { return locale_; }

 private:
  locale_t locale_;
};

// Makes the UTF-8 locale the calling thread's for one scope.
class InUtf8 {
 public:
  InUtf8() {
    static const Utf8Locale utf8;
    if (utf8.get() != nullptr) previous_ = ::uselocale(utf8.get());
  }
  InUtf8(const InUtf8&) = delete;
  InUtf8& operator=(const InUtf8&) = delete;
  InUtf8(InUtf8&&) = delete;
  InUtf8& operator=(InUtf8&&) = delete;
  ~InUtf8() {
    if (previous_ != nullptr) ::uselocale(previous_);
  }

  bool active() const { return previous_ != nullptr; }

 private:
  locale_t previous_ = nullptr;
};

struct Char {
  wchar_t code = 0;
  std::size_t length = 1;  // bytes taken from the input, at least 1
  bool valid = true;
};

// The character at the start of non-empty `s`, or an invalid byte.
Char next(std::string_view s, const InUtf8& utf8) {
  const auto byte = static_cast<unsigned char>(s.front());
  if (byte < 0x80) return {static_cast<wchar_t>(byte), 1, true};
  if (!utf8.active()) return {0, 1, false};
  std::mbstate_t state{};
  wchar_t code = 0;
  const std::size_t n = std::mbrtowc(&code, s.data(), s.size(), &state);
  if (n == static_cast<std::size_t>(-1)) return {0, 1, false};
  if (n == static_cast<std::size_t>(-2)) return {0, s.size(), false};  // cut off at the end
  return {code, n, true};
}

std::string hex_escape(std::string_view prefix, wchar_t code, std::size_t digits) {
  std::array<char, 8> buf{};
  const auto [end, ec] =
      std::to_chars(buf.data(), buf.data() + buf.size(), static_cast<unsigned>(code), 16);
  (void)ec;
  std::string hex(buf.data(), end);
  if (hex.size() < digits) hex.insert(0, digits - hex.size(), '0');
  return std::string(prefix) + hex;
}

}  // namespace

std::string escape(std::string_view raw) {
  const InUtf8 utf8;
  std::string out;
  out.reserve(raw.size());
  while (!raw.empty()) {
    const Char c = next(raw, utf8);
    if (!c.valid) {
      out += kReplacement;
    } else if (c.code == L'\\') {
      out += "\\\\";
    } else if (c.code < 0x20 || c.code == kDel) {
      out += hex_escape("\\x", c.code, 2);
    } else if (c.code > kDel && ::wcwidth(c.code) < 0) {
      out += c.code > 0xffff ? hex_escape("\\U", c.code, 8) : hex_escape("\\u", c.code, 4);
    } else {
      out += raw.substr(0, c.length);
    }
    raw.remove_prefix(c.length);
  }
  return out;
}

std::size_t width(std::string_view text) {
  const InUtf8 utf8;
  std::size_t columns = 0;
  while (!text.empty()) {
    const Char c = next(text, utf8);
    const int w = c.valid && c.code > kDel ? ::wcwidth(c.code) : 1;
    columns += w < 0 ? 1 : static_cast<std::size_t>(w);
    text.remove_prefix(c.length);
  }
  return columns;
}

}  // namespace p2praid::text
