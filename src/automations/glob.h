// Label and event-name patterns as Prefect's automations match them
// (prefect/server/events/schemas/events.py `matches`, schemas/automations.py `event_pattern`).
#pragma once

#include <string_view>

namespace praetor::automations {

// fnmatch-style glob over the whole text: `*` any run of characters (also empty), `?` one
// character; everything else literal. Case-sensitive (fnmatchcase).
bool glob_match(std::string_view pattern, std::string_view text);

// Prefect's label rule: a leading `!` negates the pattern; an absent label never matches,
// negated or not.
bool label_matches(std::string_view pattern, const std::string_view* value);

}  // namespace praetor::automations
