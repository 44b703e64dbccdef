// The list query of POST /logs/filter: core::log_model()'s LogFilter family (level, timestamp,
// flow_run_id, task_run_id) plus its text search (LogFilterTextSearch over the message and
// the logger name), and LogSort.
#pragma once

#include "api/list_request.h"

namespace praetor::api {

const ListQuery& log_query();

}  // namespace praetor::api
