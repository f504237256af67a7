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
  const auto out = print(Format::Normal, {true, 0});
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

}  // namespace
}  // namespace p2praid::output
