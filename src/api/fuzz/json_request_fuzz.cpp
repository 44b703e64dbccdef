// libFuzzer harness: request bodies as the API decodes them. The input is a body's bytes;
// it is parsed as the routes parse it (core::parse_body, api::parse_object_body) and read by
// every create/update reader: the kit models' (core::read_create/read_update, then encoded
// back with to_response), flow and task runs, deployment runs, automations, states,
// schedules, events and work-queue updates. A reader must answer a value or a 422, never
// crash, throw or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/json.hpp>

#include "api/deployment_support.h"
#include "api/fuzz/kit_models.h"
#include "api/http.h"
#include "api/list_request.h"
#include "core/automation.h"
#include "core/flow_run.h"
#include "core/json_util.h"
#include "core/state.h"
#include "core/task_run.h"
#include "events/event.h"
#include "schedules/schedule_json.h"

namespace {

namespace json = boost::json;
using praetor::core::Timestamp;

// 2024-03-09T12:00:00Z: the readers take "now" from the caller.
const Timestamp kNow = praetor::core::from_micros(1'709'985'600'000'000);

void read_everything(const json::value& body) {
  using namespace praetor;
  for (const core::Model* model : api::fuzz::kit_models()) {
    if (auto created = core::read_create(*model, body)) {
      (void)core::to_json_text(core::to_response(*model, *created));
    }
    (void)core::read_update(*model, body);
  }
  (void)core::parse_flow_run_create(body, kNow);
  (void)core::parse_flow_run_update(body);
  (void)core::parse_task_run_create(body, kNow);
  (void)core::parse_state_create(body, json::array{"body", "state"}, kNow);
  (void)core::read_automation_body(body);
  (void)api::parse_deployment_flow_run_create(body, json::array{"body"}, kNow);
  if (auto schedule = schedules::parse_schedule(body, json::array{"body", "schedule"}, kNow)) {
    (void)schedules::to_json(*schedule);
  }
  (void)events::parse_event(body, kNow);
  if (const json::array* list = body.if_array()) {  // bulk bodies and /events batches
    for (const auto& item : *list) (void)events::parse_event(item, kNow);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace praetor;
  std::string text(reinterpret_cast<const char*>(data), size);
  api::Request request;
  request.method = "POST";
  request.body = text;
  (void)api::parse_object_body(request);
  if (auto body = core::parse_body(text)) read_everything(*body);
  return 0;
}
