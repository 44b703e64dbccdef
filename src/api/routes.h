// Registers every REST and WebSocket route under /api. One register_* function per resource
// file; this is the only list of them.
#pragma once

#include "api/context.h"
#include "api/router.h"
#include "api/task_run_dispatcher.h"
#include "api/worker_channel_hub.h"

namespace praetor::api {

void register_routes(Router& router, ApiContext& context);

// Basic auth, CSRF (and GET /api/csrf-token), CORS: the router's middleware (csrf.cpp).
void register_security(Router& router, ApiContext& context);

// Per-resource registration, one per file.
void register_root_routes(Router& router, ApiContext& context);
// GET/PUT/DELETE /admin/storage (admin_storage.cpp).
void register_admin_storage_routes(Router& router, ApiContext& context);
void register_flow_routes(Router& router, ApiContext& context);
void register_event_routes(Router& router, ApiContext& context);
void register_log_routes(Router& router, ApiContext& context);
void register_concurrency_limit_v2_routes(Router& router, ApiContext& context);
void register_tag_concurrency_limit_routes(Router& router, ApiContext& context);
void register_flow_run_routes(Router& router, ApiContext& context);
void register_flow_run_state_routes(Router& router, ApiContext& context);
// GET /flow_runs/{id}/graph and /graph-v2 (flow_run_graph.cpp).
void register_flow_run_graph_routes(Router& router, ApiContext& context);
void register_task_run_routes(Router& router, ApiContext& context,
                              const std::shared_ptr<TaskRunDispatcher>& dispatcher);
// /task_runs/subscriptions/scheduled and /task_workers/filter (task_run_subscriptions.cpp).
void register_task_run_subscription_routes(Router& router, ApiContext& context,
                                           const std::shared_ptr<TaskRunDispatcher>& dispatcher);
void register_task_run_state_routes(Router& router, ApiContext& context);
// The work-pool routes tell `worker_channel` of the changes its workers receive as snapshots.
void register_work_pool_routes(Router& router, ApiContext& context,
                               const std::shared_ptr<WorkerChannelHub>& worker_channel);
// /work_pools/{name}/workers/connect (worker_channel_routes.cpp).
void register_worker_channel_route(Router& router, ApiContext& context,
                                   const std::shared_ptr<WorkerChannelHub>& worker_channel);
void register_deployment_routes(Router& router, ApiContext& context);
void register_deployment_operation_routes(Router& router, ApiContext& context);
void register_work_queue_routes(Router& router, ApiContext& context);
void register_ui_routes(Router& router, ApiContext& context);
void register_ui_task_run_routes(Router& router, ApiContext& context);
// POST /ui/schemas/validate (ui_schemas.cpp).
void register_ui_schema_routes(Router& router, ApiContext& context);
void register_run_history_routes(Router& router, ApiContext& context);
void register_work_pool_concurrency_status_route(Router& router, ApiContext& context);
void register_observed_state_routes(Router& router, ApiContext& context);
void register_collection_routes(Router& router, ApiContext& context);
void register_variable_routes(Router& router, ApiContext& context);
void register_automation_routes(Router& router, ApiContext& context);
void register_saved_search_routes(Router& router, ApiContext& context);
void register_artifact_routes(Router& router, ApiContext& context);
void register_flow_run_input_routes(Router& router, ApiContext& context);
void register_flow_run_logs_download_route(Router& router, ApiContext& context);
void register_block_type_routes(Router& router, ApiContext& context);
void register_block_schema_routes(Router& router, ApiContext& context);
void register_block_document_routes(Router& router, ApiContext& context);

}  // namespace praetor::api
