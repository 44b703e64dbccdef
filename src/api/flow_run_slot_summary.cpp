#include "api/flow_run_slot_summary.h"

#include "core/json_util.h"
#include "core/state.h"

namespace praetor::api {

namespace json = boost::json;

boost::json::object flow_run_slot_summary(const core::FlowRun& run, core::Timestamp now) {
  json::value state_type = nullptr;
  if (run.state_type) state_type = std::string(core::to_string(*run.state_type));
  return json::object{{"id", run.id},
                      {"name", run.name},
                      {"state_type", std::move(state_type)},
                      {"state_name", run.state_name ? json::value(*run.state_name) : nullptr},
                      {"start_time", core::timestamp_or_null(run.start_time)},
                      {"state_timestamp", core::timestamp_or_null(run.state_timestamp)},
                      {"time_in_current_state",
                       run.state_timestamp ? json::value(core::to_seconds(now - *run.state_timestamp)) : nullptr}};
}

}  // namespace praetor::api
