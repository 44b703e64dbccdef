#include "api/log_response.h"

namespace praetor::api {

namespace json = boost::json;

json::object log_response(const store::logs::Log& log) {
  return json::object{{"id", log.id},
                      {"created", core::format_timestamp(log.created)},
                      {"updated", core::format_timestamp(log.updated)},
                      {"name", log.name},
                      {"level", log.level},
                      {"message", log.message},
                      {"timestamp", core::format_timestamp(log.timestamp)},
                      {"flow_run_id", log.flow_run_id ? json::value(*log.flow_run_id) : json::value()},
                      {"task_run_id", log.task_run_id ? json::value(*log.task_run_id) : json::value()}};
}

}  // namespace praetor::api
