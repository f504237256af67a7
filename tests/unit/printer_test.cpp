// SPDX-License-Identifier: GPL-2.0-only
#include "p2praid/printer.hpp"

#include <sstream>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

namespace p2praid::output {
namespace {

report::Report sample() {
  report::Table t{
      "things",
      "Things",
      {{"name", "NAME"},
       {"size", "SIZE", report::Unit::Bytes},
       {"ok", "OK"},
       {"tags", "TAGS"},
       {"wide", "WIDE", report::Unit::None, true}},
      {{std::string("root"), std::uint64_t{65536}, true, report::Strings{"a", "b"},
        std::string("x")},
       {std::string("child"), report::null(), false, report::Strings{}, std::string("y")},
       {std::string("leaf"), std::int64_t{3}, report::null(), report::Strings{"c"},
        std::string("z")}},
      {0, 1, 1},
      report::Audience::All};
  report::Report r;
  r.sections.emplace_back(t);
  r.sections.emplace_back(report::Record{
      "summary", "Summary", {{{"count", "count"}, std::uint64_t{3}}}, report::Audience::All});
  r.sections.emplace_back(report::Notes{"why", "Why", {"because"}, report::Audience::All});
  r.sections.emplace_back(report::Notes{"json", "J", {"json only"}, report::Audience::JsonOnly});
  r.sections.emplace_back(report::Text{"line", "", "0 8 raid-p2p", report::Audience::All});
  return r;
}

std::string print(Format f, Options o = {}) {
  std::ostringstream out;
  make_printer(f, o)->print(sample(), out);
  return out.str();
}

TEST(TextPrinter, TablesTreesRecordsNotes) {
  EXPECT_EQ(print(Format::Normal),
            "Things:\n"
            "  NAME       SIZE OK  TAGS\n"
            "  root     64 KiB yes a,b\n"
            "  |- child      - no  -\n"
            "  `- leaf     3 B -   c\n"
            "\n"
            "Summary:\n"
            "  count: 3\n"
            "\n"
            "Why:\n"
            "  because\n"
            "\n"
            "0 8 raid-p2p\n");
}

TEST(TextPrinter, QuietDropsNotes) {
  Options quiet;
  quiet.quiet = true;
  const auto out = print(Format::Normal, quiet);
  EXPECT_EQ(out.find("because"), std::string::npos);
  EXPECT_NE(out.find("Summary"), std::string::npos);
}

TEST(JsonPrinter, LvmStyle) {
  const auto doc = nlohmann::json::parse(print(Format::Json));
  const auto& rows = doc.at("things");
  ASSERT_TRUE(rows.is_array());
  EXPECT_TRUE(rows[0]["size"].is_number_unsigned());
  EXPECT_EQ(rows[0]["size"], 65536);
  EXPECT_TRUE(rows[1]["size"].is_null());
  EXPECT_TRUE(rows[0]["ok"].is_boolean());
  EXPECT_TRUE(rows[0]["tags"].is_array());
  EXPECT_TRUE(rows[1]["tags"].is_array());
  EXPECT_EQ(rows[2]["wide"], "z");
  EXPECT_EQ(doc["summary"]["count"], 3);
  EXPECT_EQ(doc["why"][0], "because");
  EXPECT_EQ(doc["json"][0], "json only");
  EXPECT_EQ(doc["line"], "0 8 raid-p2p");
}

TEST(JsonPrinter, KeepsColumnOrder) {
  const auto text = print(Format::Json);
  EXPECT_LT(text.find("\"name\""), text.find("\"size\""));
  EXPECT_LT(text.find("\"size\""), text.find("\"ok\""));
  EXPECT_LT(text.find("\"things\""), text.find("\"summary\""));
}

// Strings as they come from sysfs or device-mapper: anything at all.
report::Report raw_strings(const std::vector<std::string>& names) {
  report::Table t;
  t.key = "drives";
  t.title = "Drives";
  t.columns = {{"model", "MODEL"}, {"n", "N"}};
  std::uint64_t n = 0;
  for (const auto& name : names) t.rows.push_back({name, ++n});
  report::Report r;
  r.sections.emplace_back(t);
  r.sections.emplace_back(report::Notes{"why", "Why", names, report::Audience::All});
  return r;
}

std::string print(Format f, const report::Report& r) {
  std::ostringstream out;
  make_printer(f, {})->print(r, out);
  return out.str();
}

TEST(TextPrinter, EscapesControlCharacters) {
  const auto out = print(Format::Normal, raw_strings({"A\x1b[31mB\aC\nD\\E\x7f",
                                                      "\xc2\x9b"
                                                      "2J"}));
  EXPECT_EQ(out,
            "Drives:\n"
            "  MODEL                       N\n"
            "  A\\x1b[31mB\\x07C\\x0aD\\\\E\\x7f 1\n"
            "  \\u009b2J                    2\n"
            "\n"
            "Why:\n"
            "  A\\x1b[31mB\\x07C\\x0aD\\\\E\\x7f\n"
            "  \\u009b2J\n");
}

TEST(TextPrinter, ReplacesInvalidUtf8) {
  const auto out = print(Format::Normal, raw_strings({"a\xff\xfe", "b\xe6\x97",
                                                      "c\xc0\xaf"
                                                      "d"}));
  EXPECT_EQ(out,
            "Drives:\n"
            "  MODEL N\n"
            "  a\uFFFD\uFFFD   1\n"
            "  b\uFFFD    2\n"
            "  c\uFFFD\uFFFDd  3\n"
            "\n"
            "Why:\n"
            "  a\uFFFD\uFFFD\n"
            "  b\uFFFD\n"
            "  c\uFFFD\uFFFDd\n");
}

TEST(TextPrinter, AlignsByDisplayColumns) {
  // CJK characters take two columns, combining marks none.
  const auto out = print(Format::Normal, raw_strings({"\u65e5\u672c", "e\u0301t\u00e9", "abcd"}));
  EXPECT_EQ(out.substr(0, out.find("\n\n")),
            "Drives:\n"
            "  MODEL N\n"
            "  \u65e5\u672c  1\n"
            "  e\u0301t\u00e9   2\n"
            "  abcd  3");
}

TEST(JsonPrinter, ValidForAnyBytes) {
  std::string all;
  for (int c = 0; c < 256; ++c) all += static_cast<char>(c);
  std::string text;
  ASSERT_NO_THROW(text = print(Format::Json, raw_strings({all, "\x1b]0;title\a", "ok \u00e9"})));
  for (const char c : text) {
    const auto byte = static_cast<unsigned char>(c);
    EXPECT_TRUE(byte >= 0x20 || c == '\n') << "raw control byte " << int{byte};
  }
  const auto doc = nlohmann::json::parse(text);
  const std::string back = doc["drives"][0]["model"];
  EXPECT_EQ(back.substr(0, 128), all.substr(0, 128));  // controls survive as escapes
  EXPECT_NE(back.find("\uFFFD"), std::string::npos);   // invalid bytes are replaced
  EXPECT_EQ(doc["drives"][1]["model"], "\x1b]0;title\a");
  EXPECT_EQ(doc["why"][2], "ok \u00e9");
}

}  // namespace
}  // namespace p2praid::output
