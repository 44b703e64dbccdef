// Response compression as Prefect's server does it (Starlette's GZipMiddleware on the API and
// the UI): a body of at least kGzipMinimumBytes is sent gzip-encoded when the request's
// Accept-Encoding names gzip. UI assets are files that do not change while the server runs,
// so each is compressed once and kept (gzip_file).
#pragma once

#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace praetor::server {

// Starlette's default minimum_size: smaller bodies gain too little to be worth it.
inline constexpr std::size_t kGzipMinimumBytes = 500;

// The Accept-Encoding header names gzip with a nonzero q (a bare "*" counts too).
bool accepts_gzip(std::string_view accept_encoding);

// `data` as a gzip member (RFC 1952); nullopt if zlib fails.
std::optional<std::string> gzip_compress(std::string_view data);

// The gzip form of the file at `path`, compressed on first use and kept while its size and
// modification time stay the same; nullptr when the file cannot be read.
std::shared_ptr<const std::string> gzip_file(const std::string& path);

// Content types not worth compressing (already compressed) and streams (text/event-stream,
// which must not be buffered).
bool compressible(std::string_view content_type);

}  // namespace praetor::server
