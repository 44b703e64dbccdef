#include "core/utf8.h"

#include <cstdint>
#include <vector>

namespace praetor::core {

std::size_t utf8_sequence_length(std::string_view s, std::size_t at) {
  auto c = static_cast<unsigned char>(s[at]);
  if (c < 0x80) return 1;
  std::size_t n = 0;
  uint32_t cp = 0;
  if ((c & 0xe0) == 0xc0) {
    n = 1;
    cp = c & 0x1f;
  } else if ((c & 0xf0) == 0xe0) {
    n = 2;
    cp = c & 0x0f;
  } else if ((c & 0xf8) == 0xf0) {
    n = 3;
    cp = c & 0x07;
  } else {
    return 0;
  }
  if (s.size() - at <= n) return 0;
  for (std::size_t k = 1; k <= n; ++k) {
    auto cc = static_cast<unsigned char>(s[at + k]);
    if ((cc & 0xc0) != 0x80) return 0;
    cp = (cp << 6) | (cc & 0x3f);
  }
  bool overlong = (n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000);
  if (overlong || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) return 0;
  return n + 1;
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    auto n = utf8_sequence_length(s, i);
    if (n == 0) return false;
    i += n;
  }
  return true;
}

std::string with_valid_utf8(std::string_view s) {
  std::string out;
  out.reserve(s.size());
  for (std::size_t i = 0; i < s.size();) {
    auto n = utf8_sequence_length(s, i);
    if (n == 0) {
      out += "\xEF\xBF\xBD";
      i += 1;
    } else {
      out.append(s.substr(i, n));
      i += n;
    }
  }
  return out;
}

std::string truncated_to(std::size_t length, std::string_view text) {
  std::vector<std::size_t> starts;  // byte offset of each character
  for (std::size_t i = 0; i < text.size();) {
    starts.push_back(i);
    auto n = utf8_sequence_length(text, i);
    i += n == 0 ? 1 : n;
  }
  if (starts.size() <= length) return std::string(text);
  const std::size_t half = length / 2;
  const std::size_t chars = starts.size();
  std::string_view beginning = text.substr(0, starts[half]);
  std::string_view end = half == 0 ? std::string_view() : text.substr(starts[chars - half]);
  const std::size_t omitted = chars - 2 * half;
  std::string proposed =
      std::string(beginning) + "..." + std::to_string(omitted) + " additional characters..." + std::string(end);
  // Prefect compares character counts; the marker is ASCII, so bytes of the kept parts plus
  // its length compare the same way.
  const std::size_t proposed_chars = 2 * half + (proposed.size() - beginning.size() - end.size());
  return proposed_chars < chars ? proposed : std::string(text);
}

}  // namespace praetor::core
