#include "core/log_format.h"

#include <boost/json.hpp>
#include <gtest/gtest.h>
#include <spdlog/details/log_msg.h>

namespace praetor::core {
namespace {

std::string format_line(std::string_view format, std::string_view message,
                        spdlog::level::level_enum level = spdlog::level::warn) {
  auto formatter = make_log_formatter(format);
  spdlog::details::log_msg msg(spdlog::source_loc{}, "praetor", level, message);
  spdlog::memory_buf_t out;
  formatter->format(msg, out);
  return std::string(out.data(), out.size());
}

// Verifies that a JSON line parses as one object whose message is the original text, with
// quotes, backslashes, newlines and control characters escaped, and that the level and a
// UTC timestamp are fields of it.
TEST(LogFormat, JsonLinesParseBackToTheMessage) {
  const std::string message = "POST /api/x: \"quoted\" back\\slash\nnext line\ttab \x01 été";
  std::string line = format_line("json", message);
  ASSERT_FALSE(line.empty());
  EXPECT_EQ(line.back(), '\n');
  EXPECT_EQ(std::count(line.begin(), line.end(), '\n'), 1);  // one line per message
  auto value = boost::json::parse(line);
  const auto& obj = value.as_object();
  EXPECT_EQ(obj.at("message").as_string(), message);
  EXPECT_EQ(obj.at("level").as_string(), "warning");
  std::string time(obj.at("time").as_string());
  ASSERT_EQ(time.size(), 27u);
  EXPECT_EQ(time.back(), 'Z');
  EXPECT_EQ(time[10], 'T');
}

// Verifies that the text format stays the server's usual line.
TEST(LogFormat, TextIsTheDefault) {
  std::string line = format_line("text", "hello", spdlog::level::info);
  EXPECT_EQ(line.substr(27), " info hello\n");
  EXPECT_EQ(format_line("other", "hello", spdlog::level::info).substr(27), " info hello\n");
}

}  // namespace
}  // namespace praetor::core
