// Prefect's FlowRunSlotSummary: a run holding a work queue's or work pool's concurrency slot,
// as the /concurrency_status routes list it.
#pragma once

#include <boost/json.hpp>

#include "core/flow_run.h"
#include "core/timestamp.h"

namespace praetor::api {

boost::json::object flow_run_slot_summary(const core::FlowRun& run, core::Timestamp now);

}  // namespace praetor::api
