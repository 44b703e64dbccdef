// /api/logs routes (Prefect's api/logs.py): batched creation, filtered reads and the
// /logs/out WebSocket (log_stream.h).
#include "api/authenticated_socket.h"
#include "api/list_request.h"
#include "api/log_query.h"
#include "api/log_stream.h"
#include "api/model_filter.h"
#include "api/routes.h"
#include "core/json_util.h"
#include "core/log.h"
#include "core/uuid.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

namespace praetor::api {

namespace json = boost::json;
using store::Connection;

namespace {

// LogFilter.text (LogFilterTextSearch): `query` is required, at most 200 characters, and
// searches the message and the logger name.
void text_filter(const core::JsonField& text, store::sql::Conditions& into) {
  core::JsonField query = text.child("query");
  if (!query.set()) {
    text.missing("query");
    return;
  }
  auto q = query.string();
  if (!q) return;
  if (q->size() > 200) {
    query.error("string_too_long", "String should have at most 200 characters", json::object{{"max_length", 200}});
    return;
  }
  store::sql::text_search("log.message || ' ' || log.name", *q, into);
}

}  // namespace

const ListQuery& log_query() {
  static const ListQuery kQuery = model_query(core::log_model(), {}, {{"text", text_filter}});
  return kQuery;
}

namespace {

core::Result<Response> create_logs(ApiContext& ctx, LogStream& stream, const Request& req) {
  auto body = core::parse_body(req.body);
  if (!body) return body.error();
  if (!body->is_array()) {
    core::Error e = core::validation_error(json::array{"body"}, "is_instance_of", "Input should be an instance of Sequence",
                                           *body);
    e.detail.as_array()[0].as_object()["ctx"] = json::object{{"class", "Sequence"}};
    return e;
  }
  const core::Model& model = core::log_model();
  const json::array& items = body->get_array();
  std::vector<json::object> logs;
  logs.reserve(items.size());
  json::array errors;
  const std::string now = core::format_timestamp(ctx.clock.now());
  for (std::size_t i = 0; i < items.size(); ++i) {
    auto log = core::read_create_at(model, items[i], json::array{"body", static_cast<int64_t>(i)});
    if (!log) {
      for (auto& e : log.error().detail.as_array()) errors.push_back(std::move(e));
      continue;
    }
    (*log)["id"] = core::new_uuid7();
    (*log)["created"] = now;
    (*log)["updated"] = now;
    logs.push_back(std::move(*log));
  }
  if (!errors.empty()) return core::invalid_request(std::move(errors));
  if (!logs.empty()) {
    auto written = ctx.db.write<core::Ok>([&](Connection& c) -> core::Result<core::Ok> {
      store::model_rows::insert_many(c, model, logs);
      stream.announce(c, logs);
      return core::Ok{};
    });
    if (!written) return written.error();
    stream.publish(logs);
  }
  return json_response(201, nullptr);
}

core::Result<Response> filter_logs(ApiContext& ctx, const Request& req) {
  const core::Model& model = core::log_model();
  auto list = parse_list_request(req, log_query(), ctx.settings.default_limit);
  if (!list) return list.error();
  auto logs = ctx.db.read<json::array>([&](Connection& c) -> core::Result<json::array> {
    return store::model_rows::list(c, model, list->where, list->order_by, list->page.limit, list->page.offset);
  });
  if (!logs) return logs.error();
  json::array out;
  out.reserve(logs->size());
  for (const auto& log : *logs) out.emplace_back(core::to_response(model, log.get_object()));
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
