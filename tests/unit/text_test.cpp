// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/text.hpp"

#include <gtest/gtest.h>

namespace p2praid::text {
namespace {

TEST(Text, EscapesWhatATerminalWouldNotPrint) {
  EXPECT_EQ(escape("plain ASCII ~"), "plain ASCII ~");
  EXPECT_EQ(escape(std::string_view("a\0b", 3)), "a\\x00b");
  EXPECT_EQ(escape("\t\r\x1b\x7f"), "\\x09\\x0d\\x1b\\x7f");
  EXPECT_EQ(escape("C:\\x1b"), "C:\\\\x1b");  // a literal backslash cannot forge an escape
  EXPECT_EQ(escape("\xc2\x85"), "\\u0085");   // NEL, a C1 control
  EXPECT_EQ(escape("\xf4\x8f\xbf\xbf"), "\\U0010ffff");
  EXPECT_EQ(escape("caf\xc3\xa9 \xe6\x97\xa5"), "caf\xc3\xa9 \xe6\x97\xa5");
}

TEST(Text, ReplacesBytesThatAreNotUtf8) {
  EXPECT_EQ(escape("\x80"), "\uFFFD");
  EXPECT_EQ(escape("\xed\xa0\x80"), "\uFFFD\uFFFD\uFFFD");  // a UTF-16 surrogate
  EXPECT_EQ(escape("\xe0\x80\xaf"), "\uFFFD\uFFFD\uFFFD");  // overlong
  EXPECT_EQ(escape("ok\xf0\x9f"), "ok\uFFFD");              // cut off
}

TEST(Text, WidthInTerminalColumns) {
  EXPECT_EQ(width(""), 0U);
  EXPECT_EQ(width("nvme0n1"), 7U);
  EXPECT_EQ(width("\u65e5\u672c\u8a9e"), 6U);
  EXPECT_EQ(width("e\u0301"), 1U);
  EXPECT_EQ(width("\uFFFD"), 1U);
  EXPECT_EQ(width(escape("\x1b[0m")), 7U);
}

}  // namespace
}  // namespace p2praid::text
