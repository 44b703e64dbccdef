#include "importer/fernet.h"

#include <gtest/gtest.h>

namespace praetor::importer {
namespace {

// Made with Python's cryptography package: Fernet(kKey).encrypt_at_time(b'{"value": "s3cr3t"}', 499162800).
constexpr const char* kKey = "cw_0x689RpI-jtRR7oE8h_eQsKImvJapLeSbXpwF4e4=";
constexpr const char* kToken =
    "gAAAAAAdwJ6wgu3lifdsbvlVASpRO6ntPKWG9tlxwNfUu7Tro5zrlpJLQaHbamo0CN4mscmuzmXQPBupNore_cyrEaGS3boOao79A6Z_"
    "GhgQWh96QVo_Fuk=";

// Verifies a token made by Prefect's cryptography package decrypts to its plaintext.
TEST(Fernet, DecryptsATokenOfTheCryptographyPackage) {
  auto plain = fernet_decrypt(kKey, kToken);
  ASSERT_TRUE(plain) << plain.error().message;
  EXPECT_EQ(*plain, R"({"value": "s3cr3t"})");
}

// Verifies another key, an altered token and a malformed key are errors, never garbage.
TEST(Fernet, RefusesAnotherKeyAnAlteredTokenAndABadKey) {
  EXPECT_FALSE(fernet_decrypt("AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA=", kToken));
  std::string altered = kToken;
  altered[40] = altered[40] == 'A' ? 'B' : 'A';
  EXPECT_FALSE(fernet_decrypt(kKey, altered));
  EXPECT_FALSE(fernet_decrypt("short", kToken));
  EXPECT_FALSE(fernet_decrypt(kKey, "not-a-token"));
}

}  // namespace
}  // namespace praetor::importer
