#include "schedules/schedule_json.h"

#include <gtest/gtest.h>

namespace praetor::schedules {
namespace {

namespace json = boost::json;

const core::Timestamp kNow = *core::parse_timestamp("2026-01-01T00:00:00Z");

struct ErrorCase {
  const char* body;
  const char* type;
  const char* loc;  // serialised loc
};

// Verifies that each invalid schedule body yields Prefect's 422 entry (type and loc).
TEST(ScheduleJson, InvalidBodiesGivePrefectErrors) {
  const ErrorCase cases[] = {
      {R"({"interval": 0})", "value_error", R"(["schedule","interval"])"},
      {R"({"interval": -5})", "value_error", R"(["schedule","interval"])"},
      {R"({"interval": "abc"})", "time_delta_parsing", R"(["schedule","interval"])"},
      {R"({"interval": 60, "timezone": "Mars/Base"})", "value_error", R"(["schedule"])"},
      {R"({"interval": 60, "anchor_date": "nope"})", "value_error", R"(["schedule","anchor_date"])"},
      {R"({"interval": 60, "extra": 1})", "extra_forbidden", R"(["schedule","extra"])"},
      {R"({"cron": "bad"})", "value_error", R"(["schedule","cron"])"},
      {R"({"cron": "H * * * *"})", "value_error", R"(["schedule","cron"])"},
      {R"({"cron": "R * * * *"})", "value_error", R"(["schedule","cron"])"},
      {R"({"cron": "* * * * *", "timezone": "X/Y"})", "value_error", R"(["schedule"])"},
      {R"({"cron": 5})", "string_type", R"(["schedule","cron"])"},
      {R"({"cron": "* * * * *", "day_or": "x"})", "bool_parsing", R"(["schedule","day_or"])"},
      {R"({"rrule": "FREQ=FOO"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "FREQ=DAILY;"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "DTSTART:20200101T000000\nRRULE:FREQ=DAILY;UNTIL=20200105T000000Z"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "FREQ=DAILY;BYSETPOS=0"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "DTSTART:20200101T000000\nRRULE:FREQ=HOURLY;INTERVAL=2;BYHOUR=1"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "DTSTART:20200101T000000"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "FREQ=DAILY;BYDAY=0MO"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "FREQ=DAILY;FOO=1"})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": ""})", "value_error", R"(["schedule","rrule"])"},
      {R"({"rrule": "FREQ=DAILY", "timezone": "Nope/X"})", "string_pattern_mismatch", R"(["schedule","timezone"])"},
      {R"({"nothing": 1})", "union_tag_not_found", R"(["schedule"])"},
  };
  for (const ErrorCase& c : cases) {
    auto r = parse_schedule(json::parse(c.body), json::array{"schedule"}, kNow);
    ASSERT_FALSE(r.ok()) << c.body;
    EXPECT_EQ(r.error().kind, core::ErrorKind::kInvalid) << c.body;
    const json::object& entry = r.error().detail.as_array().at(0).as_object();
    EXPECT_EQ(entry.at("type").as_string(), c.type) << c.body;
    EXPECT_EQ(json::serialize(entry.at("loc")), c.loc) << c.body;
  }
}

// Verifies the accepted forms of each field, including duration strings and lax booleans.
TEST(ScheduleJson, AcceptsPrefectForms) {
  for (const char* body : {R"({"interval": 3600})", R"({"interval": 0.5})", R"({"interval": "PT1H"})",
                           R"({"interval": "01:00:00"})", R"({"interval": "P1DT2H"})",
                           R"({"interval": 60, "anchor_date": "2020-01-01T00:00:00Z", "timezone": "Asia/Kolkata"})",
                           R"({"cron": "0 9 * * *", "timezone": "America/New_York", "day_or": false})",
                           R"({"cron": "0 9 * * *", "day_or": "yes", "timezone": null})",
                           R"({"rrule": "FREQ=WEEKLY;BYDAY=MO,WE", "timezone": "Europe/Berlin"})",
                           R"({"rrule": "DTSTART:20260101T090000\nRRULE:FREQ=DAILY\nEXDATE:20260102T090000"})"}) {
    auto r = parse_schedule(json::parse(body), json::array{"schedule"}, kNow);
    EXPECT_TRUE(r.ok()) << body << " " << (r.ok() ? "" : json::serialize(r.error().detail));
  }
  auto interval = parse_interval_schedule(json::parse(R"({"interval": "P1DT2H"})"), {}, kNow);
  ASSERT_TRUE(interval.ok());
  EXPECT_EQ(interval->interval, std::chrono::hours(26));
  EXPECT_EQ(interval->anchor_date, kNow);
}

// Verifies a cron schedule's timezone reads back as given: null when absent (Prefect keeps
// it null and computes dates in UTC), the name when given.
TEST(ScheduleJson, CronTimezoneReadsBackAsGiven) {
  auto bare = parse_schedule(json::parse(R"({"cron": "0 9 * * *"})"), json::array{"schedule"}, kNow);
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(json::serialize(to_json(*bare)), R"({"cron":"0 9 * * *","timezone":null,"day_or":true})");
  EXPECT_EQ(std::get<CronSchedule>(*bare).zone.name(), "UTC");
  auto zoned = parse_schedule(json::parse(R"({"cron": "0 9 * * *", "timezone": "Europe/Berlin"})"),
                              json::array{"schedule"}, kNow);
  ASSERT_TRUE(zoned.ok());
  EXPECT_EQ(json::serialize(to_json(*zoned)), R"({"cron":"0 9 * * *","timezone":"Europe/Berlin","day_or":true})");
}

}  // namespace
}  // namespace praetor::schedules
