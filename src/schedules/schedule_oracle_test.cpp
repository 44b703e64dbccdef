// Replays schedule cases generated from Prefect's own schedule classes
// (scripts/gen_schedule_cases.py) and checks every date exactly.
#include <fstream>
#include <sstream>
#include <string>

#include <boost/json.hpp>
#include <gtest/gtest.h>

#include "core/timestamp.h"
#include "schedules/schedule.h"
#include "schedules/schedule_json.h"

namespace praetor::schedules {
namespace {

namespace json = boost::json;

json::value load_cases() {
  std::ifstream in(PRAETOR_SCHEDULE_CASES);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return json::parse(buffer.str());
}

std::optional<core::Timestamp> optional_time(const json::value& v) {
  if (v.is_null()) return std::nullopt;
  return core::parse_timestamp(v.as_string());
}

// Verifies that every generated case yields exactly the dates Prefect's get_dates returned.
TEST(ScheduleOracle, EveryCaseMatchesPrefect) {
  json::value doc = load_cases();
  const json::array& cases = doc.at("cases").as_array();
  ASSERT_GT(cases.size(), 300u);
  const core::Timestamp now = *core::parse_timestamp("2026-01-01T00:00:00Z");
  int passed = 0;
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const json::object& c = cases[i].as_object();
    auto schedule = parse_schedule(c.at("schedule"), json::array{}, now);
    if (!schedule) {
      ADD_FAILURE() << "case " << i << " " << json::serialize(c.at("schedule")) << " rejected: "
                    << json::serialize(schedule.error().detail);
      continue;
    }
    std::optional<std::size_t> n;
    if (!c.at("n").is_null()) n = static_cast<std::size_t>(c.at("n").to_number<int64_t>());
    auto dates = next_dates(*schedule, *core::parse_timestamp(c.at("start").as_string()), n,
                            optional_time(c.at("end")));
    json::array got;
    for (auto t : dates) got.emplace_back(core::format_timestamp(t));
    if (got == c.at("expected").as_array()) {
      ++passed;
    } else {
      ADD_FAILURE() << "case " << i << " " << json::serialize(c.at("schedule")) << " start "
                    << c.at("start").as_string() << " n " << json::serialize(c.at("n"))
                    << "\n expected " << json::serialize(c.at("expected")) << "\n got      "
                    << json::serialize(got);
    }
  }
  std::cout << "schedule oracle: " << passed << "/" << cases.size() << " cases match\n";
}

// Verifies that cron and rrule strings are accepted or refused exactly as Prefect's validators do.
TEST(ScheduleOracle, ValidityMatchesPrefect) {
  json::value doc = load_cases();
  int checked = 0;
  for (const json::value& v : doc.at("cron_validity").as_array()) {
    std::string text(v.at("text").as_string());
    EXPECT_EQ(CronExpression::parse(text).ok(), v.at("valid").as_bool()) << "cron \"" << text << "\"";
    ++checked;
  }
  for (const json::value& v : doc.at("rrule_validity").as_array()) {
    std::string text(v.at("text").as_string());
    EXPECT_EQ(parse_rrule_set(text).ok(), v.at("valid").as_bool()) << "rrule \"" << text << "\"";
    ++checked;
  }
  EXPECT_GT(checked, 50);
}

}  // namespace
}  // namespace praetor::schedules
