#include "core/uuid.h"

#include <gtest/gtest.h>

#include <set>

namespace praetor::core {
namespace {

// Verifies the accepted spellings normalise to the lowercase hyphenated form.
TEST(ParseUuid, AcceptsCommonForms) {
  const std::string canon = "0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081";
  EXPECT_EQ(parse_uuid("0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081"), canon);
  EXPECT_EQ(parse_uuid("0B2D3C4E-5F60-4718-9A2B-3C4D5E6F7081"), canon);
  EXPECT_EQ(parse_uuid("{0b2d3c4e-5f60-4718-9a2b-3c4d5e6f7081}"), canon);
  EXPECT_EQ(parse_uuid("0b2d3c4e5f6047189a2b3c4d5e6f7081"), canon);
}

// Verifies malformed ids are refused rather than passed to the database.
TEST(ParseUuid, RejectsMalformed) {
  for (const char* bad : {"", "not-a-uuid", "0b2d3c4e-5f60-4718-9a2b-3c4d5e6f708",
                          "0b2d3c4e-5f60-4718-9a2b-3c4d5e6f708g", "0b2d3c4e_5f60-4718-9a2b-3c4d5e6f7081"}) {
    EXPECT_FALSE(parse_uuid(bad).has_value()) << bad;
  }
}

// Verifies version and variant bits and uniqueness of minted ids.
TEST(NewUuid, VersionBitsAndUniqueness) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    auto a = new_uuid4();
    auto b = new_uuid7();
    EXPECT_EQ(a[14], '4');
    EXPECT_EQ(b[14], '7');
    EXPECT_TRUE(a[19] == '8' || a[19] == '9' || a[19] == 'a' || a[19] == 'b');
    EXPECT_EQ(parse_uuid(a), a);
    EXPECT_TRUE(seen.insert(a).second);
    EXPECT_TRUE(seen.insert(b).second);
  }
}

// Verifies uuid7 values minted in sequence sort in creation order.
TEST(NewUuid, Uuid7IsMonotonic) {
  std::string prev = new_uuid7();
  for (int i = 0; i < 5000; ++i) {
    std::string next = new_uuid7();
    EXPECT_LT(prev.substr(0, 18), next.substr(0, 18));
    prev = next;
  }
}

}  // namespace
}  // namespace praetor::core
