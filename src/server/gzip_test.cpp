#include "server/gzip.h"

#include <zlib.h>

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>

#include <gtest/gtest.h>

namespace praetor::server {
namespace {

std::string gunzip(const std::string& data) {
  z_stream z{};
  EXPECT_EQ(inflateInit2(&z, 15 + 16), Z_OK);
  std::string out(1 << 20, '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  EXPECT_EQ(inflate(&z, Z_FINISH), Z_STREAM_END);
  out.resize(z.total_out);
  inflateEnd(&z);
  return out;
}

// Verifies which Accept-Encoding headers take gzip: named (any case, among others), "*",
// and not with q=0 or when absent.
TEST(Gzip, AcceptsGzipAsTheHeaderSays) {
  EXPECT_TRUE(accepts_gzip("gzip"));
  EXPECT_TRUE(accepts_gzip("gzip, deflate, br, zstd"));
  EXPECT_TRUE(accepts_gzip("br;q=1.0, GZIP;q=0.5"));
  EXPECT_TRUE(accepts_gzip("*"));
  EXPECT_FALSE(accepts_gzip(""));
  EXPECT_FALSE(accepts_gzip("identity"));
  EXPECT_FALSE(accepts_gzip("deflate, br"));
  EXPECT_FALSE(accepts_gzip("gzip;q=0"));
  EXPECT_FALSE(accepts_gzip("x-gzip-not"));
}

// Verifies a body round-trips through a gzip member (magic bytes 1f 8b) and shrinks.
TEST(Gzip, CompressesToAGzipMember) {
  std::string body;
  for (int i = 0; i < 200; ++i) body += R"({"id": ")" + std::to_string(i) + R"(", "state_type": "COMPLETED"},)";
  auto gz = gzip_compress(body);
  ASSERT_TRUE(gz);
  ASSERT_GE(gz->size(), 2u);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[0]), 0x1f);
  EXPECT_EQ(static_cast<unsigned char>((*gz)[1]), 0x8b);
  EXPECT_LT(gz->size(), body.size() / 4);
  EXPECT_EQ(gunzip(*gz), body);
  EXPECT_EQ(gunzip(*gzip_compress("")), "");
}

// Verifies a file is compressed once and served again from memory while it is unchanged,
// and compressed anew when it changes; a missing file gives nullptr.
TEST(Gzip, KeepsAFilesCompressedFormUntilItChanges) {
  auto path = (std::filesystem::temp_directory_path() / ("praetor-gzip-" + std::to_string(::getpid()) + ".js")).string();
  std::ofstream(path) << std::string(4000, 'a');
  auto first = gzip_file(path);
  ASSERT_TRUE(first);
  EXPECT_EQ(gunzip(*first), std::string(4000, 'a'));
  EXPECT_EQ(gzip_file(path).get(), first.get());
  std::ofstream(path) << std::string(5000, 'b');
  auto changed = gzip_file(path);
  ASSERT_TRUE(changed);
  EXPECT_EQ(gunzip(*changed), std::string(5000, 'b'));
  std::filesystem::remove(path);
  EXPECT_EQ(gzip_file(path), nullptr);
}

// Verifies streams and already-compressed types are left alone.
TEST(Gzip, SkipsStreamsAndCompressedTypes) {
  EXPECT_TRUE(compressible("application/json"));
  EXPECT_TRUE(compressible("text/javascript; charset=utf-8"));
  EXPECT_FALSE(compressible("text/event-stream"));
  EXPECT_FALSE(compressible("image/png"));
  EXPECT_FALSE(compressible("font/woff2"));
}

}  // namespace
}  // namespace praetor::server
