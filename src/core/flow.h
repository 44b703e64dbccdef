// A flow: a named unit of work with tags and labels; its runs reference it by id (Prefect's
// core.Flow, api/flows.py). Flows travel as model objects (core/model.h).
#pragma once

#include <string_view>

#include <boost/json.hpp>

#include "core/model.h"
#include "core/timestamp.h"

namespace praetor::core {

// FlowCreate: name (Prefect's `Name`), tags, labels. FlowUpdate carries tags only. The
// filter family and sorts are the run-path registry's FlowFilter (api/filter_registry.h),
// which the other roots' filters share, so the model declares none.
const Model& flow_model();

// A new flow's object as a bare-name POST /flows/ makes it: a new id, dated `now`, no tags
// or labels.
boost::json::object new_flow(std::string_view name, Timestamp now);

}  // namespace praetor::core
