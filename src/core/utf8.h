// UTF-8 text checks for bytes that arrive from outside (request bodies, responses of
// outside systems) before they go into JSON, whose encoder needs valid UTF-8.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace praetor::core {

// The length of the valid UTF-8 sequence at `at` (1 to 4), or 0 when the bytes there are not
// one (a stray continuation byte, a truncated or overlong sequence, a surrogate, beyond
// U+10FFFF).
std::size_t utf8_sequence_length(std::string_view text, std::size_t at);

bool valid_utf8(std::string_view text);

// `text` with every byte that does not start a valid sequence replaced by U+FFFD (as a
// decoder with errors="replace" reads it).
std::string with_valid_utf8(std::string_view text);

// Prefect's truncated_to: `text` (valid UTF-8) when it has at most `length` characters;
// otherwise its first and last length/2 characters around "...N additional characters...",
// unless that is not shorter.
std::string truncated_to(std::size_t length, std::string_view text);

}  // namespace praetor::core
