// Which task-run filter bodies the task-run rollup (store/task_run_rollup.h) can answer: the
// shapes the dashboard and runs pages send, read from the body already validated by
// compile_filter_body (api/filter_registry.h). Keys the caller reads itself (history_start,
// sort, limit, …) are ignored; any other key, or a leaf outside those shapes, is nullopt and
// the caller runs its plain query.
#pragma once

#include <optional>

#include <boost/json.hpp>

#include "store/task_run_rollup.h"

namespace praetor::api {

std::optional<store::task_run_rollup::Filter> rollup_filter(const boost::json::object& body);

}  // namespace praetor::api
