// Flow-run inputs (core/flow_run_input.h) as the resume route needs them: read one by key,
// store the resumer's answer. Both run in the caller's transaction.
#pragma once

#include <optional>
#include <string>

#include <boost/json.hpp>

#include "core/timestamp.h"
#include "store/connection.h"

namespace praetor::api {

std::optional<boost::json::object> find_flow_run_input(store::Connection& c, const std::string& flow_run_id,
                                                       const std::string& key);
void insert_flow_run_input(store::Connection& c, const std::string& flow_run_id, const std::string& key,
                           const std::string& value, core::Timestamp now);

}  // namespace praetor::api
