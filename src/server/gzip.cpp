#include "server/gzip.h"

#include <zlib.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <sstream>

namespace praetor::server {

namespace {

std::string lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string_view trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

// Level 6 (zlib's default): nearly level 9's size at a fraction of its CPU; Starlette uses 9.
constexpr int kLevel = 6;

struct CachedFile {
  std::uintmax_t size = 0;
  std::filesystem::file_time_type modified;
  std::shared_ptr<const std::string> gzipped;
};

}  // namespace

bool accepts_gzip(std::string_view accept_encoding) {
  const std::string header = lower(accept_encoding);
  std::string_view rest = header;
  while (!rest.empty()) {
    auto comma = rest.find(',');
    std::string_view item = trim(rest.substr(0, comma));
    rest = comma == std::string_view::npos ? std::string_view() : rest.substr(comma + 1);
    auto semicolon = item.find(';');
    std::string_view coding = trim(item.substr(0, semicolon));
    if (coding != "gzip" && coding != "*") continue;
    if (semicolon == std::string_view::npos) return true;
    std::string_view param = trim(item.substr(semicolon + 1));
    if (!param.starts_with("q=")) return true;
    try {
      return std::stod(std::string(param.substr(2))) > 0.0;
    } catch (const std::exception&) {
      return false;
    }
  }
  return false;
}

std::optional<std::string> gzip_compress(std::string_view data) {
  z_stream z{};
  // 15 window bits + 16: a gzip header and trailer instead of zlib's.
  if (deflateInit2(&z, kLevel, Z_DEFLATED, 15 + 16, 8, Z_DEFAULT_STRATEGY) != Z_OK) return std::nullopt;
  std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
  z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
  z.avail_in = static_cast<uInt>(data.size());
  z.next_out = reinterpret_cast<Bytef*>(out.data());
  z.avail_out = static_cast<uInt>(out.size());
  int rc = deflate(&z, Z_FINISH);
  out.resize(z.total_out);
  deflateEnd(&z);
  if (rc != Z_STREAM_END) return std::nullopt;
  return out;
}

std::shared_ptr<const std::string> gzip_file(const std::string& path) {
  static std::mutex mutex;
  static std::map<std::string, CachedFile> cache;
  std::error_code ec;
  auto size = std::filesystem::file_size(path, ec);
  if (ec) return nullptr;
  auto modified = std::filesystem::last_write_time(path, ec);
  if (ec) return nullptr;
  {
    std::lock_guard lock(mutex);
    if (auto it = cache.find(path); it != cache.end() && it->second.size == size && it->second.modified == modified) {
      return it->second.gzipped;
    }
  }
  std::ifstream in(path, std::ios::binary);
  if (!in) return nullptr;
  std::ostringstream content;
  content << in.rdbuf();
  auto gzipped = gzip_compress(content.str());
  if (!gzipped) return nullptr;
  auto shared = std::make_shared<const std::string>(std::move(*gzipped));
  std::lock_guard lock(mutex);
  cache[path] = CachedFile{size, modified, shared};
  return shared;
}

bool compressible(std::string_view content_type) {
  const std::string type = lower(content_type);
  for (std::string_view skip : {"text/event-stream", "image/png", "image/jpeg", "image/gif", "image/webp",
                                "font/woff", "font/woff2", "application/zip", "application/gzip"}) {
    if (type.starts_with(skip)) return false;
  }
  return true;
}

}  // namespace praetor::server
