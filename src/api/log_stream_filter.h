// The filter a /logs/out subscriber sends (Prefect's LogFilter) and the in-memory match of
// server/logs/stream.py log_matches_filter: level ge_/le_, timestamp before_/after_
// (inclusive), flow_run_id any_, task_run_id any_/is_null_. Like Prefect's stream, the other
// LogFilter fields (operator, text) are accepted and not applied.
#pragma once

#include <optional>
#include <string>
#include <vector>

#include <boost/json.hpp>

#include "core/result.h"
#include "core/timestamp.h"

namespace praetor::api {

struct LogStreamFilter {
  std::optional<int64_t> level_ge;
  std::optional<int64_t> level_le;
  std::optional<core::Timestamp> timestamp_before;
  std::optional<core::Timestamp> timestamp_after;
  std::optional<std::vector<std::string>> flow_run_ids;  // normalised UUID text
  std::optional<std::vector<std::string>> task_run_ids;
  std::optional<bool> task_run_is_null;
};

// Null or absent is the empty filter; an error names the offending field.
core::Result<LogStreamFilter> parse_log_stream_filter(const boost::json::value* filter);

// `log` is a core::log_model() object.
bool matches(const LogStreamFilter& filter, const boost::json::object& log);

}  // namespace praetor::api
