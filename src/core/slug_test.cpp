#include "core/slug.h"

#include <gtest/gtest.h>

#include <set>

namespace praetor::core {
namespace {

// Verifies slugs are two lowercase words joined by one hyphen, and vary.
TEST(Slug, TwoWordsAndVaried) {
  std::set<std::string> seen;
  for (int i = 0; i < 200; ++i) {
    auto s = generate_slug();
    auto dash = s.find('-');
    ASSERT_NE(dash, std::string::npos);
    EXPECT_EQ(s.find('-', dash + 1), std::string::npos);
    for (char c : s) EXPECT_TRUE((c >= 'a' && c <= 'z') || c == '-') << s;
    seen.insert(s);
  }
  EXPECT_GT(seen.size(), 100u);
}

}  // namespace
}  // namespace praetor::core
