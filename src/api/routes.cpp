#include "api/routes.h"

#include <spdlog/spdlog.h>

#include "api/metrics_routes.h"
#include "api/unserved_routes.h"
#include "core/repeated_log.h"

namespace praetor::api {

namespace {

// A request for one of Prefect's API routes that Praetor does not serve is logged with the
// route's template (rate-limited per template), so that a missing operation is named in the
// log rather than lost among 404s for mistyped paths.
void log_unserved_prefect_routes(Router& router, const ApiContext& context) {
  if (context.settings.prefect_package_dir.empty()) return;
  auto templates = std::make_shared<PrefectRouteTemplates>(PrefectRouteTemplates::load(context.settings.prefect_package_dir));
  if (templates->size() == 0) return;
  auto repeated = std::make_shared<core::RepeatedLog>(std::chrono::seconds(60));
  router.set_not_found_observer([templates, repeated](const Request& request) {
    if (request.path.rfind("/api/", 0) != 0) return;
    auto route = templates->match(std::string_view(request.path).substr(4));
    if (!route) return;
    repeated->log(spdlog::level::warn, request.method + " /api" + *route + ": not served by Praetor " PRAETOR_VERSION
                                       " (a Prefect API route; answered 404)");
  });
}

}  // namespace

void register_routes(Router& router, ApiContext& context) {
  // SQLite's write_async queues the write and returns; PostgreSQL's runs it on the caller's
  // thread, which must then be a handler-pool thread, not an I/O thread.
  router.set_async_dispatch(context.db.dialect() == store::Dialect::kSqlite);
  register_security(router, context);
  register_root_routes(router, context);
  register_admin_storage_routes(router, context);
  register_flow_routes(router, context);
  register_event_routes(router, context);
  register_log_routes(router, context);
  register_concurrency_limit_v2_routes(router, context);
  register_tag_concurrency_limit_routes(router, context);
  register_flow_run_routes(router, context);
  register_flow_run_state_routes(router, context);
  register_flow_run_graph_routes(router, context);
  // Background task runs: queued by task-run creation, delivered to subscribed task workers.
  auto task_run_dispatcher = std::make_shared<TaskRunDispatcher>(context);
  register_task_run_routes(router, context, task_run_dispatcher);
  register_task_run_subscription_routes(router, context, task_run_dispatcher);
  register_task_run_state_routes(router, context);
  // Workers connected over the worker channel get the pools' changes as snapshots.
  auto worker_channel = std::make_shared<WorkerChannelHub>(
      context, store::make_notification_listener(context.settings.database, context.settings.database_tuning,
                                                 kWorkerChannelChannel));
  register_work_pool_routes(router, context, worker_channel);
  register_worker_channel_route(router, context, worker_channel);
  register_deployment_routes(router, context);
  register_deployment_operation_routes(router, context);
  register_work_queue_routes(router, context);
  register_ui_routes(router, context);
  register_ui_task_run_routes(router, context);
  register_ui_schema_routes(router, context);
  register_run_history_routes(router, context);
  register_work_pool_concurrency_status_route(router, context);
  register_observed_state_routes(router, context);
  register_collection_routes(router, context);
  register_variable_routes(router, context);
  register_automation_routes(router, context);
  register_saved_search_routes(router, context);
  register_artifact_routes(router, context);
  register_flow_run_input_routes(router, context);
  register_flow_run_logs_download_route(router, context);
  register_block_type_routes(router, context);
  register_block_schema_routes(router, context);
  register_block_document_routes(router, context);
  register_metrics_routes(router, context);
  log_unserved_prefect_routes(router, context);
}

}  // namespace praetor::api
