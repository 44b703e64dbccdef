#include "core/utf8.h"

#include <gtest/gtest.h>

namespace praetor::core {
namespace {

TEST(Utf8, ValidTextPassesAndBrokenBytesAreReplaced) {
  EXPECT_TRUE(valid_utf8("plain ascii and é and 日本 and 😀"));
  EXPECT_FALSE(valid_utf8("\xC0\xAF"));          // overlong '/'
  EXPECT_FALSE(valid_utf8("\xED\xA0\x80"));      // a surrogate
  EXPECT_FALSE(valid_utf8("abc\xE6\x97"));       // truncated at the end
  EXPECT_EQ(with_valid_utf8("a\xFF" "b"), "a\xEF\xBF\xBD" "b");
  EXPECT_EQ(with_valid_utf8("é"), "é");
  EXPECT_TRUE(valid_utf8(with_valid_utf8("\x80\x80\xE6\x97")));
}

TEST(Utf8, TruncatedToKeepsBothEndsAndCountsWhatIsLeftOut) {
  EXPECT_EQ(truncated_to(10, "short"), "short");
  EXPECT_EQ(truncated_to(10, std::string(10, 'x')), std::string(10, 'x'));
  std::string long_text = std::string(500, 'a') + std::string(1000, 'b') + std::string(500, 'c');
  EXPECT_EQ(truncated_to(1000, long_text),
            std::string(500, 'a') + "...1000 additional characters..." + std::string(500, 'c'));
  // Not shorter with the marker: the text stays whole (Prefect's rule).
  EXPECT_EQ(truncated_to(10, std::string(12, 'x')), std::string(12, 'x'));
  // Counted in characters, never cutting one in half.
  std::string accents;
  for (int i = 0; i < 100; ++i) accents += "é";
  EXPECT_EQ(truncated_to(40, accents), std::string(accents.substr(0, 40)) + "...60 additional characters..." +
                                           std::string(accents.substr(0, 40)));
}

}  // namespace
}  // namespace praetor::core
