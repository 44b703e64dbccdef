// /api/task_runs/subscriptions/scheduled (Prefect's api/task_runs.py
// scheduled_task_subscription) and POST /api/task_workers/filter (api/task_workers.py).
// After the auth handshake the task worker sends {"type":"subscribe","keys":[task keys],
// "client_id":…}; the server then sends one TaskRun at a time and waits for {"type":"ack"}
// (task_run_dispatcher.h). A violation closes with 4001 and Prefect's reason.
#include <spdlog/spdlog.h>

#include "api/authenticated_socket.h"
#include "api/routes.h"
#include "api/task_run_dispatcher.h"
#include "core/json_util.h"
#include "store/task_run_queue.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

constexpr uint16_t kProtocolViolation = 4001;

class ScheduledTaskRunsSocket final : public AuthenticatedSocket {
 public:
  ScheduledTaskRunsSocket(ApiContext& ctx, std::shared_ptr<TaskRunDispatcher> dispatcher, const Request& upgrade,
                          std::shared_ptr<WebSocketPeer> peer)
      : AuthenticatedSocket(upgrade, std::move(peer), ctx.settings.auth_string), dispatcher_(std::move(dispatcher)) {}
  ~ScheduledTaskRunsSocket() override { on_closed(); }

  void on_closed() override {
    if (subscriber_) dispatcher_->unsubscribe(subscriber_);
  }

 private:
  const char* kind() const override { return "/task_runs/subscriptions/scheduled"; }

  void violation(const char* reason) {
    closing_ = true;
    if (subscriber_) dispatcher_->unsubscribe(subscriber_);
    peer_->close(kProtocolViolation, reason);
  }

  void on_message(std::string_view message) override {
    if (closing_) return;
    auto o = parse_object(message);
    if (!subscriber_) return subscribe(o);
    std::string type = o ? type_of(*o) : std::string();
    if (type == "ack") return dispatcher_->acknowledge(subscriber_);
    if (type == "quit") {
      closing_ = true;
      dispatcher_->unsubscribe(subscriber_);
      return peer_->close(1000, "");
    }
    violation("Protocol violation: expected 'ack' message");
  }

  void subscribe(const std::optional<json::object>& o) {
    if (!o || type_of(*o) != "subscribe") return violation("Protocol violation: expected 'subscribe' message");
    std::vector<std::string> keys;
    if (const json::value* k = o->if_contains("keys"); k && k->is_array()) {
      for (const auto& key : k->get_array()) {
        if (key.is_string()) keys.emplace_back(key.get_string());
      }
    }
    if (keys.empty()) return violation("Protocol violation: expected 'keys' in subscribe message");
    const json::value* client_id = o->if_contains("client_id");
    if (!client_id || !client_id->is_string() || client_id->get_string().empty()) {
      return violation("Protocol violation: expected 'client_id' in subscribe message");
    }
    spdlog::info("task worker {} subscribed to {} task key(s)", std::string(client_id->get_string()), keys.size());
    subscriber_ = std::make_shared<TaskRunSubscriber>(peer_, std::string(client_id->get_string()), std::move(keys));
    dispatcher_->subscribe(subscriber_);
  }

  std::shared_ptr<TaskRunDispatcher> dispatcher_;
  std::shared_ptr<TaskRunSubscriber> subscriber_;
  bool closing_ = false;
};

// TaskWorkerFilter: {"task_worker_filter": {"task_keys": [...]}} (embedded); absent or null
// lists every worker.
core::Result<std::vector<std::string>> read_task_worker_filter(const Request& req) {
  if (req.body.empty()) return std::vector<std::string>{};
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  if (body->is_null()) return std::vector<std::string>{};
  // FastAPI reads an embedded field from a body that is no object as missing.
  if (!body->is_object()) return core::validation_error({"body", "task_worker_filter"}, "missing", "Field required", nullptr);
  const json::value* filter = body->get_object().if_contains("task_worker_filter");
  if (!filter || filter->is_null()) return std::vector<std::string>{};
  if (!filter->is_object()) {
    return core::validation_error({"body", "task_worker_filter"}, "model_attributes_type",
                                  "Input should be a valid dictionary or object to extract fields from", *filter);
  }
  const json::value* keys = filter->get_object().if_contains("task_keys");
  if (!keys) return core::validation_error({"body", "task_worker_filter", "task_keys"}, "missing", "Field required", *filter);
  if (!keys->is_array()) {
    return core::validation_error({"body", "task_worker_filter", "task_keys"}, "list_type",
                                  "Input should be a valid list", *keys);
  }
  std::vector<std::string> out;
  json::array errors;
  int64_t index = 0;
  for (const auto& k : keys->get_array()) {
    if (k.is_string()) {
      out.emplace_back(k.get_string());
    } else {
      errors.push_back(core::validation_error({"body", "task_worker_filter", "task_keys", index}, "string_type",
                                              "Input should be a valid string", k)
                           .detail.as_array()[0]);
    }
    ++index;
  }
  if (!errors.empty()) return core::invalid_request(std::move(errors));
  return out;
}

core::Result<Response> filter_task_workers(ApiContext& ctx, const Request& req) {
  auto keys = read_task_worker_filter(req);
  if (!keys) return keys.error();
  auto since = ctx.clock.now() - std::chrono::duration_cast<std::chrono::microseconds>(TaskRunDispatcher::kStaleAfter);
  auto workers = ctx.db.read<std::vector<store::task_run_queue::TaskWorker>>(
      [&](store::Connection& c) -> core::Result<std::vector<store::task_run_queue::TaskWorker>> {
        return store::task_run_queue::list_workers(c, *keys, since);
      });
  if (!workers) return workers.error();
  json::array out;
  for (const auto& w : *workers) {
    json::array task_keys;
    for (const auto& k : w.task_keys) task_keys.emplace_back(k);
    out.emplace_back(json::object{{"identifier", w.identifier},
                                  {"task_keys", std::move(task_keys)},
                                  {"timestamp", core::format_timestamp(w.seen)}});
  }
  return json_response(200, out);
}

}  // namespace

void register_task_run_subscription_routes(Router& router, ApiContext& ctx,
                                           const std::shared_ptr<TaskRunDispatcher>& dispatcher) {
  router.add_websocket("/api/task_runs/subscriptions/scheduled",
                       [&ctx, dispatcher](const Request& upgrade, std::shared_ptr<WebSocketPeer> peer) {
                         return std::make_unique<ScheduledTaskRunsSocket>(ctx, dispatcher, upgrade, std::move(peer));
                       });
  router.add("POST", "/api/task_workers/filter",
             [&ctx](const Request& req, const PathParams&) { return filter_task_workers(ctx, req); });
}

}  // namespace praetor::api
