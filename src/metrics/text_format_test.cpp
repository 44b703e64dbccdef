#include "metrics/text_format.h"

#include <cmath>
#include <limits>

#include <gtest/gtest.h>

namespace praetor::metrics {
namespace {

// Verifies the three escapes a label value needs, and that nothing else is touched.
TEST(TextFormat, EscapesLabelValues) {
  EXPECT_EQ(escape_label_value(R"(a\b"c)"
                               "\nd"),
            R"(a\\b\"c\nd)");
  EXPECT_EQ(escape_label_value("/api/flows/{id}"), "/api/flows/{id}");
  EXPECT_EQ(escape_label_value("été"), "été");
}

// Verifies that HELP escapes backslash and newline but leaves quotes alone.
TEST(TextFormat, EscapesHelp) { EXPECT_EQ(escape_help("say \"hi\"\\\nbye"), "say \"hi\"\\\\\\nbye"); }

TEST(TextFormat, FormatsValues) {
  EXPECT_EQ(format_value(0), "0");
  EXPECT_EQ(format_value(42), "42");
  EXPECT_EQ(format_value(-3), "-3");
  EXPECT_EQ(format_value(0.25), "0.25");
  EXPECT_EQ(format_value(0.001), "0.001");
  EXPECT_EQ(format_value(std::numeric_limits<double>::infinity()), "+Inf");
  EXPECT_EQ(format_value(-std::numeric_limits<double>::infinity()), "-Inf");
  EXPECT_EQ(format_value(std::nan("")), "NaN");
  EXPECT_EQ(std::stod(format_value(1e300)), 1e300);
}

TEST(TextFormat, AppendsSamplesAndHeaders) {
  std::string out;
  append_header(out, "praetor_x_total", "Things.\nMore.", "counter");
  append_sample(out, "praetor_x_total", {}, {}, 3);
  append_sample(out, "praetor_x_total", {"route", "status"}, {"/a\"b", "200"}, 1.5);
  EXPECT_EQ(out,
            "# HELP praetor_x_total Things.\\nMore.\n"
            "# TYPE praetor_x_total counter\n"
            "praetor_x_total 3\n"
            "praetor_x_total{route=\"/a\\\"b\",status=\"200\"} 1.5\n");
}

}  // namespace
}  // namespace praetor::metrics
