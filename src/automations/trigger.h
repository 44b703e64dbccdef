// An automation's trigger tree as Prefect's schemas/automations.py describes it: event
// triggers (reactive or proactive) and composite triggers (compound: `require` any/all/N of
// their children; sequence: all children, in order), nested to any depth.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "automations/resource_spec.h"
#include "core/result.h"
#include "events/event.h"

namespace praetor::automations {

enum class Posture { kReactive, kProactive };
enum class TriggerKind { kEvent, kCompound, kSequence };

struct Trigger {
  TriggerKind kind = TriggerKind::kEvent;
  std::string id;

  // kEvent
  ResourceSpec match;
  std::vector<ResourceSpec> match_related;  // every one must include a related resource
  std::vector<std::string> after;
  std::vector<std::string> expect;
  std::vector<std::string> for_each;  // sorted, as Prefect sorts them for bucketing keys
  Posture posture = Posture::kReactive;
  int64_t threshold = 1;
  std::chrono::microseconds within{0};

  // kCompound / kSequence
  std::vector<Trigger> children;
  std::string require;  // "any", "all" or a number, as given (compound only)
  std::optional<std::chrono::microseconds> composite_within;

  // Event triggers ------------------------------------------------------------------------
  // The event's name is one this trigger looks at (expect or after) and its resources match.
  bool covers(const events::Event& e) const { return covers_name(e.event) && covers_resources(e); }
  // The two halves of covers(): the name part depends on the event's name only, so the
  // engine looks it up once per name (TriggerEngine::candidates).
  bool covers_name(std::string_view event_name) const;
  bool covers_resources(const events::Event& e) const;
  // A resource id the event must carry for covers_resources() to hold, when the trigger
  // names one exactly: (id, true) for its own resource (`match`), (id, false) for a related
  // one (`match_related`). Lets the engine skip triggers on other resources unexamined.
  std::optional<std::pair<std::string, bool>> required_resource_id() const;
  bool expects(std::string_view event_name) const;
  bool starts_after(std::string_view event_name) const;
  // Fires at every matching event: reactive with a zero window.
  bool immediate() const { return posture == Posture::kReactive && within.count() == 0; }
  bool meets_threshold(int64_t count) const;
  // The values of the for_each labels (related:<role>:<label> reads the first related
  // resource in that role), "" where absent.
  std::vector<std::string> bucketing_key(const events::Event& e) const;

  // Composite triggers --------------------------------------------------------------------
  std::size_t num_expected_firings() const;

  // Prefect's state-change events name the trigger type: "event", "compound", "sequence".
  std::string_view type_name() const;
};

// Parses a trigger as Prefect serialises it (the `trigger` of an automation). Durations are
// seconds (number) or ISO-8601 durations ("PT10S"). Errors are 422-shaped messages.
core::Result<Trigger> parse_trigger(const boost::json::value& v);

// Durations as Prefect accepts them: seconds, or an ISO-8601 "PnDTnHnMnS" string.
std::optional<std::chrono::microseconds> parse_duration(const boost::json::value& v);

// The value of a label on the event's resource, or on the first related resource with the
// role for "related:<role>:<label>"; nullopt when absent.
std::optional<std::string> find_resource_label(const events::Event& e, std::string_view label);

}  // namespace praetor::automations
