#include "api/log_stream.h"

#include <algorithm>
#include <optional>

#include <spdlog/spdlog.h>

#include "core/json_util.h"
#include "core/log.h"
#include "core/uuid.h"
#include "events/replica_feed.h"
#include "store/model_table.h"
#include "store/sql_conditions.h"

namespace praetor::api {

namespace json = boost::json;

namespace {

core::Result<std::vector<json::object>> load_logs(store::Connection& c, const std::vector<std::string>& ids) {
  std::vector<json::object> out;
  out.reserve(ids.size());
  constexpr std::size_t kChunk = 100;
  for (std::size_t start = 0; start < ids.size(); start += kChunk) {
    std::size_t end = std::min(ids.size(), start + kChunk);
    auto where = store::sql::in_list("log.id", std::vector<std::string>(ids.begin() + start, ids.begin() + end));
    auto page = store::model_rows::list(c, core::log_model(), where, "ORDER BY log.timestamp, log.id",
                                        static_cast<int64_t>(end - start), 0);
    for (auto& log : page) out.push_back(std::move(log.as_object()));
  }
  return out;
}

}  // namespace

LogStream::LogStream(store::Database& db, std::unique_ptr<store::NotificationListener> listener)
    : db_(db), replica_id_(core::new_uuid4()), listener_(std::move(listener)) {
  if (listener_) feed_ = std::thread([this] { run_feed(); });
}

LogStream::~LogStream() {
  stopping_ = true;
  if (feed_.joinable()) feed_.join();
}

void LogStream::announce(store::Connection& c, const std::vector<json::object>& logs) const {
  if (c.dialect() != store::Dialect::kPostgres || logs.empty()) return;
  std::vector<std::string> ids;
  ids.reserve(logs.size());
  for (const auto& log : logs) ids.emplace_back(log.at("id").get_string());
  for (const auto& payload : events::event_notification_payloads(replica_id_, ids)) {
    store::notify(c, kLogsChannel, payload);
  }
}

void LogStream::publish(const std::vector<json::object>& logs) {
  std::vector<std::shared_ptr<LogSubscription>> subscriptions;
  {
    std::lock_guard lock(mu_);
    if (subscriptions_.empty()) return;
    subscriptions = subscriptions_;
  }
  for (const auto& log : logs) {
    std::optional<std::string> message;  // encoded once, for the first match
    for (const auto& s : subscriptions) {
      if (!matches(s->filter(), log)) continue;
      if (!message) {
        message = core::to_json_text(json::object{{"type", "log"}, {"log", core::to_response(core::log_model(), log)}});
      }
      s->send(*message);
    }
  }
}

void LogStream::open(const std::shared_ptr<LogSubscription>& subscription) {
  std::lock_guard lock(mu_);
  subscriptions_.push_back(subscription);
}

void LogStream::close(const std::shared_ptr<LogSubscription>& subscription) {
  std::lock_guard lock(mu_);
  subscriptions_.erase(std::remove(subscriptions_.begin(), subscriptions_.end(), subscription), subscriptions_.end());
}

void LogStream::run_feed() {
  while (!stopping_) {
    std::vector<std::string> ids;
    for (const auto& payload : listener_->wait(250)) {
      auto n = events::parse_event_notification(payload);
      if (!n || n->replica_id == replica_id_) continue;  // our own logs went out locally
      ids.insert(ids.end(), n->ids.begin(), n->ids.end());
    }
    if (ids.empty()) continue;
    {
      std::lock_guard lock(mu_);
      if (subscriptions_.empty()) continue;  // nobody here to show them to
    }
    auto loaded = db_.read<std::vector<json::object>>([&](store::Connection& c) { return load_logs(c, ids); });
    if (!loaded) {
      spdlog::warn("logs from other replicas: could not load {} logs: {}", ids.size(), loaded.error().message);
      continue;
    }
    publish(*loaded);
  }
}

}  // namespace praetor::api
