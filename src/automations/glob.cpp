#include "automations/glob.h"

namespace praetor::automations {

bool glob_match(std::string_view pattern, std::string_view text) {
  // Iterative matcher with one backtrack point for the last `*` (linear for one star,
  // quadratic at worst; patterns are short).
  std::size_t p = 0, t = 0;
  std::size_t star = std::string_view::npos, star_text = 0;
  while (t < text.size()) {
    if (p < pattern.size() && (pattern[p] == '?' || pattern[p] == text[t])) {
      ++p;
      ++t;
    } else if (p < pattern.size() && pattern[p] == '*') {
      star = p++;
      star_text = t;
    } else if (star != std::string_view::npos) {
      p = star + 1;
      t = ++star_text;
    } else {
      return false;
    }
  }
  while (p < pattern.size() && pattern[p] == '*') ++p;
  return p == pattern.size();
}

bool label_matches(std::string_view pattern, const std::string_view* value) {
  if (!value) return false;
  const bool negated = !pattern.empty() && pattern.front() == '!';
  if (negated) pattern.remove_prefix(1);
  const bool matched = glob_match(pattern, *value);
  return negated ? !matched : matched;
}

}  // namespace praetor::automations
