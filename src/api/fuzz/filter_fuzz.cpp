// libFuzzer harness: the filter bodies of /…/filter, /…/count and /…/paginate, of
// /events/filter and /events/out and of /logs/out, decoded into store filters. The input is
// a request body; it is read for every filter root (api/filter_registry.h), every kit model's
// filter family (api/model_filter.h), as an event filter and as a log stream filter. Each must
// compile to SQL or answer a 422, never crash, throw or hang.
#include <cstddef>
#include <cstdint>
#include <string>

#include <boost/json.hpp>

#include "api/fuzz/kit_models.h"
#include "api/http.h"
#include "api/list_request.h"
#include "api/log_query.h"
#include "api/log_stream_filter.h"
#include "api/model_filter.h"
#include "core/json_util.h"
#include "events/event_filter.h"
#include "store/sql_conditions.h"

namespace {

namespace json = boost::json;

const praetor::core::Timestamp kNow = praetor::core::from_micros(1'709'985'600'000'000);

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  using namespace praetor;
  api::Request request;
  request.method = "POST";
  request.body.assign(reinterpret_cast<const char*>(data), size);
  for (api::FilterRoot root : {api::FilterRoot::kFlow, api::FilterRoot::kFlowRun, api::FilterRoot::kTaskRun,
                                 api::FilterRoot::kDeployment, api::FilterRoot::kWorkPool,
                                 api::FilterRoot::kWorkQueue}) {
    (void)api::parse_list_request(request, root, 200);
    (void)api::parse_count_request(request, root);
  }
  for (const core::Model* model : api::fuzz::kit_models()) (void)api::parse_list_request(request, api::model_query(*model), 200);
  (void)api::parse_list_request(request, api::log_query(), 200);

  auto body = core::parse_body(request.body);
  if (!body) return 0;
  const json::object* object = body->if_object();
  const json::value* filter = object ? object->if_contains("filter") : nullptr;
  if (auto events = events::parse_event_filter(filter, kNow, json::array{"body", "filter"})) {
    // The filter's JSON form is read back by the next page's request (/events/filter/next).
    json::value again = events::to_json(*events);
    (void)events::parse_event_filter(&again, kNow, json::array{"body", "filter"});
  }
  (void)api::parse_log_stream_filter(filter);
  return 0;
}
