// /api/logs routes (Prefect's api/logs.py): batched creation, filtered reads and the
// /logs/out WebSocket (log_stream.h).
#include <algorithm>

#include "api/list_request.h"
#include "api/authenticated_socket.h"
#include "api/log_response.h"
#include "api/log_stream.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/uuid.h"
#include "store/log_repository.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;
using store::logs::Log;

namespace {

// Prefect strips NUL bytes from names and messages (PostgreSQL rejects them).
std::string without_nul(std::string s) {
  s.erase(std::remove(s.begin(), s.end(), '\0'), s.end());
  return s;
}

// One LogCreate at loc ["body", index]; errors go to `errors`.
std::optional<Log> read_log_create(const json::value& item, std::size_t index, json::array& errors) {
  core::FieldReader r(item, json::array{"body", static_cast<int64_t>(index)});
  Log log;
  auto name = r.string("name", true);
  auto level = r.integer("level", true);
  auto message = r.string("message", true);
  auto timestamp = r.timestamp("timestamp", true);
  log.flow_run_id = r.uuid("flow_run_id");
  log.task_run_id = r.uuid("task_run_id");
  log.worker_id = r.uuid("worker_id");  // sent by newer clients to Cloud; kept, never returned
  if (!r.ok()) {
    core::Error err = r.error();
    for (auto& e : err.detail.as_array()) errors.push_back(e);
    return std::nullopt;
  }
  log.name = without_nul(*name);
  log.level = *level;
  log.message = without_nul(*message);
  log.timestamp = *timestamp;
  return log;
}

core::Result<Response> create_logs(ApiContext& ctx, LogStream& stream, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  if (!body->is_array()) {
    core::Error e = core::validation_error(json::array{"body"}, "is_instance_of", "Input should be an instance of Sequence",
                                           *body);
    e.detail.as_array()[0].as_object()["ctx"] = json::object{{"class", "Sequence"}};
    return e;
  }
  const json::array& items = body->get_array();
  std::vector<Log> logs;
  logs.reserve(items.size());
  json::array errors;
  auto now = ctx.clock.now();
  for (std::size_t i = 0; i < items.size(); ++i) {
    if (auto log = read_log_create(items[i], i, errors)) {
      log->id = core::new_uuid7();
      log->created = log->updated = now;
      logs.push_back(std::move(*log));
    }
  }
  if (!errors.empty()) return core::invalid_request(std::move(errors));
  if (!logs.empty()) {
    auto written = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      store::logs::insert_many(c, logs);
      stream.announce(c, logs);
      return core::Ok{};
    });
    if (!written) return written.error();
    stream.publish(logs);
  }
  return json_response(201, nullptr);
}

core::Result<Response> filter_logs(ApiContext& ctx, const Request& req) {
  auto list = parse_list_request(req, store::FilterRoot::kLog, ctx.settings.default_limit);
  if (!list) return list.error();
  auto logs = ctx.db.read<std::vector<Log>>([&](Connection& c) -> core::Result<std::vector<Log>> {
    return store::logs::list(c, list->where, list->order_by, list->page.limit, list->page.offset);
  });
  if (!logs) return logs.error();
  json::array out;
  for (const auto& log : *logs) out.emplace_back(log_response(log));
  return json_response(200, out);
}

// /logs/out: after the handshake, one {"type":"filter","filter":LogFilter} message, then
// {"type":"log","log":Log} for each matching log stored from then on.
class LogsOutSocket final : public AuthenticatedSocket {
 public:
  LogsOutSocket(ApiContext& ctx, std::shared_ptr<LogStream> stream, const Request& upgrade,
                std::shared_ptr<WebSocketPeer> peer)
      : AuthenticatedSocket(upgrade, std::move(peer), ctx.settings.auth_string), stream_(std::move(stream)) {}
  ~LogsOutSocket() override { on_closed(); }

  void on_closed() override {
    if (subscription_) stream_->close(subscription_);
    subscription_.reset();
  }

 private:
  const char* kind() const override { return "/logs/out"; }
  void on_message(std::string_view message) override {
    if (subscription_ || closing_) return;  // later messages are ignored, as Prefect does
    auto o = parse_object(message);
    if (!o || type_of(*o) != "filter") {
      closing_ = true;
      return peer_->close(1002, "Expected 'filter' message");
    }
    auto filter = parse_log_stream_filter(o->if_contains("filter"));
    if (!filter) {
      closing_ = true;
      // A close frame's reason is at most 123 bytes.
      return peer_->close(1002, ("Invalid filter: " + filter.error().message).substr(0, 120));
    }
    subscription_ = std::make_shared<LogSubscription>(peer_, std::move(*filter));
    stream_->open(subscription_);
  }

  std::shared_ptr<LogStream> stream_;
  std::shared_ptr<LogSubscription> subscription_;
  bool closing_ = false;
};

}  // namespace

void register_log_routes(Router& router, ApiContext& ctx) {
  auto stream = std::make_shared<LogStream>(
      ctx.db, store::make_notification_listener(ctx.settings.database, ctx.settings.database_tuning, kLogsChannel));
  router.add("POST", "/api/logs/",
             [&ctx, stream](const Request& req, const PathParams&) { return create_logs(ctx, *stream, req); });
  router.add("POST", "/api/logs/filter", [&ctx](const Request& req, const PathParams&) { return filter_logs(ctx, req); });
  router.add_websocket("/api/logs/out", [&ctx, stream](const Request& upgrade, std::shared_ptr<WebSocketPeer> peer) {
    return std::make_unique<LogsOutSocket>(ctx, stream, upgrade, std::move(peer));
  });
}

}  // namespace praetor::api
