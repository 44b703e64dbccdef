#include "core/uuid.h"

#include <atomic>
#include <chrono>
#include <cstdint>
#include <mutex>
#include <random>

namespace praetor::core {
namespace {

std::mt19937_64& rng() {
  thread_local std::mt19937_64 gen([] {
    std::random_device rd;
    std::seed_seq seq{rd(), rd(), rd(), rd()};
    return std::mt19937_64(seq);
  }());
  return gen;
}

bool is_hex(char c) {
  return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

char lower(char c) { return (c >= 'A' && c <= 'F') ? static_cast<char>(c - 'A' + 'a') : c; }

std::string format(const uint8_t b[16]) {
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  out.reserve(36);
  for (int i = 0; i < 16; ++i) {
    if (i == 4 || i == 6 || i == 8 || i == 10) out.push_back('-');
    out.push_back(kHex[b[i] >> 4]);
    out.push_back(kHex[b[i] & 0xF]);
  }
  return out;
}

}  // namespace

std::optional<std::string> parse_uuid(std::string_view text) {
  if (text.size() == 38 && text.front() == '{' && text.back() == '}') text = text.substr(1, 36);
  std::string hex;
  hex.reserve(32);
  if (text.size() == 36) {
    for (size_t i = 0; i < 36; ++i) {
      if (i == 8 || i == 13 || i == 18 || i == 23) {
        if (text[i] != '-') return std::nullopt;
        continue;
      }
      if (!is_hex(text[i])) return std::nullopt;
      hex.push_back(lower(text[i]));
    }
  } else if (text.size() == 32) {
    for (char c : text) {
      if (!is_hex(c)) return std::nullopt;
      hex.push_back(lower(c));
    }
  } else {
    return std::nullopt;
  }
  std::string out;
  out.reserve(36);
  for (size_t i = 0; i < 32; ++i) {
    if (i == 8 || i == 12 || i == 16 || i == 20) out.push_back('-');
    out.push_back(hex[i]);
  }
  return out;
}

std::string new_uuid4() {
  uint8_t b[16];
  uint64_t hi = rng()(), lo = rng()();
  for (int i = 0; i < 8; ++i) {
    b[i] = static_cast<uint8_t>(hi >> (56 - 8 * i));
    b[8 + i] = static_cast<uint8_t>(lo >> (56 - 8 * i));
  }
  b[6] = (b[6] & 0x0F) | 0x40;
  b[8] = (b[8] & 0x3F) | 0x80;
  return format(b);
}

std::string new_uuid7() {
  // 48-bit unix milliseconds, then a 12-bit counter in rand_a that restarts each millisecond
  // (RFC 9562 method 1), then 62 random bits.
  static std::mutex mu;
  static uint64_t last_ms = 0;
  static uint16_t counter = 0;
  uint64_t ms = static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                          std::chrono::system_clock::now().time_since_epoch())
                                          .count());
  uint16_t seq;
  {
    std::lock_guard lock(mu);
    if (ms <= last_ms) {
      ms = last_ms;
      if (++counter > 0x0FFF) {
        ++ms;
        counter = 0;
      }
    } else {
      counter = 0;
    }
    last_ms = ms;
    seq = counter;
  }
  uint8_t b[16];
  for (int i = 0; i < 6; ++i) b[i] = static_cast<uint8_t>(ms >> (40 - 8 * i));
  b[6] = static_cast<uint8_t>(0x70 | ((seq >> 8) & 0x0F));
  b[7] = static_cast<uint8_t>(seq & 0xFF);
  uint64_t r = rng()();
  for (int i = 0; i < 8; ++i) b[8 + i] = static_cast<uint8_t>(r >> (56 - 8 * i));
  b[8] = (b[8] & 0x3F) | 0x80;
  return format(b);
}

}  // namespace praetor::core
