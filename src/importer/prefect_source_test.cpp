#include "importer/prefect_source.h"

#include <gtest/gtest.h>

namespace praetor::importer {
namespace {

using K = ColumnKind;

const std::vector<SourceColumn> kColumns = {
    {"at", K::kTimestamp}, {"took", K::kInterval}, {"flag", K::kBool}, {"doc", K::kJson}, {"n", K::kNumber}};

SourceRow row(std::vector<std::optional<std::string>> values) { return SourceRow(kColumns, std::move(values)); }

// Verifies Prefect's values read alike whichever dialect stored them: SQLite's naive UTC
// text and intervals stored as a datetime after the epoch, PostgreSQL's to_char text,
// epoch seconds and 't'/1 booleans.
TEST(PrefectSourceRow, ReadsBothDialectsAlike) {
  auto sqlite = row({"2026-12-03 19:13:12.494560", "1970-01-01 00:00:03.335876", "1", "{\"a\": [1]}", "42"});
  auto postgres = row({"2026-12-03 19:13:12.494560", "3.335876", "1", "{\"a\": [1]}", "42"});
  for (const auto* r : {&sqlite, &postgres}) {
    EXPECT_EQ(core::format_timestamp(*r->time("at")), "2026-12-03T19:13:12.494560Z");
    EXPECT_EQ(r->interval("took").count(), 3335876);
    EXPECT_TRUE(r->flag("flag"));
    EXPECT_EQ(r->object("doc").at("a").as_array().size(), 1u);
    EXPECT_EQ(r->integer("n"), 42);
  }
  EXPECT_TRUE(row({std::nullopt, "1 day", "t", "x", "2.0"}).flag("flag"));
}

// Verifies NULLs read as absent or empty values, and a column that was not selected is a bug.
TEST(PrefectSourceRow, NullsAndUnknownColumns) {
  auto r = row({std::nullopt, std::nullopt, std::nullopt, std::nullopt, std::nullopt});
  EXPECT_FALSE(r.time("at"));
  EXPECT_EQ(r.interval("took").count(), 0);
  EXPECT_FALSE(r.flag("flag"));
  EXPECT_TRUE(r.json("doc").is_null());
  EXPECT_TRUE(r.object("doc").empty());
  EXPECT_FALSE(r.integer("n"));
  EXPECT_THROW(r.text("missing"), std::logic_error);
}

// Verifies a SQLite JSON column holding a bare string (stored without quotes) reads as that string.
TEST(PrefectSourceRow, BareTextInAJsonColumnIsAString) {
  EXPECT_EQ(row({std::nullopt, std::nullopt, std::nullopt, "hello", std::nullopt}).json("doc"), boost::json::value("hello"));
}

}  // namespace
}  // namespace praetor::importer
