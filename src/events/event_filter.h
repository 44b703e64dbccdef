// Prefect's EventFilter (server/events/filters.py): parsed from JSON once, then used two
// ways that must agree: compiled to SQL over `event`/`event_resource` (for /events/filter,
// /events/count-by and /events/out backfill), and matched in memory against live events
// (for /events/out delivery).
//
// Semantics, as Prefect's SQL (not its in-memory code, which ignores `related`):
// - occurred: since ≤ occurred ≤ until; defaults: since = start of today (UTC) − 180 days,
//   until = now.
// - event: prefix (any), exclude_prefix (none), name (any, exact), exclude_name (none).
// - resource (the primary resource): id (any, exact), id_prefix (any), labels.
// - related (an object or a list, each ANDed): some related resource (role ≠ '') satisfies
//   every given criterion: id, role, resources_in_roles [[id, role], …], labels. With `role`
//   given, the primary resource (role '') is not excluded by default.
// - any_resource (object or list, ANDed): some resource, primary or related, satisfies id,
//   id_prefix, labels.
// - labels: {label: pattern | [patterns]}; a label matches when its value matches any
//   pattern; "!p" negates; '*' and '?' are wildcards (other characters literal); a missing
//   label never matches; an empty list matches nothing. "prefect.resource.id" is matched
//   against the id, and (for related/any_resource) "prefect.resource.role" names roles
//   exactly.
// - id: the event id is one of these. text: Prefect's search syntax (terms OR'ed,
//   -/! exclude, + required, "quoted phrases"), case-insensitive substring of the event JSON.
// - Empty lists filter nothing ("if self.prefix:" in Prefect).
#pragma once

#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/timestamp.h"
#include "events/event.h"
#include "store/sql_conditions.h"

namespace praetor::events {

using StringList = std::vector<std::string>;

// label → patterns, in the order given.
using LabelSpec = std::vector<std::pair<std::string, StringList>>;

struct ResourceCriteria {
  StringList id;
  StringList id_prefix;
  StringList role;                                         // related only
  std::vector<std::pair<std::string, std::string>> resources_in_roles;  // related only
  std::optional<LabelSpec> labels;
  bool distinct = false;  // resource only; accepted, not applied
};

struct TextQuery {
  StringList include, exclude, required;  // lower-cased
};

struct EventFilter {
  core::Timestamp since{};
  core::Timestamp until{};
  StringList prefix, exclude_prefix, name, exclude_name;
  std::optional<ResourceCriteria> resource;
  std::vector<ResourceCriteria> related;
  std::vector<ResourceCriteria> any_resource;
  StringList ids;
  std::optional<TextQuery> text;
  bool ascending = false;  // order: "DESC" by default
};

// Parses an EventFilter object (null or absent → all defaults). `loc` prefixes the 422
// locations, e.g. {"body", "filter"}.
core::Result<EventFilter> parse_event_filter(const boost::json::value* v, core::Timestamp now,
                                             boost::json::array loc);

// JSON for a parsed filter, with `occurred` resolved; parse_event_filter reads it back.
boost::json::object to_json(const EventFilter& f);

// Whether `e` satisfies the filter (live delivery).
bool matches(const EventFilter& f, const Event& e);

// A WHERE condition over `event` aliased `e`; '?' placeholders in order.
store::SqlCondition to_sql(const EventFilter& f);

// Prefect's label pattern match: '*' any run, '?' one character, "!" prefix negates; a
// missing value never matches.
bool label_matches(std::string_view pattern, const std::optional<std::string>& value);

// Parses Prefect's text-search syntax.
TextQuery parse_text_query(std::string_view query);

}  // namespace praetor::events
