// A log (Prefect's core.Log and its LogCreate action, api/logs.py). POST /logs/ reads a
// list of LogCreate bodies; /logs/filter, /logs/out and /flow_runs/{id}/logs/download read
// the stored objects.
#pragma once

#include "core/model.h"

namespace praetor::core {

// Fields in the order of Log: id, created, updated, name, level, message, timestamp,
// flow_run_id, task_run_id, then worker_id (sent by newer clients; stored, never answered).
// LogFilter: level ge_/le_, timestamp before_/after_, flow_run_id any_, task_run_id
// any_/is_null_ (its text search is api/logs.cpp's); LogSort: TIMESTAMP_ASC (default),
// TIMESTAMP_DESC.
const Model& log_model();

}  // namespace praetor::core
