#include "core/timestamp.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

struct Case {
  const char* input;
  const char* expected;  // nullptr: must be rejected
};

// Verifies the ISO-8601 spellings clients send, and the pydantic output form.
TEST(Timestamp, ParseAndFormatTable) {
  const Case cases[] = {
      {"2026-08-21T16:27:33.123456Z", "2026-08-21T16:27:33.123456Z"},
      {"2026-08-21T16:27:33Z", "2026-08-21T16:27:33Z"},
      {"2026-08-21 16:27:33.5+00:00", "2026-08-21T16:27:33.500000Z"},
      {"2026-08-21T18:27:33+02:00", "2026-08-21T16:27:33Z"},
      {"2026-08-21T12:27:33-0400", "2026-08-21T16:27:33Z"},
      {"2026-08-21T16:27:33.1234567Z", "2026-08-21T16:27:33.123456Z"},
      {"2026-08-21T16:27", "2026-08-21T16:27:00Z"},
      {"2026-08-21", "2026-08-21T00:00:00Z"},
      {"2026-02-30T00:00:00Z", nullptr},
      {"2026-08-21T25:00:00Z", nullptr},
      {"yesterday", nullptr},
      {"2026-08-21T16:27:33Zjunk", nullptr},
      {"", nullptr},
  };
  for (const auto& c : cases) {
    auto t = parse_timestamp(c.input);
    if (c.expected == nullptr) {
      EXPECT_FALSE(t.has_value()) << c.input;
    } else {
      ASSERT_TRUE(t.has_value()) << c.input;
      EXPECT_EQ(format_timestamp(*t), c.expected) << c.input;
    }
  }
}

// Verifies the label form used in event resources.
TEST(Timestamp, OffsetForm) {
  auto t = parse_timestamp("2026-08-21T16:27:33.000100Z");
  ASSERT_TRUE(t);
  EXPECT_EQ(format_timestamp_offset(*t), "2026-08-21T16:27:33.000100+00:00");
}

// Verifies the manual clock only moves when told.
TEST(Clock, ManualClockAdvances) {
  ManualClock clock(*parse_timestamp("2026-01-01T00:00:00Z"));
  clock.advance(std::chrono::seconds(90));
  EXPECT_EQ(format_timestamp(clock.now()), "2026-01-01T00:01:30Z");
}

}  // namespace
}  // namespace praetor::core
